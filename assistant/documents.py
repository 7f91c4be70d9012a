"""The types passed between pipeline stages: `Document` (a corpus file) and `Passage` (a chunk).

Both are frozen. Offsets are character offsets into the document's text: the file's text as
Python reads it (UTF-8 or detected encoding, universal newlines) for plain text, or the text
extracted at ingest and kept in `text_file` for HTML, PDF and Word files. Either way
`document.text[p.start:p.end] == p.text`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

PAGE_BREAK = "\f"  # between PDF pages in extracted text, on a line of its own


@dataclass(frozen=True)
class Extracted:
    """What an extractor gets from an HTML, PDF or Word file: the text to index (Markdown-like
    lines: `#`/`##` headings, one paragraph per line, `- ` list items, blank lines between
    blocks, form feeds between PDF pages), its title, and the page's address if it has one."""

    text: str
    title: str
    url: str = ""


@dataclass(frozen=True)
class Span:
    """A half-open character range `[start, end)` of a document's text."""

    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """One corpus file: its path relative to the project root, title and full text.

    `content` lists the spans that are article content (page chrome such as comment forms
    already removed); chunking only ever looks inside them.
    """

    source: str
    title: str
    text: str
    content: tuple[Span, ...]
    kind: str = "text"  # text, markdown, html, pdf, docx
    text_file: str = ""  # where `text` is kept when it was extracted (not for plain text)
    url: str = ""  # the address a web page was saved from, when known

    def page_at(self, offset: int) -> int:
        """The 1-based PDF page an offset falls on (pages are separated by form feeds in
        the extracted text); 0 for documents without pages."""
        return self.text.count(PAGE_BREAK, 0, offset) + 1 if self.kind == "pdf" else 0

    @property
    def sha(self) -> str:
        """Content hash of the whole file text; changes whenever the file's text changes."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Passage:
    """A retrievable unit (paragraph or bullet item) with its place in the source file."""

    source: str
    title: str
    heading: str
    text: str
    start: int
    end: int
    text_file: str = ""  # the extracted text file `start`/`end` index, when not plain text
    page: int = 0  # 1-based PDF page, 0 when the source has no pages
    url: str = ""  # the web address the source was saved from, when known

    @property
    def id(self) -> str:
        """Stable content-hash id: the same text at the same place keeps the same id."""
        key = f"{self.source}\0{self.start}\0{self.text}"
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Skipped:
    """A corpus file that was not indexed, and why (in words for a person)."""

    path: str
    reason: str


@dataclass(frozen=True)
class IndexedDocument:
    """What the index holds for one document: enough to decide whether to embed it again."""

    source: str
    title: str
    sha: str
    passages: int
    ingested_at: str
    text_file: str = ""
    url: str = ""
