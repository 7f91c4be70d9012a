"""Word extractor: a .docx file's paragraphs, headings, lists and tables, via python-docx.

Does: check the file is a sound, reasonably sized zip first (a "zip bomb" that would unpack
to gigabytes is refused before anything is decompressed), then read the body in order with
python-docx: the "Title" style (or the document's title property) is the title, "Heading"
styles are headings, list styles and numbered paragraphs are list items, each table row is one
line of cells joined by " | ".
Does not: read the old binary .doc format, headers, footers, footnotes, comments or text boxes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from assistant.extract import clean, layout
from assistant.types import Extracted

MAX_UNPACKED = 200_000_000  # bytes a .docx may unpack to
MAX_RATIO = 200  # how many times its packed size one part may unpack to


def check_zip(data: bytes) -> None:
    """Refuse a zip that is not one, or that would unpack to far more than it holds."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ValueError("not a valid Word document (damaged or not a .docx)") from None
    if sum(i.file_size for i in infos) > MAX_UNPACKED or any(
        i.file_size > 1_000_000 and i.file_size > MAX_RATIO * max(1, i.compress_size) for i in infos
    ):
        raise ValueError("refused: this .docx would unpack to far more than its size (zip bomb?)")


def extract(data: bytes) -> Extracted:
    check_zip(data)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(_blocks(document))
        title = clean(document.core_properties.title or "")
    except Exception as e:  # noqa: BLE001 - a parser's failure is a skipped file, not a crash
        raise ValueError(f"not a valid Word document ({type(e).__name__})") from None
    titles = [text for kind, text in blocks if kind == "title"]
    title = titles[0] if titles else title
    blocks = [(k, t) for k, t in blocks if not (k == "title" and t == title)]
    if not title:
        first = next((t for k, t in blocks if k in ("heading", "paragraph")), "")
        title = clean(first)
        blocks = blocks[1:] if blocks and clean(blocks[0][1]) == title else blocks
    if not any(kind in ("paragraph", "bullet") for kind, _ in blocks):
        raise ValueError("no text found in this Word document")
    return Extracted(layout(title, blocks), title)


def _blocks(document: Any) -> Iterator[tuple[str, str]]:
    from docx.table import Table

    for item in document.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                cells = dict.fromkeys(clean(c.text) for c in row.cells)  # merged cells repeat
                yield "paragraph", " | ".join(c for c in cells if c)
            continue
        style = (item.style.name if item.style is not None else "") or ""
        numbered = item._p.pPr is not None and item._p.pPr.numPr is not None
        if style == "Title":
            yield "title", item.text
        elif style.startswith("Heading"):
            yield "heading", item.text
        elif style.startswith("List") or numbered:
            yield "bullet", item.text
        else:
            yield "paragraph", item.text
