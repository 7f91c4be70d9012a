"""Lexical search: BM25 over passages, the corpus's vocabulary, and the links between passages.

Does: answer top-k BM25 searches (over the score matrix bm25s computed, lexical_rows.py) by
summing only the query terms' postings; match near stems ("paralysing" ~ "paralyzed"); know
which passages follow a list's lead-in or elaborate on the passage before ("For example, ..."),
what the articles cover (titles, headings), the corpus vocabulary and each document's words,
and each passage's sentences (record ids, vectors, generality); how a question's words are
spread over the passages of a few documents (`Local`: their rarity and topic there). Built from
passages (`Lexical(items)`) or tokenised rows (`from_rows`), or loaded from a folder it was
saved to (`save`/`load`: its arrays memory-mapped, so a large index opens in well under a
second and its postings stay on disk until read; the sentence vectors are read a few rows at a
time).
The passages themselves (text, title, offsets) are kept too, saved as one blob per passage and
read by `pread` when a search asks for its candidates (`passages`), so a search need not fetch
their texts from the store. `prefetch` reads a saved index's files through once, so later reads
come from the system's file cache rather than the disk.
Does not: hold the passages' texts in memory, read the index, or decide where it is kept
(lexical_files.py).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

from assistant.store.lexical_rows import (
    BULLET,
    ELABORATES,
    LEAD_IN,
    Row,
    build,
    meaning_words,
    row,
)
from assistant.text import content_stems
from assistant.types import Passage

__all__ = ["FORMAT", "Lexical", "Local", "Row", "row"]

MAX_LIST_ITEMS = 6
# A stem in at least this share of passages is the corpus's topic ("leg", "cramp"); a corpus
# of fewer passages than TOPIC_MIN_PASSAGES has no topic words.
TOPIC_SHARE = 0.7
TOPIC_MIN_PASSAGES = 10
ARRAYS = (
    "data",
    "indices",
    "indptr",
    "next_of",
    "flags",
    "heading",
    "doc",
    "doc_stems",
    "doc_stems_ptr",
    "doc_words",
    "doc_words_ptr",
    "sentence_ids",
    "sentence_ptr",
)
# Each sentence's vector (float16, in the order of `sentence_ids`) and generality: a search
# scores its candidates' sentences from these instead of reading them from Chroma.
SENTENCE_ARRAYS = ("sentence_vectors", "generality")
# Each passage (`passage_blob`), concatenated in index order, and where each one starts.
PASSAGE_FILES = ("passages.bin", "passage_ptr.npy")
FORMAT = 5


PREFETCH_CHUNK = 1 << 20


def read_through(path: Path) -> int:
    """Read a file to its end, a chunk at a time, and keep nothing: what was read stays in the
    system's file cache (not this process's memory), so reading it again later does not wait
    for the disk. Returns the bytes read."""
    done, buffer = 0, bytearray(PREFETCH_CHUNK)
    with path.open("rb", buffering=0) as file:
        while n := file.readinto(buffer):
            done += n
    return done


class Rows:
    """The rows of a saved 2-D array, read from the file when asked for (`rows[a:b]`), not
    memory-mapped: a large collection's sentence vectors are read a few rows at a time, and
    rows once read stay in the system's file cache, not in this process's memory."""

    def __init__(self, path: Path) -> None:
        import numpy as np

        self.path = path
        self._file = path.open("rb")
        fmt = np.lib.format
        version = fmt.read_magic(self._file)
        read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
        shape, order, dtype = read(self._file)
        if len(shape) != 2 or order:
            raise ValueError(f"{path.name} is not a row-major matrix")
        self._offset, self._shape, self._dtype = self._file.tell(), shape, np.dtype(dtype)
        self._row = shape[1] * self._dtype.itemsize

    def __len__(self) -> int:
        return int(self._shape[0])

    def __getitem__(self, rows: slice) -> Any:
        import numpy as np

        a, b, _ = rows.indices(len(self))
        data = os.pread(self._file.fileno(), (b - a) * self._row, self._offset + a * self._row)
        return np.frombuffer(data, dtype=self._dtype).reshape(-1, self._shape[1])


def passage_blob(p: Passage) -> bytes:
    """A passage as the lexical index keeps it (`Blobs`, `from_blob`)."""
    return json.dumps(astuple(p), ensure_ascii=False).encode("utf-8")


def from_blob(blob: bytes) -> Passage:
    return Passage(*json.loads(blob))


class Blobs:
    """Byte strings kept one after another in a file, with their offsets (`ptr`, n + 1 of
    them): blob i is read from the file when asked for (`blobs[i]`), not held in memory."""

    def __init__(self, path: Path, ptr: Any) -> None:
        self.path = path
        self._file = path.open("rb")
        self._ptr = ptr

    def __len__(self) -> int:
        return len(self._ptr) - 1

    def __getitem__(self, i: int) -> bytes:
        a, b = int(self._ptr[i]), int(self._ptr[i + 1])
        return os.pread(self._file.fileno(), b - a, a)


@dataclass(frozen=True)
class Local:
    """How some stems are spread over the passages of a few documents (those a search found):
    their rarity and which of them are those documents' topic. Judged among the documents a
    question is about, a word keeps its weight however many unrelated passages the
    collection holds."""

    n: int  # the documents' passages
    df: dict[str, int]  # stem -> how many of those passages use it (for the stems asked)

    def idf(self, stem: str) -> float:
        return _idf(self.n, self.df.get(stem, 0))

    @property
    def topic(self) -> frozenset[str]:
        return _topic(self.df, self.n)


def _idf(n: int, df: int) -> float:
    """A stem's rarity among `n` passages, `df` of which use it."""
    return math.log(1 + n / (1 + df))


def _lucene_idf(n: int, df: int) -> float:
    """A stem's rarity as bm25s weighs it in its scores (Lucene's formula)."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _topic(df: dict[str, int], n: int) -> frozenset[str]:
    """The stems at least `TOPIC_SHARE` of `n` passages use (none below `TOPIC_MIN_PASSAGES`)."""
    return frozenset(s for s, d in df.items() if d / n >= TOPIC_SHARE and n >= TOPIC_MIN_PASSAGES)


class Lexical:
    """BM25 over passage texts (with their section headings), and what goes with it."""

    def __init__(self, items: Iterable[tuple[str, Passage]]) -> None:
        """The index of these (record id, passage) pairs."""
        self._build([row(pid, p) for pid, p in items])

    @classmethod
    def from_rows(cls, rows: Iterable[Row]) -> Lexical:
        """The index of passages already tokenised (`row`), e.g. kept per document."""
        self = cls.__new__(cls)
        self._build(list(rows))
        return self

    def _build(self, rows: list[Row]) -> None:
        b = build(rows)
        self.ids, self.vocabulary, self.df = b.ids, b.vocabulary, b.df
        self._vocab, self._sections, self._arrays = b.vocab, b.sections, b.arrays
        self._index = {pid: i for i, pid in enumerate(self.ids)}
        self._vectors: tuple[Any, Any] | None = None
        self._passages: Blobs | None = None
        self._derive()

    def _derive(self) -> None:
        """The parts computed from the saved ones (on build and on load)."""
        self.n = max(1, len(self.ids))
        # the words worth comparing in meaning with a question's (Retriever embeds them)
        self.meaning_words = meaning_words(self.vocabulary)
        self._meaning_index: dict[str, int] | None = None
        self._doc_sizes: Any = None
        self._doc_start: Any = None  # where each document's passages start, when contiguous
        self._weighed: tuple[Any, dict[int, float]] = ((), {})  # the last `_reweigh`
        self.topic = _topic(self.df, self.n)
        self._by_prefix: dict[str, list[str]] = {}
        for stem in sorted(self.df):
            self._by_prefix.setdefault(stem[:3], []).append(stem)

    # --- saving and loading ---------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the index into `folder` (which must not be in use: write a new one, then
        rename it into place)."""
        import numpy as np

        folder.mkdir(parents=True, exist_ok=True)
        for name in ARRAYS:
            np.save(folder / f"{name}.npy", np.asarray(self._arrays[name]))
        meta = {
            "format": FORMAT,
            "ids": self.ids,
            "vocabulary": dict(self.vocabulary),
            "df": self.df,
            "vocab": self._vocab,
            "sections": self._sections,
        }
        (folder / "lexical.json").write_text(json.dumps(meta), encoding="utf-8")
        if self._vectors is not None:  # (lexical_files.py streams them in instead)
            vectors, generality = self._vectors
            np.save(folder / "sentence_vectors.npy", np.asarray(vectors[:], dtype=np.float16))
            np.save(folder / "generality.npy", np.asarray(generality, dtype=np.float32))

    @classmethod
    def load(cls, folder: Path) -> Lexical:
        """An index saved by `save`; its arrays are memory-mapped. Raises OSError or
        ValueError when the folder does not hold a complete index of this format."""
        import numpy as np

        meta = json.loads((folder / "lexical.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"lexical index format {meta.get('format')!r}")
        self = cls.__new__(cls)
        self.ids = list(meta["ids"])
        self._index = {pid: i for i, pid in enumerate(self.ids)}
        self.vocabulary = Counter(meta["vocabulary"])
        self.df = {k: int(v) for k, v in meta["df"].items()}
        self._vocab = {k: int(v) for k, v in meta["vocab"].items()}
        self._sections = {k: list(v) for k, v in meta["sections"].items()}
        self._arrays = {n: np.load(folder / f"{n}.npy", mmap_mode="r") for n in ARRAYS}
        if len(self._arrays["flags"]) != len(self.ids):
            raise ValueError("lexical index arrays do not match its ids")
        self._vectors = None
        if (folder / "sentence_vectors.npy").is_file():  # saved with the sentences' vectors
            self.attach(Rows(folder / "sentence_vectors.npy"), np.load(folder / "generality.npy"))
        self._passages = None
        blobs, ptr = (folder / name for name in PASSAGE_FILES)
        if blobs.is_file():  # saved with the passages
            self._passages = Blobs(blobs, np.load(ptr))
            if len(self._passages) != len(self.ids):
                raise ValueError("the lexical index's passages do not match its ids")
        self._derive()
        return self

    # --- the passages ---------------------------------------------------------------------

    def has(self, pid: str) -> bool:
        """Whether `pid` is one of the indexed (live) passages."""
        return pid in self._index

    @property
    def has_passages(self) -> bool:
        return self._passages is not None

    def passages(self, pids: Iterable[str]) -> dict[str, Passage]:
        """These passages as the index keeps them; none for a passage not indexed, or when
        the index keeps no passages (built in memory)."""
        if self._passages is None:
            return {}
        blobs = self._passages
        return {pid: from_blob(blobs[i]) for pid in pids if (i := self._index.get(pid)) is not None}

    def sections(self) -> dict[str, list[str]]:
        """Title -> its section headings, in the articles' order: what the articles cover."""
        return {t: list(h) for t, h in self._sections.items()}

    def meaning_index(self) -> dict[str, int]:
        """meaning word -> its position in `meaning_words` (and in their vectors)."""
        if self._meaning_index is None:
            self._meaning_index = {w: i for i, w in enumerate(self.meaning_words)}
        return self._meaning_index

    def sentence_ids(self, pids: Iterable[str]) -> list[str]:
        """The record ids of these passages' sentences (none for a passage not indexed)."""
        a = self._arrays
        out = []
        for pid in pids:
            i = self._index.get(pid)
            if i is not None:
                ids = a["sentence_ids"][a["sentence_ptr"][i] : a["sentence_ptr"][i + 1]]
                out += [x.decode() for x in ids.tolist()]
        return out

    @property
    def sentence_count(self) -> int:
        return int(self._arrays["sentence_ptr"][-1])

    def attach(self, vectors: Any, generality: Any) -> None:
        """Give the index its sentences' vectors and generality (in `sentence_ids` order);
        ValueError when they are not one per sentence."""
        if len(vectors) != self.sentence_count or len(generality) != self.sentence_count:
            raise ValueError("sentence vectors do not match the index's sentences")
        self._vectors = (vectors, generality)

    @property
    def has_vectors(self) -> bool:
        return self._vectors is not None

    def sentence_vectors(self, pids: Iterable[str]) -> dict[str, tuple[Any, Any]]:
        """Each passage's sentences' vectors (float32, text order) and generality; none for
        a passage not indexed, or when the index holds no vectors (built from passages)."""
        import numpy as np

        if self._vectors is None:
            return {}
        known = [(pid, i) for pid in pids if (i := self._index.get(pid)) is not None]
        if not known:
            return {}
        at = np.asarray([i for _, i in known])
        ptr = self._arrays["sentence_ptr"]
        starts, ends = np.asarray(ptr[at]).tolist(), np.asarray(ptr[at + 1]).tolist()
        vectors, generality = self._vectors
        return {
            pid: (np.asarray(vectors[a:b], dtype=np.float32), np.asarray(generality[a:b]))
            for (pid, _), a, b in zip(known, starts, ends, strict=True)
        }

    def prefetch(self) -> int:
        """Read the files of a saved index once (its memory-mapped arrays, the sentence
        vectors, the passages), so that the searches that follow read them from the system's
        file cache, not the disk: on a cold start of a large collection, each search's first
        reads of its candidates' rows wait for the disk. Takes a while for a large index:
        call it off the question's path. Returns the bytes read (0 for an index built in
        memory)."""
        held = [*self._arrays.values(), self._vectors and self._vectors[0], self._passages]
        files = [getattr(h, "filename", None) or getattr(h, "path", None) for h in held]
        return sum(read_through(Path(f)) for f in files if f)

    def documents_of(self, pids: Iterable[str]) -> list[int]:
        """The documents (as numbers) these passages belong to, without repeats."""
        doc = self._arrays["doc"]
        return sorted({int(doc[self._index[p]]) for p in pids if p in self._index})

    def _sizes(self) -> Any:
        """How many passages each document (as a number) has."""
        import numpy as np

        if self._doc_sizes is None:
            doc = np.asarray(self._arrays["doc"])
            self._doc_sizes = np.bincount(doc) if len(doc) else np.zeros(0, dtype=np.int64)
        return self._doc_sizes

    def local(self, docs: list[int], stems: Iterable[str]) -> Local:
        """These stems' spread over the passages of these documents (`Local`)."""
        import numpy as np

        a = self._arrays
        doc = np.asarray(a["doc"])
        chosen = np.asarray(sorted(set(docs)), dtype=np.int64)
        n = int(self._sizes()[chosen].sum()) if len(chosen) else 0
        df = {}
        for stem in dict.fromkeys(stems):
            term = self._vocab.get(stem)
            if term is None:
                df[stem] = 0
                continue
            rows = a["indices"][a["indptr"][term] : a["indptr"][term + 1]]
            df[stem] = int(np.isin(doc[rows], chosen).sum())
        return Local(max(1, n), df)

    def words_near(self, text: str, k: int = 10) -> dict[str, int]:
        """The words of the documents that BM25's `k` best passages for the text's known
        words belong to, each with the place of the first (best) such document that uses it:
        the spellings the documents about this text use."""
        found = self.search(content_stems(text), k)
        doc = self._arrays["doc"]
        order = dict.fromkeys(int(doc[self._index[pid]]) for pid, _ in found)
        out: dict[str, int] = {}
        for place, d in enumerate(order):
            for i in self.words_within([d]).tolist():
                out.setdefault(self.meaning_words[i], place)
        return out

    def words_within(self, docs: list[int]) -> Any:
        """Indices into `meaning_words` of the words these documents use."""
        import numpy as np

        a = self._arrays
        parts = [a["doc_words"][a["doc_words_ptr"][d] : a["doc_words_ptr"][d + 1]] for d in docs]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def _next(self, i: int) -> int:
        return int(self._arrays["next_of"][i])

    def list_items(self, pid: str) -> list[str]:
        """The bullet items that follow a passage ending in a colon ("These include:")."""
        i = self._index[pid]
        flags, heading = self._arrays["flags"], self._arrays["heading"]
        if not flags[i] & LEAD_IN:
            return []
        items = []
        nxt = self._next(i)
        while nxt >= 0 and len(items) < MAX_LIST_ITEMS:
            if heading[nxt] != heading[i] or not flags[nxt] & BULLET:
                break
            items.append(self.ids[nxt])
            nxt = self._next(nxt)
        return items

    def continuation(self, pid: str) -> str | None:
        """The next passage when it elaborates on this one ("For example, ..."), in the same
        section; a paragraph split from its example should be judged with it."""
        i = self._index[pid]
        nxt = self._next(i)
        if nxt < 0:
            return None
        same = self._arrays["heading"][nxt] == self._arrays["heading"][i]
        return self.ids[nxt] if same and self._arrays["flags"][nxt] & ELABORATES else None

    # --- words ----------------------------------------------------------------------------

    def near_stem(self, stem: str) -> str | None:
        """The corpus stem this one is (nearly) the same as: itself, or one edit away for
        stems of five letters or more ("paralys" -> "paralyz", "pregnant" -> "pregnanc")."""
        if stem in self.df:
            return stem
        if len(stem) < 5:
            return None
        import jellyfish

        for other in self._by_prefix.get(stem[:3], ()):
            if (
                abs(len(other) - len(stem)) <= 1
                and jellyfish.damerau_levenshtein_distance(stem, other) <= 1
            ):
                return other
        return None

    def known_stems(self, stems: list[str]) -> list[str]:
        return [k for k in (self.near_stem(s) for s in stems) if k is not None]

    def covers(self, word: str, within: list[int] | None = None, asked: Iterable[str] = ()) -> bool:
        """Whether the corpus (or, given `within`, one of those documents) uses this word, or
        one of (nearly) the same stem. With `asked` (the question's stems), only a document
        that also uses at least half of the question's other stems that one of `within`
        uses counts: a document found for this word alone is not what the question is about.
        The other stems are those of the documents found, not of the whole collection, so
        unrelated documents that use "around" or "bad" change nothing. (Matching by lemma
        as well held out no better: docs/answering.md "Evaluation".)"""
        stems = content_stems(word)
        if not stems:
            return True
        stem = self.near_stem(stems[0])
        if stem is None or within is None:
            return stem is not None
        term = self._vocab.get(stem)
        if term is None:
            return False
        others = sorted({self._vocab[s] for s in asked if s in self._vocab} - {term})
        uses = {d: self._uses(d, [term, *others]) for d in within}  # the term first
        shared = [i for i in range(1, len(others) + 1) if any(u[i] for u in uses.values())]
        return any(
            u[0] and (not shared or 2 * sum(u[i] for i in shared) >= len(shared))
            for u in uses.values()
        )

    def _uses(self, d: int, terms: list[int]) -> list[bool]:
        """Whether document `d` uses each of these BM25 terms."""
        import numpy as np

        a = self._arrays
        held = a["doc_stems"][a["doc_stems_ptr"][d] : a["doc_stems_ptr"][d + 1]]
        at = np.searchsorted(held, terms)
        return [
            bool(i < len(held) and held[i] == t) for i, t in zip(at.tolist(), terms, strict=True)
        ]

    def without_topic(self, text: str, topic: frozenset[str] | None = None) -> str | None:
        """The text without its topic phrase: a run of two or more words that nearly every
        passage uses (in a corpus about leg cramps, "leg cramps"), so what is left is what
        this question asks about. A topic word on its own stays ("which part of the leg").
        None when there is no such run or nothing with meaning would be left. `topic`: these
        topic stems instead of the collection's (`Local.topic`)."""
        topic = self.topic if topic is None else topic
        tokens = re.findall(r"\S+", text)
        is_topic = [bool(st) and set(st) <= topic for st in map(content_stems, tokens)]
        keep = []
        for i, token in enumerate(tokens):
            paired = (i > 0 and is_topic[i - 1]) or (i + 1 < len(tokens) and is_topic[i + 1])
            if not (is_topic[i] and paired):
                keep.append(token)
        rest = " ".join(keep)
        return rest if len(keep) < len(tokens) and content_stems(rest) else None

    def idf(self, stem: str) -> float:
        return _idf(self.n, self.df.get(stem, 0))

    def _terms(self, stems: list[str]) -> list[int]:
        """The BM25 terms of these stems (each mapped to the corpus stem it nearly equals),
        one per occurrence: a stem asked twice counts twice."""
        return [self._vocab[t] for t in self.known_stems(stems) if t in self._vocab]

    def scores(
        self, stems: list[str], pids: Iterable[str], among: list[int] | None = None
    ) -> dict[str, float]:
        """These passages' BM25 scores for the stems, as `search` scores them, whether or not
        they are among its best (among many passages a candidate found by meaning can fall
        out of BM25's top list; its score still says how many of the words it holds). With
        `among` (documents), each word is weighed by its rarity among those documents'
        passages instead of the whole collection's (bm25s's Lucene idf, taken again): among
        100,000 unrelated passages "long" and "last" are common, among two articles on leg
        cramps they are what sets one passage apart."""
        import numpy as np

        wanted = [p for p in dict.fromkeys(pids) if p in self._index]
        term_ids = self._terms(stems)
        if not wanted or not term_ids:
            return dict.fromkeys(wanted, 0.0)
        rows = np.asarray([self._index[p] for p in wanted], dtype=np.int64)
        order = np.argsort(rows)
        ordered = rows[order]
        totals = np.zeros(len(rows))
        a = self._arrays
        data, indices, indptr = a["data"], a["indices"], a["indptr"]
        weigh = self._reweigh(stems, among) if among is not None else {}
        for t in term_ids:
            posting = np.asarray(indices[indptr[t] : indptr[t + 1]])
            held = np.isin(posting, ordered)
            if held.any():
                at = order[np.searchsorted(ordered, posting[held])]
                got = np.asarray(data[indptr[t] : indptr[t + 1]])[held]
                np.add.at(totals, at, got * weigh.get(t, 1.0))
        return {p: float(v) for p, v in zip(wanted, totals.tolist(), strict=True)}

    def _reweigh(self, stems: list[str], docs: list[int]) -> dict[int, float]:
        """Per BM25 term of these stems, its Lucene idf among these documents' passages
        (`local`) over its idf among all passages (the one bm25s's score matrix holds). The
        last answer is kept: a search asks twice with the same documents (`search_among`,
        then its candidates' scores)."""
        known = [s for s in dict.fromkeys(self.known_stems(stems)) if s in self._vocab]
        asked = (tuple(known), tuple(sorted(set(docs))))
        if self._weighed[0] != asked:
            spread, indptr = self.local(docs, known), self._arrays["indptr"]
            out = {}
            for stem in known:
                t = self._vocab[stem]
                everywhere = _lucene_idf(len(self.ids), int(indptr[t + 1] - indptr[t]))
                out[t] = _lucene_idf(spread.n, spread.df[stem]) / (everywhere or 1.0)
            self._weighed = (asked, out)
        return self._weighed[1]

    def search_among(self, stems: list[str], docs: list[int], k: int) -> list[tuple[str, float]]:
        """The `k` best passages of these documents by BM25, each word weighed by its rarity
        among their passages (`scores`); only passages that hold one of the words."""
        found = self.scores(stems, self.passages_of(docs), docs)
        best = sorted((item for item in found.items() if item[1] > 0), key=lambda x: -x[1])
        return best[:k]

    def passages_of(self, docs: Iterable[int]) -> list[str]:
        """Every passage of these documents (as numbers, `documents_of`), in index order."""
        import numpy as np

        doc = np.asarray(self._arrays["doc"])
        if self._doc_start is None and len(doc) and bool(np.all(doc[1:] >= doc[:-1])):
            self._doc_start = np.concatenate([[0], np.cumsum(self._sizes())]).tolist()
        start, chosen = self._doc_start, sorted(set(docs))
        if start is not None:  # each document's passages are one run (as ingest writes them)
            return [p for d in chosen for p in self.ids[start[d] : start[d + 1]]]
        picked = np.flatnonzero(np.isin(doc, np.asarray(chosen, dtype=np.int64)))
        return [self.ids[i] for i in picked.tolist()]

    def search(self, stems: list[str], k: int) -> list[tuple[str, float]]:
        """The `k` best passages by BM25: (passage id, score), best first.

        Sums only the query terms' postings from bm25s's precomputed score matrix, so the
        cost grows with how often the terms occur, not with the number of passages (bm25s's
        own scoring loops in Python unless numba is installed)."""
        import numpy as np

        term_ids = self._terms(stems)
        if not term_ids or not self.ids:
            return []
        a = self._arrays
        data, indices, indptr = a["data"], a["indices"], a["indptr"]
        docs = np.concatenate([indices[indptr[t] : indptr[t + 1]] for t in term_ids])
        weights = np.concatenate([data[indptr[t] : indptr[t + 1]] for t in term_ids])
        if not len(docs):
            return []
        unique, where = np.unique(docs, return_inverse=True)
        totals = np.bincount(where, weights=weights)
        top = np.argpartition(totals, -k)[-k:] if len(totals) > k else np.arange(len(totals))
        top = top[np.argsort(-totals[top], kind="stable")]
        return [(self.ids[unique[i]], float(totals[i])) for i in top if totals[i] > 0]
