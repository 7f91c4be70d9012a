"""The types passed between pipeline stages: `Document` (a corpus file) and `Passage` (a chunk).

Both are frozen. Offsets are character offsets into the file's text as Python reads it
(UTF-8 or detected encoding, universal newlines), so `document.text[p.start:p.end] == p.text`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


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
    kind: str = "text"

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
