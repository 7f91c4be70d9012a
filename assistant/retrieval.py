"""Retrieval stage: the passages and sentences that best answer a query.

Does: rank passages by reciprocal rank fusion of three lists: passages by embedding
similarity (Chroma), sentences by embedding similarity (Chroma, grouped to their passage) and
passages by BM25 (lexical.py, built once from the index); then score every sentence of the
best passages on its own (cosine to the query and to the query without its topic phrase,
plus a little for shared rare words and for its passage's rank). Returns `Evidence`: ranked
passages and ranked sentences.
Does not: decide whether the evidence answers the question, or write anything (answer.py).

The BM25 index is built once per process from the stored passages and rebuilt only when the
index changes (a different passage count); a query never reloads passages.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from assistant.chunking import sentences
from assistant.documents import Passage
from assistant.embedding import Embedder
from assistant.lexical import Lexical
from assistant.query import Query
from assistant.store import Store
from assistant.text import STOPWORDS, content_stems, cue_score, words

RRF_K = 60
DENSE_K = 20
SENTENCE_K = 40
LEXICAL_K = 20
TOP_PASSAGES = 8
TOP_SENTENCE_PASSAGES = 12
TOP_LEXICAL_PASSAGES = 4
RECHECK_SECONDS = 1.0
# A sentence's score is the probability that it answers the question: a logistic regression
# on these features, fitted on the labelled questions (`python -m assistant calibrate`):
#   sim            cosine of query and sentence vectors
#   gap            sim minus the best sim among the candidates
#   overlap        share of the query's rare words (by idf) the sentence contains
#   label_overlap  the same for a bullet's label ("Dehydration: ...")
#   cue            1 when the sentence is the kind of answer asked for (query.intent)
#   general        how much the sentence resembles the rest of its article (hubness)
#   rank           its passage's fused rank, 1 for the best .. 0
#   bm25           its passage's BM25 score over the best one's
#   lead           for a list item, the sim of the lead-in that introduces its list
#   prev           the sim of the sentence just before it (in its passage, or the end of the
#                  passage it continues): an answer often follows a sentence that restates
#                  the question ("What causes them? No one knows. However, it is most ...")
#   focus          cosine of the sentence and the question without its topic phrase
#                  (Lexical.without_topic: "How do I treat at home before sleeping?")
FEATURES = (
    "sim",
    "gap",
    "overlap",
    "label_overlap",
    "cue",
    "general",
    "rank",
    "bm25",
    "lead",
    "prev",
    "focus",
)
WEIGHTS = {  # L2 0.03, focus set to 2.0; fitted on 56 answerable questions' 1,000+ sentences
    "sim": 0.227,
    "gap": 0.208,
    "overlap": 0.474,
    "label_overlap": 0.13,
    "cue": 0.442,
    "general": -0.051,
    "rank": 0.441,
    "bm25": 0.788,
    "lead": 0.073,
    "prev": 0.126,
    "focus": 2.0,
    "bias": -4.099,
}
_LABEL = re.compile(r"^([^:.!?]{2,60}):\s")


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
    missing: tuple[str, ...] = ()  # the query's content words the corpus never uses
    unrelated: tuple[str, ...] = ()  # those of them no corpus word resembles (Lexical.resembles)
    intent: str = ""  # the kind of answer asked for (query.intent)


class Retriever:
    """Hybrid search over one `Store`. Heavy parts (model, BM25) load on first use."""

    def __init__(self, store: Store, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder
        self._lexical: Lexical | None = None
        self._version = ""
        self._hidden: list[str] = []
        self._checked = 0.0
        self._lock = threading.Lock()

    def lexical(self) -> Lexical:
        """BM25 and the passages in memory, rebuilt when the index has changed (checked at most
        once every `RECHECK_SECONDS`, so a re-ingest shows up without a restart)."""
        with self._lock:
            now = time.monotonic()
            if self._lexical is None or now - self._checked > RECHECK_SECONDS:
                version, self._hidden = self.store.state()
                self._checked = now
                if self._lexical is None or version != self._version:
                    self._lexical = Lexical(list(self.store.passages()))
                    self._version = version
            return self._lexical

    def warm(self) -> None:
        """Load the model and build BM25 now rather than on the first question."""
        self.lexical()
        self.embedder.encode_query("warm up")

    def search(self, query: Query, top: int = TOP_PASSAGES) -> Evidence:
        """The passages and scored sentences for a query. If the index changed under the
        search (Chroma had to be reopened, or a passage's sentences are gone because an ingest
        replaced its document), the search is made once more against the index as it is now."""
        reconnects = self.store.reconnects
        evidence, complete = self._search(query, top)
        if complete and self.store.reconnects == reconnects:
            return evidence
        with self._lock:
            self._checked = float("-inf")  # re-check the index's version on the next read
        return self._search(query, top)[0]

    def _search(self, query: Query, top: int) -> tuple[Evidence, bool]:
        lexical = self.lexical()
        # The question without its topic phrase ("leg cramps") says what it asks about.
        rest = lexical.without_topic(query.searched_for)
        texts = [query.searched_for] if rest is None else [query.searched_for, rest]
        vectors = self.embedder.encode_queries(texts)
        vector, focus = vectors[0], vectors[-1]
        # The question's stems, each mapped to the corpus stem it nearly equals, if any.
        stems = [lexical.near_stem(s) or s for s in content_stems(query.searched_for)]

        dense = [
            (pid, sim)
            for pid, sim in self.store.nearest(vector, DENSE_K, self._hidden)
            if pid in lexical.passages
        ]
        by_sentence = [
            (pid, sim)
            for pid, sim in self.store.nearest_sentences(vector, SENTENCE_K, self._hidden)
            if pid in lexical.passages
        ]
        bm25 = lexical.search(stems, LEXICAL_K)

        # Every id below is a live passage in `lexical.passages`: the vector results are
        # filtered to it, and BM25 indexes exactly those passages.
        fused: dict[str, float] = {}
        cosine: dict[str, float] = {}
        for rank, (pid, sim) in enumerate(dense):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + rank)
            cosine[pid] = sim
        seen: set[str] = set()
        for pid, sim in by_sentence:
            if pid in seen:
                continue
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + len(seen))
            cosine[pid] = max(cosine.get(pid, -1.0), sim)
            seen.add(pid)
        scores = dict(bm25)
        for rank, (pid, _) in enumerate(bm25):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + rank)
        candidates = sorted(fused, key=lambda p: -fused[p])[:top]
        # Also where the best sentences are, and the best lexical matches: a passage strong in
        # one list only ranks low in the fusion, but its sentences deserve to be judged.
        extra = [pid for pid, _ in by_sentence[:TOP_SENTENCE_PASSAGES]]
        extra += [pid for pid, _ in bm25[:TOP_LEXICAL_PASSAGES]]
        for pid in extra:
            if pid not in candidates:
                candidates.append(pid)
        chosen: list[str] = []
        for pid in candidates:
            # A list's lead-in brings its items, and a paragraph the one that gives its example
            # ("For example, ..."), ranked right after it and scored at least as high.
            follow = [*lexical.list_items(pid)]
            nxt = lexical.continuation(pid)
            if nxt is not None:
                follow.append(nxt)
                fused[nxt] = max(fused.get(nxt, 0.0), fused.get(pid, 0.0))
                scores[nxt] = max(scores.get(nxt, 0.0), scores.get(pid, 0.0))
            for item in [pid, *follow]:
                if item not in chosen:
                    chosen.append(item)
        hits = tuple(
            Hit(
                pid,
                lexical.passages[pid],
                fused.get(pid, 0.0),
                cosine.get(pid, 0.0),
                scores.get(pid, 0.0),
            )
            for pid in chosen
        )
        missing = tuple(
            dict.fromkeys(
                w
                for w in words(query.searched_for)
                if w not in STOPWORDS
                and w not in query.explained
                and not w.isdigit()
                and len(w) > 2
                and not lexical.covers(w)
            )
        )
        found = self.store.sentences_of([h.id for h in hits], with_vectors=True)
        evidence = Evidence(
            query=query.searched_for,
            passages=hits,
            sentences=self._score_sentences(
                hits, found, vector, focus, stems, lexical, query.intent
            ),
            missing=missing,
            unrelated=tuple(w for w in missing if not lexical.resembles(w)),
            intent=query.intent,
        )
        # Complete unless a passage that has sentences came back without them.
        return evidence, all(found.get(h.id) or not sentences(h.passage) for h in hits)

    def _score_sentences(
        self,
        hits: tuple[Hit, ...],
        found: dict[str, list[tuple[Passage, Any, float]]],
        vector: list[float],
        focus: list[float],
        stems: list[str],
        lexical: Lexical,
        intent: str,
    ) -> tuple[ScoredSentence, ...]:
        import numpy as np

        if not hits:
            return ()
        q = np.asarray(vector)
        query_stems = set(stems)
        weight = sum(lexical.idf(s) for s in query_stems) or 1.0
        top_bm25 = max((h.lexical for h in hits), default=0.0) or 1.0

        def overlap(text: str) -> float:
            shared = query_stems & set(content_stems(text))
            return sum(lexical.idf(s) for s in shared) / weight

        q_focus = np.asarray(focus)
        rows = []
        last_sim: dict[str, float] = {}  # passage id -> sim of its last sentence
        for rank, hit in enumerate(hits):
            previous = None
            for sentence, sentence_vector, general in found.get(hit.id, []):
                sim = float(np.dot(q, np.asarray(sentence_vector)))
                label = _LABEL.match(sentence.text)
                rows.append(
                    (
                        hit,
                        sentence,
                        {
                            "sim": sim,
                            "overlap": overlap(sentence.text),
                            "label_overlap": overlap(label.group(1)) if label else 0.0,
                            "cue": cue_score(sentence.text, intent),
                            "general": general,
                            "rank": 1.0 - rank / len(hits),
                            "bm25": hit.lexical / top_bm25,
                            "lead": 0.0,
                            "prev": 0.0 if previous is None else previous,
                            "focus": float(np.dot(q_focus, np.asarray(sentence_vector))),
                        },
                    )
                )
                previous = rows[-1][2]["sim"]
            if previous is not None:
                last_sim[hit.id] = previous
        # A list's items answer what its lead-in introduces ("These include:").
        lead_sim = {h.id: f["sim"] for h, s, f in rows if s.text.rstrip().endswith(":")}
        for lead_id, sim in lead_sim.items():
            for item in lexical.list_items(lead_id):
                for h, _, f in rows:
                    if h.id == item:
                        f["lead"] = max(f["lead"], sim)
        first_of: dict[str, dict[str, float]] = {}
        for h, _, f in rows:
            first_of.setdefault(h.id, f)
        for pid, sim in last_sim.items():  # "For example, ..." follows the passage it continues
            nxt = lexical.continuation(pid)
            if nxt in first_of:
                first_of[nxt]["prev"] = max(first_of[nxt]["prev"], sim)
        best_sim = max(f["sim"] for _, _, f in rows) if rows else 0.0
        out = []
        for hit, sentence, f in rows:
            f["gap"] = f["sim"] - best_sim
            logit = WEIGHTS["bias"] + sum(WEIGHTS[k] * f[k] for k in FEATURES)
            score = 1.0 / (1.0 + math.exp(-logit))  # probability it answers the question
            features = tuple(f[k] for k in FEATURES)
            out.append(ScoredSentence(hit.id, sentence, score, f["sim"], f["overlap"], features))
        out.sort(key=lambda s: -s.score)
        return tuple(out)
