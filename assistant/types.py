"""The types passed between the stages, each defined once (frozen dataclasses).

corpus/extract -> `Document` (with `Span`s of content; `Extracted` from an extractor) ->
chunking -> `Passage` -> embedding + store (`DocumentRecords`, `IndexedDocument`,
`IngestReport`, `Skipped`) -> search (`Query` -> `Evidence` of `Hit`s and `ScoredSentence`s)
-> answer (`Answer` with `Citation`s) -> present (CLI, UI, API).

Offsets are character offsets into the document's text: the file's text as Python reads it
(UTF-8 or detected encoding, universal newlines) for plain text, or the text extracted at
ingest and kept in `text_file` for HTML, PDF and Word files. Either way
`document.text[p.start:p.end] == p.text`.
Does not: do anything beyond small derived properties (ids, hashes, a PDF offset's page).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

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


@dataclass(frozen=True)
class DocumentRecords:
    """Everything the index keeps for one document: its passages and sentences (each sentence
    paired with its passage's id) with their vectors ((n, 384) float32 arrays)."""

    document: Document
    passages: Sequence[Passage]
    passage_vectors: Any
    sentences: Sequence[tuple[str, Passage]]
    sentence_vectors: Any
    generality: Sequence[float]
    embedded: bool = False  # its vectors were made now (not those of a copy already indexed)


@dataclass(frozen=True)
class IngestReport:
    documents: int
    passages: int
    embedded: int
    unchanged: int
    removed: int
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The contract's summary object."""
        out = asdict(self)
        out["seconds"] = round(self.seconds, 3)
        return out


@dataclass(frozen=True)
class Query:
    question: str  # the question as asked, tidied
    searched_for: str  # what is actually searched: follow-ups resolved, typos corrected
    intent: str  # see intent()
    corrections: tuple[tuple[str, str], ...] = ()
    explained: frozenset[str] = frozenset()  # words of lay terms the glossary explains
    cue: re.Pattern | None = None  # words an answer of this intent holds (text.cue_pattern)


@dataclass(frozen=True)
class Hit:
    """A passage with its fused rank score and the signals behind it."""

    id: str
    passage: Passage
    fused: float
    dense: float
    lexical: float


@dataclass(frozen=True)
class ScoredSentence:
    """A sentence that may be quoted, with its own relevance to the query."""

    passage_id: str
    sentence: Passage
    score: float
    similarity: float
    overlap: float
    features: tuple[float, ...] = ()


@dataclass(frozen=True)
class Evidence:
    query: str
    passages: tuple[Hit, ...]
    sentences: tuple[ScoredSentence, ...]
    # the query's content words the corpus never uses, rarest in English first (MAX_MISSING)
    missing: tuple[str, ...] = ()
    # for each missing word, its best cosine to a word the corpus uses: how close in meaning
    # the articles come to it ("drinking" ~ alcohol; "children" ~ nothing)
    closeness: tuple[float, ...] = ()
    # for each missing word, how much of the question's meaning it carries: 1 - the cosine
    # of the question with and without it ("want" carries little, "children" much)
    weight: tuple[float, ...] = ()
    # those missing words that a document found does use, only not with the question's other
    # words (`Lexical.covers` with `asked`): the articles mention them, just not about this
    mentioned: tuple[str, ...] = ()
    # the query's content stems with their idf (a stem the corpus lacks gets the highest)
    terms: tuple[tuple[str, float], ...] = ()
    intent: str = ""  # the kind of answer asked for (query.intent)
    cue: re.Pattern | None = None  # what an answer of that kind holds (query.cue)


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    title: str
    heading: str
    quote: str
    start: int
    end: int
    score: float
    text_file: str = ""  # for HTML, PDF and Word sources: the extracted text start/end index
    page: int = 0  # PDFs: the 1-based page of the quote
    url: str = ""  # a saved web page's address


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    refused: bool
    searched_for: str
    citations: tuple[Citation, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    note: str = ""
    writer: str = "extractive"  # or the language model's name (writer.py)
    dropped_sentences: int = 0  # generated sentences the grounding check removed
    writer_error: str = ""  # why the language model was not used, when it was asked for
