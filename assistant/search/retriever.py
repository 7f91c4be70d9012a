"""Retrieval stage: the passages and sentences that best answer a query.

Does: encode the query (meaning.py), run three searches (passages by embedding similarity in
Chroma and by BM25 in store/lexical.py, and the sentences of the passages those two found by
embedding similarity), fuse them into candidate passages (fusion.py), read those passages
(from the lexical index, asking the store only which it still holds),
give each of their sentences its features (features.py) and score it (scoring.py). The
question's words are weighed among the documents of the best passages (`Lexical.local`: their
rarity, the topic phrase, the words those documents lack), so the articles a question is about
are judged the same however many unrelated ones the collection holds. Returns
`Evidence`: ranked passages and ranked sentences, with what the query lacks.
Does not: decide whether the evidence answers the question, or write anything (answer/).

The lexical index (BM25, vocabulary, the corpus words' vectors, the sentences' vectors) is
the one ingest saved for the live documents (store/lexical_files.py), loaded memory-mapped;
it is loaded again only when the live documents change (the manifest's key, checked at most
once every `RECHECK_SECONDS`). Chroma reads its whole vector index on its first query, so
the first question starts that query in the background before it loads the lexical index:
Chroma's load overlaps that one and the model's. Sentences are split again from their
passages' texts, as ingest split them, so a search reads no sentence record from Chroma
(held out, scoring the sentences of the 40 + 40 passages found equals a search over every
sentence: docs/performance.md).
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import replace
from typing import Any

from assistant.chunking import sentences
from assistant.embedding import Embedder
from assistant.search.features import sentence_features
from assistant.search.fusion import Ranked, about, fuse
from assistant.search.meaning import encode_question, weigh_missing
from assistant.search.scoring import rank as rank_sentences
from assistant.store import Store, lexical_files
from assistant.store.lexical import Lexical, Local
from assistant.store.records import DIMENSIONS
from assistant.text import content_stems
from assistant.types import Evidence, Hit, Passage, Query
from assistant.weights import Weights
from assistant.weights import load as load_weights

DENSE_K = 20
SENTENCE_K = 40
POOL_K = 40  # passages by embedding and by BM25 whose sentences the sentence search scores
LEXICAL_K = 20
TOP_PASSAGES = 8
RECHECK_SECONDS = 1.0


class Retriever:
    """Hybrid search over one `Store`. Heavy parts (model, BM25) load on first use."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        weights: Weights | None = None,
        expand: bool = True,
        local: bool = True,
        local_words: bool = True,
        about_question: bool = True,
        documents: bool = True,
    ) -> None:
        self.store = store
        self.weights = weights or load_weights()
        self.expand = expand  # search missing words as the corpus words close in meaning
        self.local = local  # missing words: those the found documents lack (else the corpus)
        # words' rarity and the topic phrase: among the found documents (else the corpus's)
        self.local_words = local_words
        # a found document uses a word the question asks only if it also uses half of the
        # question's other words (else it was found for that word alone)
        self.about_question = about_question
        # in a collection of many documents, the candidates come from the few the question is
        # about, with BM25's word weights among them (fusion.about)
        self.documents = documents
        self.embedder = embedder
        self._lexical: Lexical | None = None
        self._word_vectors: Any = None
        self._key = ""
        self._hidden: list[str] = []
        self._checked = 0.0
        self._lock = threading.Lock()
        self._preload: threading.Thread | None = None
        self._prefetched: Lexical | None = None

    def lexical(self) -> Lexical:
        """The lexical index of the live documents, loaded again when they have changed
        (checked at most once every `RECHECK_SECONDS`, so a re-ingest shows up without a
        restart). With it come the corpus's words as vectors: how close in meaning a word the
        articles never use comes to one they do ("drinking" ~ alcohol, "kids" ~ nothing)."""
        with self._lock:
            now = time.monotonic()
            if self._lexical is None or now - self._checked > RECHECK_SECONDS:
                _, self._hidden, key = self.store.manifest.state()
                self._checked = now
                if self._lexical is None or key != self._key:
                    if not self._key and self._preload is None:
                        self._start_preload()  # while the lexical index and the model load
                    self._lexical, self._word_vectors = lexical_files.load(
                        self.store.settings.lexical_dir,
                        key,
                        self.store.manifest.live,
                        self.store.reader,
                        self.embedder.encode_array,
                    )
                    self._key = key
            return self._lexical

    def _start_preload(self) -> None:
        """Have Chroma load its vector index now, in the background, while the lexical index
        and the model load: it reads the whole index on its first query (about 0.4 s at 100k
        passages). A failure is left to the question's own query, which reports it."""
        vector = [1.0] + [0.0] * (DIMENSIONS - 1)

        def query() -> None:
            with contextlib.suppress(Exception):
                self.store.reader.nearest(vector, 1)

        self._preload = threading.Thread(target=query, name="chroma-preload", daemon=True)
        self._preload.start()

    def _start_prefetch(self) -> None:
        """Once a search has been answered from a newly loaded lexical index, read its
        sentence vectors and passages into the system's file cache in the background
        (`Lexical.prefetch`): after it, a search's reads of its candidates no longer wait for
        the disk. Not before the first answer, whose own reads it would slow."""
        lexical = self._lexical
        if lexical is None or lexical is self._prefetched:
            return
        self._prefetched = lexical

        def read() -> None:
            with contextlib.suppress(OSError, ValueError):
                lexical.prefetch()

        threading.Thread(target=read, name="lexical-prefetch", daemon=True).start()

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
        reconnects = self.store.connection.reconnects
        evidence, complete = self._search(query, top)
        self._start_prefetch()
        if complete and self.store.connection.reconnects == reconnects:
            return evidence
        if self.store.connection.reconnects == reconnects:
            self.store.connection.reconnect()  # an embedded view of a changed index is stale
        self.refresh()
        return self._search(query, top)[0]

    def _candidates(
        self, vector: list[float], stems: list[str], lexical: Lexical, top: int
    ) -> tuple[list[Ranked], bool, dict[str, tuple[Any, Any]]]:
        """The three searches, fused (fusion.py); whether every vector result was a passage
        the lexical index knows (else the index changed since it was loaded); and the
        sentence vectors read for them (so the hits' need not be read again)."""
        import numpy as np

        preload = self._preload
        if preload is not None:
            preload.join()
            self._preload = None
        dense = self.store.reader.nearest(vector, POOL_K, self._hidden)
        known = [(p, sim) for p, sim in dense if lexical.has(p)]
        bm25 = lexical.search(stems, POOL_K)
        pool = list(dict.fromkeys([p for p, _ in known] + [p for p, _ in bm25]))
        read = self._vectors(pool, lexical)
        by_sentence = sorted(
            (
                (pid, float(sim))
                for pid, (vectors, _) in read.items()
                for sim in vectors @ np.asarray(vector, dtype=np.float32)
            ),
            key=lambda item: -item[1],
        )[:SENTENCE_K]
        ranked = fuse(known[:DENSE_K], by_sentence, bm25[:LEXICAL_K], lexical, top, stems)
        docs = about(ranked, [*pool, *(p for p, _ in by_sentence)], lexical)
        if docs is not None and self.documents:
            # Fused again among the passages of the documents the question is about: among
            # many unrelated passages the answer's words ("long", "last") are common, so BM25
            # over the whole collection no longer votes for it, and unrelated passages take
            # the ranks the features read.
            keep = set(lexical.passages_of(docs))
            ranked = fuse(
                [item for item in known if item[0] in keep][:DENSE_K],
                [item for item in by_sentence if item[0] in keep],
                lexical.search_among(stems, docs, LEXICAL_K),
                lexical,
                top,
                stems,
                docs,
            )
        return ranked, len(known) == len(dense), read

    def _vectors(self, pids: list[str], lexical: Lexical) -> dict[str, tuple[Any, Any]]:
        """These passages' sentences' vectors and generality, from the lexical index (or,
        for an index that holds none, from the store)."""
        import numpy as np

        out = lexical.sentence_vectors(pids)
        rest = [pid for pid in pids if pid not in out]
        for pid, items in self._stored(rest, lexical).items():
            vectors = np.asarray([v for _, v, _ in items], dtype=np.float32)
            out[pid] = vectors.reshape(-1, DIMENSIONS), np.asarray([g for *_, g in items])
        return out

    def _passages(self, pids: list[str], lexical: Lexical) -> dict[str, Passage]:
        """Those of these passages the index still holds: as the lexical index keeps them
        (the store is asked only which of them it still holds), or from the store."""
        kept = lexical.passages(pids)
        if not kept:
            return self.store.reader.passages_by_id(pids)
        held = self.store.reader.held(pids)
        rest = [pid for pid in pids if pid in held and pid not in kept]
        return {p: kept[p] for p in pids if p in held and p in kept} | (
            self.store.reader.passages_by_id(rest) if rest else {}
        )

    def _stored(self, pids: list[str], lexical: Lexical) -> dict[str, list[Any]]:
        """These passages' sentences as the store holds them (text, vector, generality)."""
        return self.store.reader.sentences_of(pids, lexical.sentence_ids(pids)) if pids else {}

    def _sentences(
        self, hits: tuple[Hit, ...], lexical: Lexical, read: dict[str, tuple[Any, Any]]
    ) -> dict[str, list[tuple[Passage, Any, float]]]:
        """The hits' sentences with their vectors and generality: split again from their
        texts, as ingest split them, with the lexical index's vectors (`read` already, or
        read now); from the store when the index holds none for a passage (or not as many:
        the splitting changed)."""
        found: dict[str, list[tuple[Passage, Any, float]]] = {}
        vectors = read | lexical.sentence_vectors(h.id for h in hits if h.id not in read)
        for h in hits:
            parts, got = sentences(h.passage), vectors.get(h.id)
            if got is not None and len(got[0]) == len(parts):
                found[h.id] = [
                    (s, v, float(g)) for s, v, g in zip(parts, got[0], got[1], strict=True)
                ]
        return found | self._stored([h.id for h in hits if h.id not in found], lexical)

    def _search(self, query: Query, top: int) -> tuple[Evidence, bool]:
        lexical = self.lexical()
        question = encode_question(query, lexical, self.embedder)
        vector, focus, searched = question.vector, question.focus, query.searched_for

        def stems_of(text: str) -> list[str]:
            # The text's stems, each mapped to the corpus stem it nearly equals, if any.
            return [lexical.near_stem(s) or s for s in content_stems(text)]

        stems = stems_of(searched)
        ranked, current, read = self._candidates(vector, stems, lexical, top)
        # The documents this search found: the words the question asks and they lack, the
        # words' rarity and the topic phrase are judged among them (in a large collection
        # nearly every word is used somewhere, and the articles' topic is rare overall).
        found_in = lexical.documents_of(pid for pid, *_ in ranked[:top])
        within = found_in if self.local else None
        rarity: Local | Lexical = lexical
        rest = question.rest
        if self.local_words:
            asked = [s for t in searched.split() for s in content_stems(t)]
            rarity = lexical.local(found_in, [*asked, *stems])
            rest = lexical.without_topic(searched, rarity.topic)
        refocus = rest if rest is not None and rest != question.rest else None
        missing, refocused = weigh_missing(
            query,
            question,
            lexical,
            self.embedder,
            self._word_vectors,
            within,
            refocus,
            stems if self.about_question else (),
        )
        focus = refocused if refocused is not None else (focus if rest is not None else vector)
        if missing.near and self.expand:  # search with the articles' words for missing ones
            searched = f"{searched.rstrip()} ({' '.join(missing.near)})"
            vector = self.embedder.encode_query(searched)
            focus = vector if rest is None else focus
            stems = stems_of(searched)
            ranked, current, read = self._candidates(vector, stems, lexical, top)
            if self.local_words:  # the near words' rarity too, among the same documents
                rarity = lexical.local(found_in, [*asked, *stems])
        texts = self._passages([pid for pid, *_ in ranked], lexical)
        hits = tuple(Hit(pid, texts[pid], f, c, b) for pid, f, c, b in ranked if pid in texts)
        found = self._sentences(hits, lexical, read)
        explained = {s for w in query.explained for s in content_stems(w)}
        evidence = Evidence(
            query=searched,
            passages=hits,
            sentences=rank_sentences(
                sentence_features(
                    hits, found, vector, focus, stems, lexical, query.cue, rarity.idf
                ),
                self.weights.sentence,
            ),
            missing=missing.words,
            mentioned=missing.mentioned,
            closeness=missing.closeness,
            weight=missing.weight,
            terms=tuple((s, rarity.idf(s)) for s in dict.fromkeys(stems) if s not in explained),
            intent=query.intent,
            cue=query.cue,
        )
        # Complete unless the index changed under the search: a result the lexical index does
        # not know, a passage gone, or one that has sentences came back without them.
        whole = current and len(hits) == len(ranked)
        return evidence, whole and all(found.get(h.id) or not sentences(h.passage) for h in hits)


def rescore(evidence: Evidence, weights: Weights) -> Evidence:
    """The same evidence with its sentences scored by other weights (cross-validation)."""
    return replace(evidence, sentences=rank_sentences(evidence.sentences, weights.sentence))
