"""Lexical search: BM25 over passages, built once in memory from the index.

Does: tokenise passages (stopwords out, Snowball stems), index them with bm25s, and answer
top-k searches by summing only the query terms' postings; match near stems ("paralysing" ~
"paralyzed"); know which passages follow a list's lead-in or elaborate on the passage before
("For example, ..."); hold the corpus vocabulary.
Does not: read the index (the caller passes the passages) or rank sentences.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from assistant.chunking import is_bullet
from assistant.text import STOPWORDS, content_stems, words
from assistant.types import Passage

MAX_LIST_ITEMS = 6
# A stem in at least this share of passages is the corpus's topic ("leg", "cramp"); a corpus
# of fewer passages than TOPIC_MIN_PASSAGES has no topic words.
TOPIC_SHARE = 0.7
TOPIC_MIN_PASSAGES = 10
# A paragraph opening with one of these gives an example of, or adds to, the one before it.
_ELABORATES = re.compile(
    r"^(for (example|instance)|e\.g\.|in addition|additionally|moreover|furthermore|"
    r"likewise|similarly|besides|also)\b",
    re.I,
)


class Lexical:
    """BM25 over passage texts (with their section headings)."""

    def __init__(self, items: list[tuple[str, Passage]]) -> None:
        import bm25s

        self.ids = [pid for pid, _ in items]
        self.passages = {pid: p for pid, p in items}
        docs = [content_stems(f"{p.heading}\n{p.text}") for _, p in items]
        # word -> how often the corpus uses it (spelling correction prefers common words)
        self.vocabulary = Counter(w for _, p in items for w in words(f"{p.heading} {p.text}"))
        # the words worth comparing in meaning with a question's (Retriever embeds them)
        self.meaning_words = sorted(
            w for w in self.vocabulary if w.isalpha() and len(w) > 2 and w not in STOPWORDS
        )
        self.df: dict[str, int] = {}
        for doc in docs:
            for stem in set(doc):
                self.df[stem] = self.df.get(stem, 0) + 1
        self.n = max(1, len(docs))
        self.topic = frozenset(
            s
            for s, d in self.df.items()
            if d / self.n >= TOPIC_SHARE and self.n >= TOPIC_MIN_PASSAGES
        )
        self._by_prefix: dict[str, list[str]] = {}
        for stem in sorted(self.df):
            self._by_prefix.setdefault(stem[:3], []).append(stem)
        self.bm25 = bm25s.BM25()
        self.bm25.index([d or ["\0"] for d in docs], show_progress=False)
        by_source: dict[str, list[tuple[int, str]]] = {}
        for pid, p in items:
            by_source.setdefault(p.source, []).append((p.start, pid))
        self.next_of: dict[str, str] = {}
        for pairs in by_source.values():
            pairs.sort()
            for (_, a), (_, b) in zip(pairs, pairs[1:], strict=False):
                self.next_of[a] = b

    def list_items(self, pid: str) -> list[str]:
        """The bullet items that follow a passage ending in a colon ("These include:")."""
        lead = self.passages[pid]
        if not lead.text.rstrip().endswith(":"):
            return []
        items = []
        nxt = self.next_of.get(pid)
        while nxt is not None and len(items) < MAX_LIST_ITEMS:
            p = self.passages[nxt]
            if p.heading != lead.heading or not is_bullet(p.text):
                break
            items.append(nxt)
            nxt = self.next_of.get(nxt)
        return items

    def continuation(self, pid: str) -> str | None:
        """The next passage when it elaborates on this one ("For example, ..."), in the same
        section; a paragraph split from its example should be judged with it."""
        nxt = self.next_of.get(pid)
        if nxt is None:
            return None
        p = self.passages[nxt]
        same = p.heading == self.passages[pid].heading
        return nxt if same and _ELABORATES.match(p.text) else None

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

    def covers(self, word: str) -> bool:
        """Whether the corpus uses this word, or one of (nearly) the same stem. (Matching by
        lemma as well held out no better: README "Evaluation".)"""
        stems = content_stems(word)
        return not stems or self.near_stem(stems[0]) is not None

    def without_topic(self, text: str) -> str | None:
        """The text without its topic phrase: a run of two or more words that nearly every
        passage uses (in a corpus about leg cramps, "leg cramps"), so what is left is what
        this question asks about. A topic word on its own stays ("which part of the leg").
        None when there is no such run or nothing with meaning would be left."""
        tokens = re.findall(r"\S+", text)
        is_topic = [bool(st) and set(st) <= self.topic for st in map(content_stems, tokens)]
        keep = []
        for i, token in enumerate(tokens):
            paired = (i > 0 and is_topic[i - 1]) or (i + 1 < len(tokens) and is_topic[i + 1])
            if not (is_topic[i] and paired):
                keep.append(token)
        rest = " ".join(keep)
        return rest if len(keep) < len(tokens) and content_stems(rest) else None

    def idf(self, stem: str) -> float:
        return math.log(1 + self.n / (1 + self.df.get(stem, 0)))

    def search(self, stems: list[str], k: int) -> list[tuple[str, float]]:
        """The `k` best passages by BM25: (passage id, score), best first.

        Sums only the query terms' postings from bm25s's precomputed score matrix, so the
        cost grows with how often the terms occur, not with the number of passages (bm25s's
        own scoring loops in Python unless numba is installed)."""
        import numpy as np

        known = self.known_stems(stems)
        if not known or not self.ids:
            return []
        vocab = self.bm25.vocab_dict
        term_ids = [vocab[t] for t in known if t in vocab]
        if not term_ids:
            return []
        matrix = self.bm25.scores
        data, indices, indptr = matrix["data"], matrix["indices"], matrix["indptr"]
        docs = np.concatenate([indices[indptr[t] : indptr[t + 1]] for t in term_ids])
        weights = np.concatenate([data[indptr[t] : indptr[t + 1]] for t in term_ids])
        if not len(docs):
            return []
        unique, where = np.unique(docs, return_inverse=True)
        totals = np.bincount(where, weights=weights)
        top = np.argpartition(totals, -k)[-k:] if len(totals) > k else np.arange(len(totals))
        top = top[np.argsort(-totals[top], kind="stable")]
        return [(self.ids[unique[i]], float(totals[i])) for i in top if totals[i] > 0]
