"""Test support: build realistic HTML, PDF and Word documents (and broken ones) from article text.

Does: parse a plain-text or Markdown article into a title and `(kind, text)` blocks
(`blocks_from_text`), and render those blocks as a saved blog page with the usual site
furniture (`html_page`), a page carrying scripts and markup-looking text (`html_with_scripts`),
a PDF with a real text layer (`pdf_bytes`, fpdf2, optionally password-protected) or a Word file
(`docx_bytes`, python-docx). It also makes the awkward inputs an ingester must survive: a page
with no article text, a scanned (image-only) PDF, a truncated PDF, a truncated .docx and a
.docx "zip bomb" that unpacks to more than 1 GB. Output is deterministic: fixed dates and
metadata, so the same input gives the same bytes.
Does not: extract text from these files (that is the assistant's job, under test), keep inline
formatting (Markdown emphasis markers are dropped, links are not parsed), hyphenate, or write
anything to disk; callers save the bytes or strings it returns.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

Block = tuple[str, str]  # (kind, text); kind is "heading", "paragraph" or "bullet"

FIXED_TIME = dt.datetime(2024, 3, 1, 9, 30, 0, tzinfo=dt.UTC)
_ZIP_TIME = (2024, 3, 1, 9, 30, 0)
SITE_NAME = "Everyday Health Notes"

# A TTF font keeps any character (curly quotes, dashes, degree signs) exactly; without it the
# PDF falls back to the core Helvetica font, which only has latin-1 (see `_latin1`).
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"

# Page furniture html_page puts around the article; none of it belongs in the article's text.
NAV_LINKS = ("Home", "Feet & Ankles", "Running", "Nutrition", "About", "Contact")
COOKIE_TEXT = "This site uses cookies to improve your experience and to show you relevant ads."
SHARE_TEXT = "Share this:"
SHARE_LINKS = ("Facebook", "Twitter", "Pinterest", "Email")
RELATED_POSTS = (
    "Ten Easy Weeknight Dinners for Busy Families",
    "How to Choose a Running Shoe That Fits",
    "Our Favourite Garden Tools This Spring",
)
COMMENTS = (
    (
        "Margaret T.",
        "Thank you for this! What finally worked for me was a spoonful of apple cider vinegar "
        "in warm water every morning. My neighbour swears by it too.",
    ),
    (
        "Dave R.",
        "Honestly I skipped all of this and bought the Zenith ProMax 3000 for $89. Sorted in a "
        "week, I would recommend it to anyone.",
    ),
)
NEWSLETTER_TEXT = "Sign up for our weekly newsletter and get new posts straight to your inbox."
COPYRIGHT_TEXT = f"\u00a9 2024 {SITE_NAME}. All rights reserved."
FURNITURE_PHRASES = (
    COOKIE_TEXT,
    SHARE_TEXT,
    "Related posts",
    *RELATED_POSTS,
    *(text for _, text in COMMENTS),
    "Leave a Reply",
    NEWSLETTER_TEXT,
    COPYRIGHT_TEXT,
)

# html_with_scripts: text that looks like markup (must survive as text) and script code (must
# never reach the text).
LITERAL_MARKUP = (
    "A note for web editors: when a comment shows raw tags such as <script> or </script>, "
    '<b>bold</b> or <a href="#">a link</a>, or an entity like &amp; on the page, the site '
    "forgot to escape it; on this page they are plain text."
)
# Every script and handler on that page calls alert(1) or trackVisit; the literal text does not.
SCRIPT_MARKERS = ("alert(", "onerror", "onclick", "document.cookie", "trackVisit", "__pageState")

# --- parsing ---------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+\.)\s+")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_SENTENCE_END = re.compile(r"[.!:;,][\"'\u2019\u201d)\]]*$")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
MAX_HEADING_CHARS = 80
MAX_HEADING_WORDS = 12


def _plain(line: str) -> str:
    """A line without its Markdown emphasis markers (`**bold**`, `*italic*`)."""
    return _EMPHASIS.sub(r"\1", _STRONG.sub(r"\1", line))


def _is_heading_line(text: str) -> bool:
    return (
        len(text) <= MAX_HEADING_CHARS
        and len(text.split()) <= MAX_HEADING_WORDS
        and not _SENTENCE_END.search(text)
    )


def _group_blocks(lines: list[str]) -> Iterator[Block]:
    """The blocks of one blank-line-separated group of lines."""
    if len(lines) == 1 and not _BULLET.match(lines[0]) and not _HEADING.match(lines[0]):
        text = _plain(lines[0].strip())
        yield ("heading" if _is_heading_line(text) else "paragraph"), text
        return
    kind, parts = "", []
    for line in lines:
        if _HEADING.match(line):
            new_kind, text = "heading", _HEADING.sub("", line).rstrip("#").strip()
        elif _BULLET.match(line):
            new_kind, text = "bullet", _BULLET.sub("", line).strip()
        elif kind == "bullet" and line[:1].isspace():
            parts.append(line.strip())  # an indented line continues the list item
            continue
        elif kind == "paragraph":
            parts.append(line.strip())
            continue
        else:
            new_kind, text = "paragraph", line.strip()
        if parts:
            yield kind, _plain(" ".join(parts))
        kind, parts = new_kind, [text]
        if kind == "heading":
            yield kind, _plain(text)
            kind, parts = "", []
    if parts:
        yield kind, _plain(" ".join(parts))


def blocks_from_text(text: str) -> tuple[str, list[Block]]:
    """A plain-text or Markdown article as (title, blocks).

    The first non-blank line (without leading `#`) is the title; blank lines separate blocks;
    a `#` line, or a short one-line block without final sentence punctuation, is a heading;
    lines starting with "- ", "* ", "\u2022 " or "1. " are bullets (marker removed); other lines
    are paragraphs, their line breaks joined by one space. Words are kept exactly; only
    whitespace and markers (list markers, `#`, Markdown emphasis) go.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if start == len(lines):
        return "", []
    title = _plain(lines[start].strip().lstrip("#").strip())
    blocks: list[Block] = []
    group: list[str] = []
    for line in [*lines[start + 1 :], ""]:
        if line.strip():
            group.append(line.rstrip())
        elif group:
            blocks += [b for b in _group_blocks(group) if b[1]]
            group = []
    return title, blocks


# --- HTML ------------------------------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _article(title: str, blocks: Iterable[Block], indent: str = "      ") -> str:
    out = [f'{indent}<article class="post">', f'{indent}  <h1 class="entry-title">{_e(title)}</h1>']
    in_list = False
    for kind, text in blocks:
        if kind == "bullet" and not in_list:
            out.append(f"{indent}  <ul>")
            in_list = True
        elif kind != "bullet" and in_list:
            out.append(f"{indent}  </ul>")
            in_list = False
        if kind == "heading":
            out.append(f"{indent}  <h2>{_e(text)}</h2>")
        elif kind == "bullet":
            out.append(f"{indent}    <li>{_e(text)}</li>")
        else:
            out.append(f"{indent}  <p>{_e(text)}</p>")
    if in_list:
        out.append(f"{indent}  </ul>")
    out.append(f"{indent}</article>")
    return "\n".join(out)


def _saved_from(url: str) -> str:
    return f"<!-- saved from url=({len(url):04d}){url} -->\n" if url else ""


def _head(title: str, description: str, url: str = "") -> str:
    canonical = f'\n  <link rel="canonical" href="{_e(url)}">' if url else ""
    return f"""<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{_e(title)} | {_e(SITE_NAME)}</title>
  <meta name="description" content="{_e(description)}">
  <meta name="author" content="{_e(SITE_NAME)} team">
  <meta property="og:type" content="article">
  <meta property="og:title" content="{_e(title)}">
  <meta property="og:site_name" content="{_e(SITE_NAME)}">{canonical}
  <link rel="stylesheet" href="/wp-content/themes/notes/style.css?ver=6.4.3">
  <style>
    body {{ font-family: Georgia, serif; margin: 0; color: #222; }}
    .site-header, .site-footer {{ background: #f4f1ea; padding: 1rem 2rem; }}
    .main-menu ul {{ display: flex; gap: 1.5rem; list-style: none; }}
    #cookie-banner {{ position: fixed; bottom: 0; width: 100%; background: #333; color: #fff; }}
    article.post {{ max-width: 42rem; margin: 2rem auto; line-height: 1.6; }}
  </style>
  <script>
    window.dataLayer = window.dataLayer || [];
    function gtag() {{ dataLayer.push(arguments); }}
    gtag("js", new Date());
    gtag("config", "G-TEST1234");
  </script>
  <script async src="https://www.googletagmanager.com/gtag/js?id=G-TEST1234"></script>
</head>"""


def _description(blocks: list[Block]) -> str:
    text = next((t for k, t in blocks if k == "paragraph"), "")
    return text if len(text) <= 155 else text[:152].rsplit(" ", 1)[0] + "..."


def _header(*, cookie_banner: bool = True) -> str:
    links = "\n".join(
        f'          <li><a href="/{_slug(name)}/">{_e(name)}</a></li>' for name in NAV_LINKS
    )
    cookies = (
        f"""
    <div id="cookie-banner" class="cookie-notice" role="dialog">
      <p>{_e(COOKIE_TEXT)}</p>
      <button type="button" onclick="acceptCookies()">Accept all cookies</button>
      <button type="button">Manage cookies</button>
    </div>"""
        if cookie_banner
        else ""
    )
    return f"""    <a class="skip-link" href="#content">Skip to content</a>{cookies}
    <header class="site-header">
      <a class="site-logo" href="/"><img src="/logo.png" alt="{_e(SITE_NAME)}"></a>
      <nav class="main-menu" aria-label="Main menu">
        <ul>
{links}
        </ul>
      </nav>
      <form class="search-form" role="search" action="/">
        <input type="search" name="s" placeholder="Search...">
        <button type="submit">Search</button>
      </form>
    </header>"""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _after_article() -> str:
    share = "\n".join(
        f'        <a class="share-{_slug(n)}" href="#share-{_slug(n)}">{_e(n)}</a>'
        for n in SHARE_LINKS
    )
    related = "\n".join(
        f'          <li><a href="/{_slug(t)}/">{_e(t)}</a></li>' for t in RELATED_POSTS
    )
    comments = "\n".join(
        f"""          <li class="comment" id="comment-{n}">
            <div class="comment-author"><img src="/avatar-{n}.png" alt=""> {_e(name)}</div>
            <div class="comment-meta">
              <time datetime="2024-03-0{n + 1}">March {n + 1}, 2024</time>
            </div>
            <p>{_e(text)}</p>
            <a class="comment-reply-link" href="#respond">Reply</a>
          </li>"""
        for n, (name, text) in enumerate(COMMENTS, start=1)
    )
    return f"""      <div class="share-bar">
        <span>{_e(SHARE_TEXT)}</span>
{share}
      </div>
      <aside class="related-posts">
        <h3>Related posts</h3>
        <ul>
{related}
        </ul>
      </aside>
      <section id="comments" class="comments-area">
        <h3 class="comments-title">{len(COMMENTS)} Comments</h3>
        <ol class="comment-list">
{comments}
        </ol>
        <div id="respond">
          <h3>Leave a Reply</h3>
          <form action="/wp-comments-post.php" method="post">
            <p>Your email address will not be published. Required fields are marked *</p>
            <textarea name="comment" rows="6"></textarea>
            <input name="author" placeholder="Name *">
            <input name="email" type="email" placeholder="Email *">
            <button type="submit">Post Comment</button>
          </form>
        </div>
      </section>"""


def _footer() -> str:
    return f"""    <aside class="newsletter">
      <h3>Get our newsletter</h3>
      <p>{_e(NEWSLETTER_TEXT)}</p>
      <form action="/subscribe" method="post">
        <input type="email" name="email" placeholder="Your email address">
        <button type="submit">Subscribe</button>
      </form>
    </aside>
    <footer class="site-footer">
      <nav aria-label="Footer">
        <a href="/privacy/">Privacy policy</a> | <a href="/terms/">Terms of use</a> |
        <a href="/contact/">Contact us</a>
      </nav>
      <p>{_e(COPYRIGHT_TEXT)}</p>
    </footer>"""


def html_page(title: str, blocks: list[Block], *, furniture: bool = True, url: str = "") -> str:
    """A saved blog page: the article in `<article>` (h1 title, h2 headings, p paragraphs,
    ul/li bullets); with `furniture`, a site header and menu, cookie banner, share bar, related
    posts, two readers' comments (`COMMENTS`), a newsletter form and a footer around it. With
    `url`, the file starts with the browsers' `<!-- saved from url=(NNNN)... -->` mark."""
    head = _head(title, _description(blocks), url)
    body = _article(title, blocks)
    if furniture:
        body = f"""{_header()}
    <main id="content" class="site-main">
{body}
{_after_article()}
    </main>
{_footer()}"""
    else:
        body = f"""    <main id="content">
{body}
    </main>"""
    return f"""{_saved_from(url)}<!DOCTYPE html>
<html lang="en">
{head}
  <body class="post-template-default single single-post">
{body}
  </body>
</html>
"""


def html_with_scripts(title: str, blocks: list[Block]) -> str:
    """An article page whose text includes markup-looking strings (`LITERAL_MARKUP`, escaped,
    as the second block) and which also carries real scripts, `onerror`/`onclick` handlers and
    a `<noscript>`; none of the code (`SCRIPT_MARKERS`) is article text."""
    blocks = [*blocks[:1], ("paragraph", LITERAL_MARKUP), *blocks[1:]]
    article = _article(title, blocks)
    # The image and button sit inside the article, the way embedded widgets do.
    widget = """        <img src=x onerror="alert(1)">
        <button type="button" onclick="alert(1); return false;"></button>
        <script>trackVisit({section: "article", consent: document.cookie});</script>"""
    article = article.replace("\n      </article>", f"\n{widget}\n      </article>")
    return f"""<!DOCTYPE html>
<html lang="en">
{_head(title, _description(blocks))}
  <body onload="trackVisit({{page: 'load'}})">
    <script>alert(1)</script>
    <script>
      window.__pageState = {{"user": null, "html": "<p>not article text</p>"}};
      function trackVisit(data) {{ navigator.sendBeacon("/collect", JSON.stringify(data)); }}
    </script>
    <noscript><img src="/pixel.gif?js=0" alt=""></noscript>
    <main id="content">
{article}
    </main>
    <script src="/wp-includes/js/comment-reply.min.js"></script>
  </body>
</html>
"""


def html_without_text() -> str:
    """A page with only navigation, a menu, images and a footer: no article text at all."""
    images = "\n".join(
        f'        <a href="/gallery/{n}/"><img src="/images/photo-{n}.jpg" alt=""></a>'
        for n in range(1, 7)
    )
    return f"""<!DOCTYPE html>
<html lang="en">
{_head("Gallery", "")}
  <body class="page-template-gallery">
{_header(cookie_banner=False)}
    <main id="content" class="site-main">
      <div class="gallery">
{images}
      </div>
    </main>
    <footer class="site-footer">
      <nav aria-label="Footer">
        <a href="/privacy/">Privacy policy</a> | <a href="/terms/">Terms of use</a>
      </nav>
      <p>{_e(COPYRIGHT_TEXT)}</p>
    </footer>
  </body>
</html>
"""


# --- PDF -------------------------------------------------------------------------------------

# Only for the core-font fallback (no TTF font on the machine): latin-1 stand-ins.
_LATIN1 = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u2022": "-",
        "\u2212": "-",
    }
)


def _latin1(text: str) -> str:
    return text.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")


def _new_pdf(title: str, *, encrypted: bool = False) -> tuple[FPDF, str, bool]:
    """An A4 fpdf2 document with fixed metadata; (pdf, font family, unicode font?)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_creation_date(FIXED_TIME)
    pdf.set_title(title)
    pdf.set_author(f"{SITE_NAME} team")
    pdf.set_subject(title)
    pdf.set_creator("tests/documents.py")
    pdf.set_producer("fpdf2")
    if not encrypted:
        # fpdf2 2.8 writes /Lang unencrypted; pdfminer then fails to AES-decrypt it.
        pdf.set_lang("en")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    if FONT_REGULAR.is_file() and FONT_BOLD.is_file():
        pdf.add_font("DejaVuSans", "", str(FONT_REGULAR))
        pdf.add_font("DejaVuSans", "B", str(FONT_BOLD))
        return pdf, "DejaVuSans", True
    return pdf, "Helvetica", False


def _default_break(blocks: list[Block]) -> int:
    """Break the page roughly in the middle, preferably just before a heading."""
    middle = len(blocks) // 2
    before_heading = [n for n in range(1, len(blocks)) if blocks[n][0] == "heading"]
    return min(before_heading, key=lambda n: abs(n - middle)) if before_heading else middle


def pdf_bytes(
    title: str,
    blocks: list[Block],
    *,
    password: str | None = None,
    page_breaks_after: int | None = None,
) -> bytes:
    """A text PDF: title bold 18 pt, headings bold 14 pt, body 11 pt wrapped over several lines,
    bullets with a "\u2022" marker, a gap between paragraphs and a page break after block
    number `page_breaks_after` (1-based; default: about the middle, just before a heading), so
    an article spans at least two pages; 0 or a number past the last block forces no break.
    The text layer holds the words exactly (DejaVu Sans; Helvetica with latin-1 stand-ins only
    when that font is missing). With `password`, the file is AES-encrypted and needs it to open.
    """
    from fpdf.enums import XPos, YPos

    pdf, family, unicode = _new_pdf(title, encrypted=password is not None)

    def write(style: str, size: float, height: float, text: str) -> None:
        pdf.set_font(family, style, size)
        text = text if unicode else _latin1(text)
        pdf.multi_cell(0, height, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.add_page()
    write("B", 18, 9, title)
    pdf.ln(4)
    breaks_after = _default_break(blocks) if page_breaks_after is None else page_breaks_after
    for n, (kind, text) in enumerate(blocks, start=1):
        if kind == "heading":
            pdf.ln(2)
            write("B", 14, 7, text)
            pdf.ln(2)
        elif kind == "bullet":
            pdf.set_font(family, "", 11)
            pdf.set_x(pdf.l_margin + 4)
            pdf.cell(5, 5.5, "\u2022" if unicode else "-")
            write("", 11, 5.5, text)
            last = n == len(blocks) or blocks[n][0] != "bullet"
            pdf.ln(4 if last else 1.5)
        else:
            write("", 11, 5.5, text)
            pdf.ln(4)
        if n == breaks_after and n < len(blocks):
            pdf.add_page()
    if password is not None:
        from fpdf.enums import EncryptionMethod

        pdf.set_encryption(
            owner_password=f"{password}-owner",
            user_password=password,
            encryption_method=EncryptionMethod.AES_128,
        )
    return bytes(pdf.output())


def scanned_pdf() -> bytes:
    """A two-page "scan": each page is one greyscale picture of printed lines, no text layer."""
    from PIL import Image, ImageDraw

    pdf, _, _ = _new_pdf("Scanned document")
    for page in range(2):
        image = Image.new("L", (620, 877), 236)  # A4 at 75 dpi, off-white paper
        draw = ImageDraw.Draw(image)
        draw.rectangle((60, 60, 420, 84), fill=40)  # a "title"
        y = 120
        for line in range(34 - 6 * page):
            if line % 7 == 6:  # paragraph gap
                y += 14
                continue
            width = 500 if line % 7 != 5 else 260 + 37 * (line % 5)
            for x in range(60, 60 + width, 46):  # "words" as dark dashes
                draw.rectangle((x, y, x + 30 + (x * 7 + line) % 12, y + 8), fill=70)
            y += 20
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        pdf.add_page()
        pdf.image(buffer, x=0, y=0, w=210, h=297)
    return bytes(pdf.output())


def corrupt_pdf() -> bytes:
    """A real PDF cut to a third of its bytes (no cross-reference table, no trailer)."""
    data = pdf_bytes(
        "A Damaged Document",
        [("paragraph", "This file was cut short while it was being copied. " * 20)] * 6,
    )
    return data[: len(data) // 3]


# --- Word ------------------------------------------------------------------------------------


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry's timestamp fixed, so the bytes are reproducible."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, src.read(info))
    return out.getvalue()


def docx_bytes(title: str, blocks: list[Block]) -> bytes:
    """A Word document: the title in style "Title", headings "Heading 1", paragraphs
    "Normal", bullets "List Bullet"; the core properties (title, author, dates) are fixed."""
    import docx

    document = docx.Document()
    props = document.core_properties
    props.title = title
    props.author = f"{SITE_NAME} team"
    props.last_modified_by = f"{SITE_NAME} team"
    props.created = props.modified = FIXED_TIME.replace(tzinfo=None)
    props.revision = 1
    document.add_paragraph(title, style="Title")
    for kind, text in blocks:
        if kind == "heading":
            document.add_paragraph(text, style="Heading 1")
        elif kind == "bullet":
            document.add_paragraph(text, style="List Bullet")
        else:
            document.add_paragraph(text, style="Normal")
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)
BOMB_UNPACKED = 1152 * 2**20  # word/document.xml unpacks to this many bytes (1.125 GiB)


@functools.cache
def zip_bomb_docx() -> bytes:
    """A .docx whose word/document.xml unpacks to more than 1 GB (`BOMB_UNPACKED` bytes) but
    packs to about 1 MB: one paragraph of spaces, streamed in 1 MiB chunks so the full text is
    never held in memory. Cached: building it takes a few seconds."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b'<w:body><w:p><w:r><w:t xml:space="preserve">'
    )
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    chunk = b" " * 2**20
    filler = BOMB_UNPACKED - len(head) - len(tail)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(zipfile.ZipInfo("[Content_Types].xml", _ZIP_TIME), _CONTENT_TYPES)
        z.writestr(zipfile.ZipInfo("_rels/.rels", _ZIP_TIME), _RELS)
        info = zipfile.ZipInfo("word/document.xml", _ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as f:
            f.write(head)
            for _ in range(filler // len(chunk)):
                f.write(chunk)
            f.write(b" " * (filler % len(chunk)))
            f.write(tail)
    return out.getvalue()


def malformed_docx() -> bytes:
    """Starts like a zip (a real .docx's first 40% of bytes) but is not a readable .docx."""
    data = docx_bytes(
        "An Incomplete Document", [("paragraph", "This file stops part of the way through.")]
    )
    return data[: len(data) * 2 // 5]
