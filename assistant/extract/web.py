"""HTML extractor: a saved web page's article text, title and address, via trafilatura.

Does: hand the page to trafilatura (main-text extraction that leads the public benchmarks),
which drops menus, share bars, cookie notices, comments, related-post lists and footers; walk
its structured (XML) output into the common layout (headings, paragraphs, list items, table
rows); read the address from the browser's "saved from url=" comment or the page's canonical
link. Scripts, styles and event handlers never reach the text: only text nodes do.
Does not: fetch anything (fetch.py saves pages), render markup, or keep inline formatting.
"""

from __future__ import annotations

import re

from assistant.extract import clean, layout
from assistant.types import Extracted

# Browsers mark a saved page with `<!-- saved from url=(0042)https://... -->`; `ingest --url`
# writes the same mark. Failing that, a page names its own address in a canonical link.
_SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)(https?://[^\s>]+?)\s*-->", re.I)
_CANONICAL = re.compile(
    rb"<link\b[^>]*\brel=[\"']?canonical\b[^>]*\bhref=[\"']?(https?://[^\"'\s>]+)", re.I
)


def saved_from(data: bytes) -> str:
    """The page's address: its "saved from url=" comment, else its canonical link, else ""."""
    m = _SAVED_FROM.search(data[:4096]) or _CANONICAL.search(data[:65536])
    return m.group(1).decode("utf-8", "replace") if m else ""


def extract(data: bytes) -> Extracted:
    import trafilatura
    from lxml import etree

    from assistant.corpus import decode

    text = decode(data)
    try:
        xml = trafilatura.extract(
            text,
            output_format="xml",
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            include_formatting=False,
            with_metadata=True,
            deduplicate=False,
        )
    except Exception as e:  # noqa: BLE001 - a parser's failure is a skipped file, not a crash
        raise ValueError(f"not a readable web page ({type(e).__name__})") from None
    if not xml:
        raise ValueError("no article text found in this web page")
    root = etree.fromstring(xml.encode("utf-8"))
    main = root.find("main")
    if main is None:
        raise ValueError("no article text found in this web page")
    title = clean(root.get("title") or "")
    blocks = list(_blocks(main))
    if blocks and blocks[0][0] == "heading" and (not title or blocks[0][1] == title):
        title = blocks.pop(0)[1]
    if not any(kind in ("paragraph", "bullet") and _is_prose(text) for kind, text in blocks):
        # (trafilatura falls back to a page's menu when it finds no article: "Skip to content")
        raise ValueError("no article text found in this web page")
    return Extracted(layout(title, blocks), title, saved_from(data))


_SENTENCE = re.compile(r"\w[^.!?]*\s\w[^.!?]*[.!?…]")


def _is_prose(text: str) -> bool:
    """A block with at least one sentence of several words in it, not a line of links."""
    return len(text.split()) >= 5 and bool(_SENTENCE.search(text))


def _text(element: object) -> str:
    return clean("".join(element.itertext()))  # type: ignore[attr-defined]


def _blocks(element: object):  # noqa: ANN202 - an iterator of (kind, text)
    for child in element:  # type: ignore[attr-defined]
        tag = child.tag
        if tag == "head":
            yield "heading", _text(child)
        elif tag == "list":
            for item in child.findall("item"):
                yield "bullet", _text(item)
        elif tag == "table":
            for row in child.iter("row"):
                cells = [_text(cell) for cell in row.iter("cell")]
                yield "paragraph", " | ".join(c for c in cells if c)
        elif tag in ("p", "quote", "code"):
            yield "paragraph", _text(child)
        else:
            yield from _blocks(child)
            if child.tail and child.tail.strip():
                yield "paragraph", clean(child.tail)
