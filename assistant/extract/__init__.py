"""Extract stage: the text of an HTML, PDF or Word file, laid out for chunking.

Does: pick the extractor for a file's suffix (`EXTRACTORS`) and turn its bytes into an
`Extracted` text in one layout for every format: `# title` and `## heading` lines, one
paragraph per line, `- ` list items, blank lines between blocks and, for PDFs, a form feed
line between pages. Each extractor wraps one well-kept library (trafilatura, pdfplumber,
python-docx) and turns anything that library raises into a `ValueError` a person can read.
Does not: read or write files (corpus.py does both, and keeps the text as the document's
`text_file` so quotes can be checked against it), or handle `.txt`/`.md` (they are indexed
as they are, with no extraction).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from assistant.types import Extracted

Extractor = Callable[[bytes], Extracted]


def _web(data: bytes) -> Extracted:
    from assistant.extract.web import extract

    return extract(data)


def _pdf(data: bytes) -> Extracted:
    from assistant.extract.pdf import extract

    return extract(data)


def _word(data: bytes) -> Extracted:
    from assistant.extract.word import extract

    return extract(data)


EXTRACTORS: dict[str, Extractor] = {
    ".html": _web,
    ".htm": _web,
    ".pdf": _pdf,
    ".docx": _word,
}
KINDS = {".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}

_SPACE = re.compile(r"\s+")


def clean(text: str) -> str:
    """One line of text: runs of whitespace (line breaks, tabs, no-break spaces) become one
    space; control characters go."""
    text = "".join(c for c in text if c.isprintable() or c.isspace())
    return _SPACE.sub(" ", text).strip()


def layout(title: str, blocks: Iterable[tuple[str, str]]) -> str:
    """The common text layout from ("title" | "heading" | "paragraph" | "bullet" | "page",
    text) blocks. Consecutive bullets stay together as one list; empty blocks are dropped."""
    out: list[str] = [f"# {title}"] if title else []
    previous = "title"
    for kind, raw in blocks:
        if kind == "page":
            out.append("\f")
            previous = kind
            continue
        text = clean(raw)
        if not text:
            continue
        line = {"title": "# ", "heading": "## ", "bullet": "- "}.get(kind, "") + text
        if not (kind == "bullet" and previous == "bullet"):
            out.append("")
        out.append(line)
        previous = kind
    return "\n".join(out).strip("\n") + "\n"
