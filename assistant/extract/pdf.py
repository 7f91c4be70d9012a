"""PDF extractor: the text of each page, in reading order, with page breaks kept, via pdfplumber.

Does: read each page's text lines with their positions and font sizes (pdfplumber, MIT, on
pdfminer.six), join the lines of a paragraph into one line (a paragraph ends at a wider gap
than the page's usual line spacing, or before a list item), mark lines set larger than the
body text as headings, take the title from the document's metadata or its largest first-page
line, and put a form-feed line between pages so a quote's page can be counted.
Does not: recognise text in images (a scanned PDF without a text layer is skipped: it needs
OCR), read password-protected files, or reproduce columns, tables or footnotes faithfully.
"""

from __future__ import annotations

import io
import re
import statistics
from collections.abc import Iterator
from typing import Any

from assistant.extract import clean, layout
from assistant.types import Extracted

HEADING_SIZE = 1.15  # a line set at least this much larger than the body text is a heading
PARAGRAPH_GAP = 1.6  # a gap this many times the usual line gap starts a new paragraph
_BULLET = re.compile(r"^\s*(?:[•·‣▪◦●○■□►▸➤✓✔*\-–—]|\d{1,3}[.)])\s+")


def extract(data: bytes) -> Extracted:
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            meta_title = clean(str((pdf.metadata or {}).get("Title", "") or ""))
            pages = [_lines(page) for page in pdf.pages]
    except Exception as e:  # noqa: BLE001 - a parser's failure is a skipped file, not a crash
        raise ValueError(_reason(e)) from None
    if not any(pages):
        raise ValueError("no text layer in this PDF (a scanned document needs OCR first)")
    sizes = [size for lines in pages for _, size, _, _ in lines]
    body = statistics.median(sizes) if sizes else 0.0
    blocks: list[tuple[str, str]] = []
    for n, lines in enumerate(pages):
        if n:
            blocks.append(("page", ""))
        blocks += list(_paragraphs(lines, body))
    # The title: the first page's opening heading, else the document's own metadata title
    # (often a program's default, such as "Microsoft Word - draft.docx"), else the first line.
    if blocks and blocks[0][0] == "heading":
        title = blocks.pop(0)[1]
    else:
        title = meta_title or clean(next(text for _, text in blocks if text))
    return Extracted(layout(title, blocks), title)


def _reason(error: Exception) -> str:
    names = {type(e).__name__ for e in _chain(error)}
    if names & {"PDFPasswordIncorrect", "PDFEncryptionError", "PDFEncryptionWarning"}:
        return "a password-protected PDF; save an unprotected copy to index it"
    return f"not a readable PDF (damaged or incomplete: {type(error).__name__})"


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        for arg in getattr(seen, "args", ()):
            if isinstance(arg, BaseException):
                yield arg
        seen = seen.__cause__ or seen.__context__


def _lines(page: Any) -> list[tuple[str, float, float, float]]:
    """(text, font size, top, bottom) of each text line of a page, top to bottom."""
    out = []
    for line in page.extract_text_lines(return_chars=True, strip=True):
        text = line["text"]
        if not text.strip():
            continue
        sizes = [c.get("size", 0.0) for c in line.get("chars", []) if c.get("text", "").strip()]
        size = statistics.median(sizes) if sizes else 0.0
        out.append((text, round(size, 1), float(line["top"]), float(line["bottom"])))
    return out


def _paragraphs(
    lines: list[tuple[str, float, float, float]], body: float
) -> Iterator[tuple[str, str]]:
    gaps = [b[2] - a[3] for a, b in zip(lines, lines[1:], strict=False) if b[2] > a[3]]
    usual = statistics.median(gaps) if gaps else 0.0
    kind, parts = "", []
    previous_bottom = None
    for text, size, top, bottom in lines:
        heading = body and size >= body * HEADING_SIZE
        this = "heading" if heading else "bullet" if _BULLET.match(text) else "paragraph"
        gap = top - previous_bottom if previous_bottom is not None else 0.0
        # (line gaps grow with the type: a big heading's two lines are further apart)
        scale = max(1.0, size / body) if body else 1.0
        wide = gap > max(usual * PARAGRAPH_GAP * scale, 1.0)
        continues = (this == "paragraph" and kind in ("paragraph", "bullet")) or (
            this == kind == "heading"
        )
        joins = parts and not wide and continues
        if not joins:
            if parts:
                yield kind, _join(parts)
            kind, parts = this, []
        parts.append(_BULLET.sub("", text) if this == "bullet" and not parts else text)
        previous_bottom = bottom
    if parts:
        yield kind, _join(parts)


def _join(parts: list[str]) -> str:
    """The lines of one paragraph as one line; a word broken with a hyphen at a line's end
    keeps its hyphen and loses the space ("self-" + "care" -> "self-care")."""
    out = parts[0].strip()
    for part in parts[1:]:
        part = part.strip()
        glue = "" if out.endswith("-") and out[-2:-1].isalpha() else " "
        out += glue + part
    return out
