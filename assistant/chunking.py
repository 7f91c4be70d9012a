"""Chunking stage: a `Document` becomes `Passage`s that follow the article's structure.

Does: group the document's content lines into blocks (lines separated by blank lines), make
each bullet item and each paragraph one passage, recognise headings and give every passage the
heading of the section it sits under, and split only over-long units (at line breaks first,
then at sentence ends, with LangChain's RecursiveCharacterTextSplitter). Every passage keeps
exact offsets: `document.text[p.start:p.end] == p.text`.
Does not: embed, or look outside `document.content` (page chrome is already excluded).

What is not a passage: the title line, headings (they become `Passage.heading`), and units of
fewer than `MIN_WORDS` words such as "In conclusion:", which say nothing on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache

from assistant.types import Document, Passage, Span

MAX_CHARS = 600
MIN_WORDS = 3
HEADING_MAX_CHARS = 120

_BULLET = re.compile(r"^\s*(?:[•·‣▪◦●○■□►▸➤✓✔*+\-–—]|\d{1,3}[.)]|[a-zA-Z][.)])\s+")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_ENDS_LIKE_SENTENCE = re.compile(r"[.!?:;,…\"”’')\]]$")


def is_bullet(line: str) -> bool:
    return bool(_BULLET.match(line))


def is_heading(line: str, block_lines: int, kind: str) -> bool:
    """A heading is a Markdown `#` line (the only kind outside plain text: Markdown and
    extracted text mark theirs), or (plain text) a short one-line block with no
    sentence punctuation at its end, that is not a bullet."""
    s = line.strip()
    if _MD_HEADING.match(line):
        return True
    if kind != "text" or block_lines != 1 or is_bullet(line):
        return False
    return len(s) <= HEADING_MAX_CHARS and not _ENDS_LIKE_SENTENCE.search(s) and s[:1].isupper()


def _blocks(document: Document) -> Iterator[list[Span]]:
    """Runs of content lines with nothing (no blank or removed line) between them."""
    block: list[Span] = []
    for span in document.content:
        if block and document.text[block[-1].end : span.start].count("\n") != 1:
            yield block
            block = []
        block.append(span)
    if block:
        yield block


def _units(document: Document) -> Iterator[tuple[str, Span]]:
    """("heading" | "text", span) for every heading line, bullet item and paragraph."""
    for block in _blocks(document):
        first = document.text[block[0].start : block[0].end]
        if is_heading(first, len(block), document.kind):
            yield "heading", block[0]
            block = block[1:]
            if not block:
                continue
        # Bullet items are units of their own; other lines join the paragraph (or the bullet
        # item) they continue.
        start = block[0]
        prev = block[0]
        for span in block[1:]:
            line = document.text[span.start : span.end]
            if is_bullet(line) or _MD_HEADING.match(line):
                yield "text", Span(start.start, prev.end)
                start = span
            prev = span
        yield "text", Span(start.start, prev.end)


@lru_cache(maxsize=4)
def _splitter(max_chars: int):  # noqa: ANN202 - LangChain type kept inside this module
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        chunk_size=max_chars,
        chunk_overlap=0,
        separators=["\n", ". ", "? ", "! ", "; ", ", ", " ", ""],
        keep_separator="end",
        add_start_index=True,
    )


def _split_long(text: str, span: Span, max_chars: int) -> Iterator[Span]:
    """Spans of at most about `max_chars`, cut at line breaks, then sentence ends."""
    if span.end - span.start <= max_chars:
        yield span
        return
    piece = text[span.start : span.end]
    for doc in _splitter(max_chars).create_documents([piece]):
        offset = span.start + doc.metadata["start_index"]
        chunk = doc.page_content
        assert text[offset : offset + len(chunk)] == chunk, "splitter lost the offsets"
        yield Span(offset, offset + len(chunk))


def chunk(document: Document, max_chars: int = MAX_CHARS) -> list[Passage]:
    """Split one document into passages, in document order."""
    passages: list[Passage] = []
    heading = ""
    title_seen = False
    for kind, span in _units(document):
        line = document.text[span.start : span.end]
        if kind == "heading":
            name = _MD_HEADING.sub("", line).strip().rstrip("#").strip()
            if not title_seen and name == document.title:
                title_seen = True
                continue
            heading = name
            continue
        if not title_seen and line.strip() == document.title:
            title_seen = True
            continue
        for part in _split_long(document.text, span, max_chars):
            text = document.text[part.start : part.end]
            if len(text.split()) < MIN_WORDS:
                continue
            passages.append(
                Passage(
                    source=document.source,
                    title=document.title,
                    heading=heading,
                    text=text,
                    start=part.start,
                    end=part.end,
                    text_file=document.text_file,
                    page=document.page_at(part.start),
                    url=document.url,
                )
            )
    return passages


# --- sentences -----------------------------------------------------------------------------
# A sentence ends at . ! ? or … (after any closing quotes or brackets) followed by whitespace
# and a capital, digit, opening quote or bullet; a line break always ends one. Common
# abbreviations do not end a sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’')\]]*\s+(?=[\"“‘(\[•*\-–]?\s*[A-Z0-9])|\n+")
_ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|etc|vs|Dr|Mr|Mrs|Ms|St|No|approx|Fig)\.$", re.I)


# A sentence with a pointing word among its first six words leans on the one before it
# ("This can lead to ...", "And if you ever experience such a thing, ...", "The only thing
# that both of them have in common ..."): it is quoted together with that one.
_LEANS_BACK = re.compile(r"^(?:\W*\w+\W+){0,5}?(?:this|these|those|they|them|such|both)\b", re.I)
MAX_SENTENCE_CHARS = 300


def sentences(passage: Passage) -> list[Passage]:
    """The passage's quotable sentences as passages of their own (same source, title and
    heading), with bullet markers left out so a quote starts at the words. A sentence that
    leans on the one before it is joined to it (up to `MAX_SENTENCE_CHARS`)."""
    out: list[Passage] = []
    text = passage.text
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if _ABBREVIATIONS.search(text[start : m.start()]):
            continue
        out.extend(_sentence(passage, start, m.start()))
        start = m.end()
    out.extend(_sentence(passage, start, len(text)))
    joined: list[Passage] = []
    for s in out:
        prev = joined[-1] if joined else None
        if prev and _LEANS_BACK.match(s.text) and s.end - prev.start <= MAX_SENTENCE_CHARS:
            a, b = prev.start - passage.start, s.end - passage.start
            joined[-1] = replace(prev, text=text[a:b], end=s.end)
        else:
            joined.append(s)
    return joined


def _sentence(passage: Passage, start: int, end: int) -> list[Passage]:
    piece = passage.text[start:end]
    marker = _BULLET.match(piece)
    if marker:
        start += marker.end()
    piece = passage.text[start:end]
    lead = len(piece) - len(piece.lstrip())
    start, end = start + lead, start + len(piece.rstrip())
    text = passage.text[start:end]
    if not any(c.isalnum() for c in text):
        return []
    return [replace(passage, text=text, start=passage.start + start, end=passage.start + end)]
