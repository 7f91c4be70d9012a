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
from dataclasses import dataclass, replace
from typing import Any

from assistant.chunking import sentences
from assistant.embedding import Embedder
from assistant.search.lexical import Lexical
from assistant.search.scoring import FEATURES
from assistant.search.scoring import rank as rank_sentences
from assistant.store import Store
from assistant.text import STOPWORDS, content_stems, cue_score, english_ranks, words
from assistant.types import Evidence, Hit, Passage, Query, ScoredSentence
from assistant.weights import Weights
from assistant.weights import load as load_weights

RRF_K = 60
DENSE_K = 20
SENTENCE_K = 40
LEXICAL_K = 20
TOP_PASSAGES = 8
TOP_SENTENCE_PASSAGES = 12
TOP_LEXICAL_PASSAGES = 4
RECHECK_SECONDS = 1.0
EXPAND_SIMILARITY = 0.7  # a missing word is also searched as the corpus word this close
MAX_MISSING = 4  # words the articles lack that are weighed in meaning, the rarest first
_LABEL = re.compile(r"^([^:.!?]{2,60}):\s")


@dataclass(frozen=True)
class _Encoded:
    """A query's vectors and its missing words (Retriever._encode)."""

    vector: list[float]  # the question (with any near words of missing ones added)
    focus: list[float]  # the question without its topic phrase, else the same as vector
    searched: str  # what was searched
    missing: tuple[str, ...]
    closeness: tuple[float, ...]
    weight: tuple[float, ...]


class Retriever:
    """Hybrid search over one `Store`. Heavy parts (model, BM25) load on first use."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        weights: Weights | None = None,
        expand: bool = True,
    ) -> None:
        self.store = store
        self.weights = weights or load_weights()
        self.expand = expand  # search missing words as the corpus words close in meaning
        self.embedder = embedder
        self._lexical: Lexical | None = None
        self._word_vectors: Any = None
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
                    lexical = Lexical(list(self.store.passages()))
                    # The corpus's words as vectors: how close in meaning a word the articles
                    # never use comes to one they do ("drinking" ~ alcohol, "kids" ~ nothing).
                    self._word_vectors = self.embedder.encode_array(lexical.meaning_words)
                    self._lexical, self._version = lexical, version
            return self._lexical

    def refresh(self) -> None:
        """Check the index's version on the next question (this process just changed it)."""
        with self._lock:
            self._checked = float("-inf")

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
        self.refresh()
        return self._search(query, top)[0]

    def _search(self, query: Query, top: int) -> tuple[Evidence, bool]:
        lexical = self.lexical()
        q = self._encode(query, lexical)
        vector, focus, searched = q.vector, q.focus, q.searched
        # The question's stems, each mapped to the corpus stem it nearly equals, if any.
        stems = [lexical.near_stem(s) or s for s in content_stems(searched)]

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
        found = self.store.sentences_of([h.id for h in hits], with_vectors=True)
        explained = {s for w in query.explained for s in content_stems(w)}
        top_idf = math.log(1 + lexical.n)
        evidence = Evidence(
            query=searched,
            passages=hits,
            sentences=rank_sentences(
                self._sentence_features(hits, found, vector, focus, stems, lexical, query.cue),
                self.weights.sentence,
            ),
            missing=q.missing,
            closeness=q.closeness,
            weight=q.weight,
            terms=tuple(
                (s, lexical.idf(s) if s in lexical.df else top_idf)
                for s in dict.fromkeys(stems)
                if s not in explained
            ),
            intent=query.intent,
            cue=query.cue,
        )
        # Complete unless a passage that has sentences came back without them.
        return evidence, all(found.get(h.id) or not sentences(h.passage) for h in hits)

    def _encode(self, query: Query, lexical: Lexical) -> _Encoded:
        """The question's vectors, in one model call with its focus (the question without its
        topic phrase), each word the articles lack (the `MAX_MISSING` rarest in English) and
        the question without each of those words; and what that tells about them."""
        import numpy as np

        rest = lexical.without_topic(query.searched_for)
        missing = [
            w
            for w in dict.fromkeys(words(query.searched_for))
            if w not in STOPWORDS
            and w not in query.explained
            and not w.isdigit()
            and len(w) > 2
            and not lexical.covers(w)
        ]
        ranks = english_ranks()
        missing = sorted(missing, key=lambda w: -ranks.get(w, len(ranks)))[:MAX_MISSING]
        texts = [query.searched_for] if rest is None else [query.searched_for, rest]
        without = [_without(query.searched_for, w) for w in missing]
        vectors = self.embedder.encode_queries([*texts, *missing, *without])
        k = len(texts)
        vector, focus = vectors[0], vectors[k - 1]
        word_vectors, without_vectors = vectors[k : k + len(missing)], vectors[k + len(missing) :]
        closeness, nearest = closest_words(word_vectors, self._word_vectors, lexical.meaning_words)
        # A word the articles lack but have a word close in meaning for ("beers" -> alcohol)
        # is searched for with that word too: lay terms found by meaning, not from a list.
        added = [w for c, w in zip(closeness, nearest, strict=True) if c >= EXPAND_SIMILARITY]
        searched = query.searched_for
        if added and self.expand:
            searched = f"{searched.rstrip()} ({' '.join(dict.fromkeys(added))})"
            vector = self.embedder.encode_query(searched)
            focus = vector if rest is None else focus
        return _Encoded(
            vector=vector,
            focus=focus,
            searched=searched,
            missing=tuple(missing),
            closeness=closeness,
            weight=tuple(1.0 - float(np.dot(vectors[0], v)) for v in without_vectors),
        )

    def _sentence_features(
        self,
        hits: tuple[Hit, ...],
        found: dict[str, list[tuple[Passage, Any, float]]],
        vector: list[float],
        focus: list[float],
        stems: list[str],
        lexical: Lexical,
        cue: re.Pattern | None,
    ) -> list[ScoredSentence]:
        """Every sentence of the hits with its features (scoring.FEATURES), not yet scored."""
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
        # The candidates' mean vector is what they share (the topic); the question and each
        # sentence compared without it say what this sentence adds ("centered").
        every = [np.asarray(v) for group in found.values() for _, v, _ in group]
        mean = np.mean(every, axis=0) if every else np.zeros_like(q)
        q_c = q - mean
        q_c = q_c / (np.linalg.norm(q_c) or 1.0)
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
                            "cue": cue_score(sentence.text, cue),
                            "general": general,
                            "rank": 1.0 - rank / len(hits),
                            "bm25": hit.lexical / top_bm25,
                            "lead": 0.0,
                            "prev": 0.0 if previous is None else previous,
                            "focus": float(np.dot(q_focus, np.asarray(sentence_vector))),
                            "centered": _unit_dot(q_c, np.asarray(sentence_vector) - mean),
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
            features = tuple(f[k] for k in FEATURES)
            out.append(ScoredSentence(hit.id, sentence, 0.0, f["sim"], f["overlap"], features))
        return out


def _without(text: str, word: str) -> str:
    """The text with every occurrence of the word taken out."""
    return " ".join(re.sub(rf"(?i)\b{re.escape(word)}\b", " ", text).split())


def _unit_dot(unit: Any, v: Any) -> float:
    import numpy as np

    n = float(np.linalg.norm(v))
    return float(np.dot(unit, v)) / n if n else 0.0


def closest_words(
    missing: list[list[float]], corpus_vectors: Any, corpus_words: list[str]
) -> tuple[tuple[float, ...], tuple[str, ...]]:
    """Each missing word's best cosine to a word of the corpus, and that word."""
    if not missing or corpus_vectors is None or not len(corpus_vectors):
        return tuple(0.0 for _ in missing), tuple("" for _ in missing)
    import numpy as np

    sims = np.asarray(missing) @ np.asarray(corpus_vectors).T
    best = sims.argmax(axis=1)
    return (
        tuple(float(sims[i, j]) for i, j in enumerate(best)),
        tuple(corpus_words[j] for j in best),
    )


def rescore(evidence: Evidence, weights: Weights) -> Evidence:
    """The same evidence with its sentences scored by other weights (cross-validation)."""
    return replace(evidence, sentences=rank_sentences(evidence.sentences, weights.sentence))
