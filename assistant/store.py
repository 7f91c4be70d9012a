"""Store stage: passages and their vectors in Chroma, on disk or on a Chroma server.

Does: open Chroma once, lazily (an embedded `PersistentClient` under `db_dir`, or an
`HttpClient` when `chroma_url` is set), with telemetry off; keep one collection whose records
are passages (id = content hash, metadata = source, title, heading, offsets, the document's
hash and ingest time); replace or remove a whole document; answer nearest-neighbour queries.
Chroma itself is the record of what is indexed: there is no second bookkeeping database to
fall out of step with it.
Does not: embed (vectors come in from embedding.py) or rank beyond cosine similarity.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from assistant.documents import Document, IndexedDocument, Passage
from assistant.errors import IndexStoreError
from assistant.settings import Settings

PAGE = 5000


def _chroma_settings() -> Any:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def _connect(settings: Settings) -> Any:
    import chromadb

    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            got = settings.chroma_url
            raise IndexStoreError(
                f"ASSISTANT_CHROMA_URL must look like http://host:port, got {got!r}."
            )
        port = url.port or (443 if url.scheme == "https" else 8000)
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=port,
                ssl=url.scheme == "https",
                settings=_chroma_settings(),
            )
        except Exception as e:  # chromadb raises plain ValueError/ConnectError here
            raise IndexStoreError(
                f"Cannot reach the Chroma server at {settings.chroma_url} ({_short(e)})."
            ) from None
    db_dir = Path(settings.db_dir)
    try:
        db_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise IndexStoreError(
            f"Cannot create the index folder {db_dir} ({e.strerror or e})."
        ) from None
    if not os.access(db_dir, os.W_OK | os.X_OK):
        raise IndexStoreError(f"The index folder {db_dir} is not writable (permission denied).")
    try:
        return chromadb.PersistentClient(path=str(db_dir), settings=_chroma_settings())
    except Exception as e:
        raise IndexStoreError(f"Cannot open the index in {db_dir} ({_short(e)}).") from None


def _short(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return text[0][:200] if text else type(e).__name__


def _meta(p: Passage, sha: str, when: str) -> dict[str, Any]:
    return {
        "source": p.source,
        "title": p.title,
        "heading": p.heading,
        "start": p.start,
        "end": p.end,
        "doc_sha": sha,
        "ingested_at": when,
    }


def _passage(text: str, meta: dict[str, Any]) -> Passage:
    return Passage(
        source=str(meta["source"]),
        title=str(meta.get("title", "")),
        heading=str(meta.get("heading", "")),
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
    )


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
    is_new: bool = False


def _stack(arrays: Sequence[Any]) -> Any:
    import numpy as np

    parts = [np.asarray(a, dtype=np.float32).reshape(-1, 384) for a in arrays]
    return np.concatenate(parts) if parts else np.zeros((0, 384), dtype=np.float32)


class Store:
    """One Chroma collection of passages. The client connects on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Any = None
        self._collection: Any = None
        self._sentences: Any = None

    @property
    def collection(self) -> Any:
        """Passages: one record per paragraph or bullet item."""
        if self._collection is None:
            self._client = _connect(self.settings)
            self._collection = self._open(self.settings.collection)
        return self._collection

    @property
    def sentence_collection(self) -> Any:
        """Sentences: one record per sentence, pointing at its passage by `passage_id`."""
        if self._sentences is None:
            _ = self.collection
            self._sentences = self._open(self.settings.collection + "_sentences")
        return self._sentences

    def _open(self, name: str) -> Any:
        try:
            return self._client.get_or_create_collection(
                name=name,
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
        except Exception as e:
            where = self.settings.chroma_url or self.settings.db_dir
            raise IndexStoreError(f"Cannot open the index at {where} ({_short(e)}).") from None

    # --- reading -------------------------------------------------------------------------

    def _pages(
        self, include: list[str], where: dict[str, Any] | None = None, collection: Any = None
    ) -> Iterator[Any]:
        collection = self.collection if collection is None else collection
        offset = 0
        while True:
            page = collection.get(where=where, include=include, limit=PAGE, offset=offset)
            yield page
            if len(page["ids"]) < PAGE:
                return
            offset += PAGE

    def documents(self) -> dict[str, IndexedDocument]:
        """Every indexed document, by source, with its hash and passage count."""
        found: dict[str, dict[str, Any]] = {}
        counts: dict[str, int] = {}
        shas: dict[str, set[str]] = {}
        for page in self._pages(["metadatas"]):
            for meta in page["metadatas"]:
                source = str(meta["source"])
                found.setdefault(source, meta)
                counts[source] = counts.get(source, 0) + 1
                shas.setdefault(source, set()).add(str(meta.get("doc_sha", "")))
        return {
            source: IndexedDocument(
                source=source,
                title=str(meta.get("title", "")),
                # A document half-written by an interrupted ingest has mixed hashes: report
                # none, so the next ingest replaces it whole.
                sha=next(iter(shas[source])) if len(shas[source]) == 1 else "",
                passages=counts[source],
                ingested_at=str(meta.get("ingested_at", "")),
            )
            for source, meta in sorted(found.items())
        }

    def count(self) -> int:
        return int(self.collection.count())

    def version(self) -> str:
        """Changes whenever an ingest changed the index (see `mark_changed`)."""
        _ = self.collection
        try:
            meta = self._client.get_collection(self.settings.collection).metadata or {}
        except Exception:
            meta = {}
        return f"{meta.get('version', '')}/{self.count()}"

    def mark_changed(self) -> None:
        """Record that the index changed, so running assistants reload what they keep."""
        stamp = datetime.now(UTC).isoformat(timespec="microseconds")
        self.collection.modify(metadata={"version": stamp})

    def passages(self) -> Iterator[tuple[str, Passage]]:
        """(id, passage) for every passage in the index, in pages."""
        for page in self._pages(["metadatas", "documents"]):
            for pid, text, meta in zip(
                page["ids"], page["documents"], page["metadatas"], strict=True
            ):
                yield pid, _passage(text, meta)

    def query(self, vector: Sequence[float], k: int) -> list[tuple[str, Passage, float]]:
        """The `k` passages nearest to `vector`: (id, passage, cosine similarity), best first."""
        res = self.collection.query(
            query_embeddings=[list(vector)],
            n_results=k,
            include=["documents", "metadatas", "distances"],
        )
        return [
            (pid, _passage(text, meta), 1.0 - float(dist))
            for pid, text, meta, dist in zip(
                res["ids"][0],
                res["documents"][0],
                res["metadatas"][0],
                res["distances"][0],
                strict=True,
            )
        ]

    def nearest(self, vector: Sequence[float], k: int) -> list[tuple[str, float]]:
        """(passage id, cosine) of the `k` nearest passages; ids and distances only."""
        res = self.collection.query(
            query_embeddings=[list(vector)], n_results=k, include=["distances"]
        )
        return [
            (pid, 1.0 - float(d)) for pid, d in zip(res["ids"][0], res["distances"][0], strict=True)
        ]

    def nearest_sentences(self, vector: Sequence[float], k: int) -> list[tuple[str, float]]:
        """(passage id, cosine) of the `k` nearest sentences, best first."""
        res = self.sentence_collection.query(
            query_embeddings=[list(vector)], n_results=k, include=["metadatas", "distances"]
        )
        return [
            (str(meta["passage_id"]), 1.0 - float(d))
            for meta, d in zip(res["metadatas"][0], res["distances"][0], strict=True)
        ]

    def sentences_of(
        self, passage_ids: Sequence[str], with_vectors: bool = False
    ) -> dict[str, list[tuple[Passage, Any, float]]]:
        """The stored sentences of some passages, by passage id, in text order, each with its
        vector (or None) and its generality (see indexing.generality)."""
        if not passage_ids:
            return {}
        include = ["documents", "metadatas"] + (["embeddings"] if with_vectors else [])
        page = self.sentence_collection.get(
            where={"passage_id": {"$in": list(passage_ids)}}, include=include
        )
        vectors = page["embeddings"] if with_vectors else [None] * len(page["ids"])
        out: dict[str, list[tuple[Passage, Any, float]]] = {pid: [] for pid in passage_ids}
        for text, meta, vector in zip(page["documents"], page["metadatas"], vectors, strict=True):
            item = (_passage(text, meta), vector, float(meta.get("generality", 0.0)))
            out.setdefault(str(meta["passage_id"]), []).append(item)
        for items in out.values():
            items.sort(key=lambda item: item[0].start)
        return out

    # --- writing -------------------------------------------------------------------------

    def write(self, records: Sequence[DocumentRecords]) -> None:
        """Make the index hold exactly these passages and sentences for each document.

        All new records are written before any old one is deleted, so an interrupted write
        leaves the previous versions searchable (and marked for redoing by their mixed
        hashes). Documents marked new skip the look-up of old records.
        """
        when = datetime.now(UTC).isoformat(timespec="seconds")
        old_passages: set[str] = set()
        old_sentences: set[str] = set()
        for r in records:
            if not r.is_new:
                old_passages |= set(self._ids(self.collection, r.document.source))
                old_sentences |= set(self._ids(self.sentence_collection, r.document.source))
        ids = [p.id for r in records for p in r.passages]
        self._upsert(
            self.collection,
            ids,
            _stack([r.passage_vectors for r in records]),
            [p.text for r in records for p in r.passages],
            [_meta(p, r.document.sha, when) for r in records for p in r.passages],
        )
        sentence_ids = [s.id for r in records for _, s in r.sentences]
        self._upsert(
            self.sentence_collection,
            sentence_ids,
            _stack([r.sentence_vectors for r in records]),
            [s.text for r in records for _, s in r.sentences],
            [
                _meta(s, r.document.sha, when) | {"passage_id": pid, "generality": g}
                for r in records
                for (pid, s), g in zip(r.sentences, r.generality, strict=True)
            ],
        )
        self._delete(self.sentence_collection, sorted(old_sentences - set(sentence_ids)))
        self._delete(self.collection, sorted(old_passages - set(ids)))

    def remove(self, source: str) -> None:
        """Delete every passage and sentence of one document."""
        self._delete(self.sentence_collection, self._ids(self.sentence_collection, source))
        self._delete(self.collection, self._ids(self.collection, source))

    def _ids(self, collection: Any, source: str) -> list[str]:
        ids: list[str] = []
        for page in self._pages([], where={"source": source}, collection=collection):
            ids.extend(page["ids"])
        return ids

    def _upsert(
        self,
        collection: Any,
        ids: Sequence[str],
        vectors: Any,
        texts: Sequence[str],
        metas: Sequence[dict[str, Any]],
    ) -> None:
        step = self._client_batch()
        for i in range(0, len(ids), step):
            part = slice(i, i + step)
            collection.upsert(
                ids=list(ids[part]),
                embeddings=vectors[part],
                documents=list(texts[part]),
                metadatas=list(metas[part]),
            )

    def _delete(self, collection: Any, ids: Sequence[str]) -> None:
        step = self._client_batch()
        for i in range(0, len(ids), step):
            collection.delete(ids=list(ids[i : i + step]))

    def _client_batch(self) -> int:
        _ = self.collection
        try:
            return max(1, min(5000, int(self._client.get_max_batch_size())))
        except Exception:
            return 1000
