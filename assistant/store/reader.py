"""Reading the index: nearest passages, passages and sentences by id, every passage.

Does: the reads a search needs, each inside the connection's reopen-and-retry, parsing its
results inside it too (a record a stale view still lists but without its metadata is left
out; the search then notices it is incomplete and is made again):
  nearest            the k nearest passage records to a vector: (id, cosine)
  held               which of some passage record ids the index still holds (a search's
                     candidates, read from the lexical index)
  passage_vectors    some passages' vectors, by record id (ingest reuses them for a file
                     whose text the index already holds under another name)
  passages_by_id     some passages, by record id
  sentences_of       the stored sentence records of some passages, with vectors and
                     generality (a search uses the lexical index's copy; this is for a
                     passage it holds none for)
  sentence_vectors   some sentences' vectors and generality, by record id (what the
                     lexical index's copy is made from when this machine did not ingest
                     them; only a Chroma server, or an older index, holds sentence records)
  passages           every live passage, in pages (what BM25 is built from when it was
                     not kept)
Records of `hidden` document versions (manifest.py) are left out.
Does not: rank beyond cosine similarity, or write anything (writer.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from assistant.store.connection import Connection
from assistant.store.manifest import Manifest
from assistant.store.records import DIMENSIONS, to_passage
from assistant.types import Passage

PAGE = 5000


def _excluding(hidden: Sequence[str]) -> dict[str, Any] | None:
    return {"doc_sha": {"$nin": list(hidden)}} if hidden else None


class Reader:
    """The search-time reads of one index."""

    def __init__(self, connection: Connection, manifest: Manifest) -> None:
        self.connection = connection
        self.manifest = manifest

    def nearest(
        self, vector: Sequence[float], k: int, hidden: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        """(passage record id, cosine) of the `k` nearest passages, best first."""
        c = self.connection
        res = c.read(
            lambda: c.passages.query(
                query_embeddings=[list(vector)],
                n_results=k,
                include=["distances"],
                where=_excluding(hidden),
            )
        )
        return [
            (pid, 1.0 - float(d)) for pid, d in zip(res["ids"][0], res["distances"][0], strict=True)
        ]

    def held(self, ids: Sequence[str]) -> set[str]:
        """Those of these passage record ids the index still holds (ids only: no text is
        read)."""
        if not ids:
            return set()
        c = self.connection
        page = c.read(lambda: c.passages.get(ids=list(ids), include=[]))
        return set(page["ids"])

    def passages_by_id(self, ids: Sequence[str]) -> dict[str, Passage]:
        """The passages with these record ids that the index still holds."""
        if not ids:
            return {}
        c = self.connection
        page = c.read(lambda: c.passages.get(ids=list(ids), include=["documents", "metadatas"]))
        rows = zip(page["ids"], page["documents"], page["metadatas"], strict=True)
        return {pid: to_passage(text, meta) for pid, text, meta in rows if meta is not None}

    def passage_vectors(self, ids: Sequence[str]) -> dict[str, Any]:
        """The vectors (float32) of those of these passage records the index holds, by id,
        `PAGE` ids a read."""
        import numpy as np

        out: dict[str, Any] = {}
        c = self.connection
        for i in range(0, len(ids), PAGE):
            wanted = list(ids[i : i + PAGE])
            page = c.read(lambda w=wanted: c.passages.get(ids=w, include=["embeddings"]))
            for pid, v in zip(page["ids"], page["embeddings"], strict=True):
                out[pid] = np.asarray(v, dtype=np.float32)
        return out

    def sentences_of(
        self, passage_ids: Sequence[str], ids: Sequence[str]
    ) -> dict[str, list[tuple[Passage, Any, float]]]:
        """The stored sentence records (`ids`) of some passages, by passage record id, in
        text order, each with its vector and its generality (see records.generality). Only a
        Chroma server, or an index written before the lexical index kept them, has these."""
        if not passage_ids:
            return {}
        c = self.connection
        include = ["documents", "metadatas", "embeddings"]
        page = c.read(lambda: c.sentences.get(ids=list(ids), include=include))
        out: dict[str, list[tuple[Passage, Any, float]]] = {pid: [] for pid in passage_ids}
        rows = zip(page["documents"], page["metadatas"], page["embeddings"], strict=True)
        for text, meta, vector in rows:
            if meta is None:  # deleted since (a stale view); it is no live passage's sentence
                continue
            item = (to_passage(text, meta), vector, float(meta.get("generality", 0.0)))
            out.setdefault(str(meta["passage_id"]), []).append(item)
        for items in out.values():
            items.sort(key=lambda item: item[0].start)
        return out

    def sentence_vectors(self, ids: Sequence[str]) -> tuple[Any, Any, bool]:
        """The vectors (float32, in the order of `ids`) and generality of these sentence
        records, and whether the index held them all (a missing one gets zeros)."""
        import numpy as np

        vectors = np.zeros((len(ids), DIMENSIONS), dtype=np.float32)
        generality = np.zeros(len(ids), dtype=np.float32)
        where = {sid: i for i, sid in enumerate(ids)}
        found = 0
        c = self.connection
        for i in range(0, len(ids), PAGE):
            wanted = list(ids[i : i + PAGE])
            page = c.read(
                lambda w=wanted: c.sentences.get(ids=w, include=["embeddings", "metadatas"])
            )
            for sid, v, meta in zip(
                page["ids"], page["embeddings"], page["metadatas"], strict=True
            ):
                if meta is not None:
                    vectors[where[sid]] = v
                    generality[where[sid]] = float(meta.get("generality", 0.0))
                    found += 1
        return vectors, generality, found == len(ids)

    def passages(self) -> Iterator[tuple[str, Passage]]:
        """(record id, passage) for every live passage, `PAGE` records at a time."""
        live = {source: d["sha"] for source, d in self.manifest.live().items()}
        c = self.connection
        offset = 0
        while True:
            page = c.read(
                lambda offset=offset: c.passages.get(
                    include=["metadatas", "documents"], limit=PAGE, offset=offset
                )
            )
            for pid, text, meta in zip(
                page["ids"], page["documents"], page["metadatas"], strict=True
            ):
                if live.get(str(meta["source"])) == meta.get("doc_sha"):
                    yield pid, to_passage(text, meta)
            if len(page["ids"]) < PAGE:
                return
            offset += PAGE
