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


class Store:
    """One Chroma collection of passages. The client connects on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Any = None
        self._collection: Any = None

    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._client = _connect(self.settings)
            try:
                self._collection = self._client.get_or_create_collection(
                    name=self.settings.collection,
                    configuration={"hnsw": {"space": "cosine"}},
                    embedding_function=None,
                )
            except IndexStoreError:
                raise
            except Exception as e:
                where = self.settings.chroma_url or self.settings.db_dir
                raise IndexStoreError(f"Cannot open the index at {where} ({_short(e)}).") from None
        return self._collection

    # --- reading -------------------------------------------------------------------------

    def _pages(self, include: list[str], where: dict[str, Any] | None = None) -> Iterator[Any]:
        offset = 0
        while True:
            page = self.collection.get(where=where, include=include, limit=PAGE, offset=offset)
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

    def passages(self) -> Iterator[tuple[str, Passage]]:
        """(id, passage) for every passage in the index, in pages."""
        for page in self._pages(["metadatas", "documents"]):
            for pid, text, meta in zip(
                page["ids"], page["documents"], page["metadatas"], strict=True
            ):
                yield pid, _passage(text, meta)

    def query(self, vector: Sequence[float], k: int) -> list[tuple[str, Passage, float]]:
        """The `k` passages nearest to `vector`: (id, passage, cosine similarity), best first."""
        n = min(k, self.count())
        if n <= 0:
            return []
        res = self.collection.query(
            query_embeddings=[list(vector)],
            n_results=n,
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

    # --- writing -------------------------------------------------------------------------

    def replace(
        self, document: Document, passages: Sequence[Passage], vectors: Sequence[Sequence[float]]
    ) -> None:
        """Make the index hold exactly `passages` for `document.source`.

        New records are written before old ones are deleted, so an interrupted replace leaves
        the previous version searchable (and marked for redoing by its mixed hashes).
        """
        when = datetime.now(UTC).isoformat(timespec="seconds")
        old = set(self._ids(document.source))
        ids = [p.id for p in passages]
        step = self._client_batch()
        for i in range(0, len(passages), step):
            chunk = slice(i, i + step)
            self.collection.upsert(
                ids=ids[chunk],
                embeddings=[list(v) for v in vectors[chunk]],
                documents=[p.text for p in passages[chunk]],
                metadatas=[_meta(p, document.sha, when) for p in passages[chunk]],
            )
        self._delete_ids(sorted(old - set(ids)))

    def remove(self, source: str) -> None:
        """Delete every passage of one document."""
        self._delete_ids(self._ids(source))

    def _ids(self, source: str) -> list[str]:
        ids: list[str] = []
        for page in self._pages([], where={"source": source}):
            ids.extend(page["ids"])
        return ids

    def _delete_ids(self, ids: Sequence[str]) -> None:
        step = self._client_batch()
        for i in range(0, len(ids), step):
            self.collection.delete(ids=list(ids[i : i + step]))

    def _client_batch(self) -> int:
        _ = self.collection
        try:
            return max(1, min(5000, int(self._client.get_max_batch_size())))
        except Exception:
            return 1000
