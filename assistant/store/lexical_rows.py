"""The lexical index's rows and how an index is built from them.

Does: tokenise a passage once, at ingest, into a `Row` (its stems, its words, whether it leads
a list, is a bullet or elaborates on the passage before, its sentences' record ids); build
from the rows everything the index holds (`build`): the BM25 score matrix (bm25s), the
vocabulary and document frequencies, which passage follows which, each document's stems and
words, each passage's sentence ids, and the titles with their headings.
Does not: search (lexical.py) or keep anything on disk (lexical_files.py).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, NamedTuple

from assistant.chunking import is_bullet
from assistant.text import STOPWORDS, content_stems, words
from assistant.types import Passage

# A paragraph opening with one of these gives an example of, or adds to, the one before it.
_ELABORATES = re.compile(
    r"^(for (example|instance)|e\.g\.|in addition|additionally|moreover|furthermore|"
    r"likewise|similarly|besides|also)\b",
    re.I,
)
# Per-passage flags.
LEAD_IN, BULLET, ELABORATES = 1, 2, 4


class Row(NamedTuple):
    """One passage as the lexical index needs it: tokenised once, at ingest."""

    id: str
    source: str
    title: str
    heading: str
    start: int
    flags: int
    stems: tuple[str, ...]
    words: tuple[str, ...]
    sentences: tuple[str, ...]  # the record ids of its sentences, in text order


def row(pid: str, p: Passage, sentence_ids: tuple[str, ...] = ()) -> Row:
    """A passage (with record id `pid`, its sentences' record ids) tokenised for the lexical
    index."""
    return Row(
        id=pid,
        source=p.source,
        title=p.title,
        heading=p.heading,
        start=p.start,
        flags=(LEAD_IN if p.text.rstrip().endswith(":") else 0)
        | (BULLET if is_bullet(p.text) else 0)
        | (ELABORATES if _ELABORATES.match(p.text) else 0),
        stems=tuple(content_stems(f"{p.heading}\n{p.text}")),
        words=tuple(words(f"{p.heading} {p.text}")),
        sentences=tuple(sentence_ids),
    )


@dataclass(frozen=True)
class Built:
    """Everything a lexical index holds (Lexical keeps it; lexical_files.py saves it)."""

    ids: list[str]
    vocabulary: Counter
    df: dict[str, int]
    vocab: dict[str, int]  # stem -> BM25 term id
    sections: dict[str, list[str]]
    arrays: dict[str, Any]


def meaning_words(vocabulary: Counter) -> list[str]:
    """The words worth comparing in meaning with a question's (their vectors are kept)."""
    return sorted(w for w in vocabulary if w.isalpha() and len(w) > 2 and w not in STOPWORDS)


def build(rows: list[Row]) -> Built:
    """The index of these rows, in their order."""
    import bm25s
    import numpy as np

    ids = [r.id for r in rows]
    # word -> how often the corpus uses it (spelling correction prefers common words)
    vocabulary = Counter(w for r in rows for w in r.words)
    df: dict[str, int] = {}
    for r in rows:
        for stem in set(r.stems):
            df[stem] = df.get(stem, 0) + 1
    bm25 = bm25s.BM25()
    bm25.index([list(r.stems) or ["\0"] for r in rows], show_progress=False)
    vocab: dict[str, int] = dict(bm25.vocab_dict)
    headings: dict[str, int] = {}
    sections: dict[str, list[str]] = {}
    by_source: dict[str, list[tuple[int, int]]] = {}
    heading = []
    for i, r in enumerate(rows):
        heading.append(headings.setdefault(r.heading, len(headings)))
        heads = sections.setdefault(r.title, [])
        if r.heading and r.heading not in heads:
            heads.append(r.heading)
        by_source.setdefault(r.source, []).append((r.start, i))
    next_of = np.full(len(rows), -1, dtype=np.int32)
    for pairs in by_source.values():
        pairs.sort()
        for (_, a), (_, b) in zip(pairs, pairs[1:], strict=False):
            next_of[a] = b
    # Each document's stems (BM25 term ids) and meaning words (indices into
    # meaning_words), sorted: what "the articles use" means for the documents a search
    # found, not only for the whole collection.
    meaning = meaning_words(vocabulary)
    word_id = {w: i for i, w in enumerate(meaning)}
    docs: dict[str, int] = {}
    doc = np.asarray([docs.setdefault(r.source, len(docs)) for r in rows], dtype=np.int32)
    stems_of: list[set[int]] = [set() for _ in docs]
    words_of: list[set[int]] = [set() for _ in docs]
    for d, r in zip(doc.tolist(), rows, strict=True):
        stems_of[d].update(vocab[t] for t in r.stems if t in vocab)
        words_of[d].update(word_id[w] for w in r.words if w in word_id)
    doc_stems, doc_stems_ptr = _csr(stems_of)
    doc_words, doc_words_ptr = _csr(words_of)
    # Each passage's sentences' record ids, so a search fetches them by key.
    sentence_ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    sentence_ptr[1:] = np.cumsum([len(r.sentences) for r in rows])
    sentence_ids = np.asarray([i for r in rows for i in r.sentences] or [""], dtype="S32")
    scores = bm25.scores
    arrays: dict[str, Any] = {
        "data": np.asarray(scores["data"], dtype=np.float32),
        "indices": np.asarray(scores["indices"], dtype=np.int32),
        "indptr": np.asarray(scores["indptr"], dtype=np.int64),
        "next_of": next_of,
        "flags": np.asarray([r.flags for r in rows], dtype=np.uint8),
        "heading": np.asarray(heading, dtype=np.int32),
        "doc": doc,
        "doc_stems": doc_stems,
        "doc_stems_ptr": doc_stems_ptr,
        "doc_words": doc_words,
        "doc_words_ptr": doc_words_ptr,
        "sentence_ids": sentence_ids,
        "sentence_ptr": sentence_ptr,
    }
    return Built(ids, vocabulary, df, vocab, sections, arrays)


def _csr(sets: list[set[int]]) -> tuple[Any, Any]:
    """Sorted integer sets as one flat array and the offsets of each set in it."""
    import numpy as np

    flat = [np.asarray(sorted(x), dtype=np.int32) for x in sets]
    ptr = np.zeros(len(sets) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(f) for f in flat])
    return (np.concatenate(flat) if flat else np.zeros(0, dtype=np.int32)), ptr
