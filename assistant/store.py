"""Store stage: passages and their vectors in Chroma, on disk or on a Chroma server.

Does: open Chroma once, lazily (an embedded `PersistentClient` under `db_dir`, or an
`HttpClient` when `chroma_url` is set), with telemetry off; keep one collection whose records
are passages (id = content hash, metadata = source, title, heading, offsets, the document's
hash and ingest time); replace or remove a whole document; answer nearest-neighbour queries.
Chroma itself is the record of what is indexed: there is no second bookkeeping database to
fall out of step with it.

Crash safety: a document's records carry its content hash in their ids, so a new version is
written beside the live one, never over it. Which version is live is the *manifest* (source ->
hash, title, passage count) kept in the passages collection's metadata; changing it is one
write, the commit. An ingest first lists the new versions as *hidden* (searches leave hidden
versions out), writes their records, then in one write makes them live and hides the versions
they replace, and finally deletes the hidden versions' records. Killed at any point, the index
answers from exactly the previous manifest; the next ingest deletes what is hidden first.
Does not: embed (vectors come in from embedding.py) or rank beyond cosine similarity.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from assistant.chroma import connect, short_error
from assistant.errors import IndexStoreError
from assistant.settings import Settings
from assistant.types import DocumentRecords, IndexedDocument, Passage

PAGE = 5000
T = TypeVar("T")


class StaleView(Exception):
    """Chroma answered with records it no longer has (no metadata): an embedded client's
    in-memory vector index is older than the data on disk, which another process changed."""


def _metadatas(res: Any) -> list[dict[str, Any]]:
    """The metadata of a query's results; StaleView if a record has none."""
    metas = res["metadatas"][0]
    if any(m is None for m in metas):
        raise StaleView("a search returned records that no longer exist")
    return metas


def _meta(p: Passage, sha: str, when: str) -> dict[str, Any]:
    return {
        "source": p.source,
        "title": p.title,
        "heading": p.heading,
        "start": p.start,
        "end": p.end,
        "doc_sha": sha,
        "ingested_at": when,
    } | ({"text_file": p.text_file, "page": p.page, "url": p.url} if p.text_file else {})


def _passage(text: str, meta: dict[str, Any]) -> Passage:
    return Passage(
        source=str(meta["source"]),
        title=str(meta.get("title", "")),
        heading=str(meta.get("heading", "")),
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        text_file=str(meta.get("text_file", "")),
        page=int(meta.get("page", 0)),
        url=str(meta.get("url", "")),
    )


def _stack(arrays: Sequence[Any]) -> Any:
    import numpy as np

    parts = [np.asarray(a, dtype=np.float32).reshape(-1, 384) for a in arrays]
    return np.concatenate(parts) if parts else np.zeros((0, 384), dtype=np.float32)


class Store:
    """Passages and sentences in two Chroma collections. The client connects on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Any = None
        self._collection: Any = None
        self._sentences: Any = None
        self.reconnects = 0  # how many times the index was reopened (a reader's view renewed)

    @property
    def collection(self) -> Any:
        """Passages: one record per paragraph or bullet item (and the manifest)."""
        if self._collection is None:
            self._client = connect(self.settings)
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
            raise IndexStoreError(f"Cannot open the index at {where} ({short_error(e)}).") from None

    def reconnect(self) -> None:
        """Drop Chroma's cached state and open the index afresh. An embedded index that
        another process (an ingest) has changed must be re-read from disk."""
        if not self.settings.chroma_url:
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient.clear_system_cache()
        self._client = self._collection = self._sentences = None
        self.reconnects += 1

    def _read(self, fn: Callable[[], T]) -> T:
        """Run a read; if Chroma fails (its view of a changed index is stale), reopen the
        index and try once more; a second failure is an IndexStoreError."""
        try:
            return fn()
        except IndexStoreError:
            raise
        except Exception:
            self.reconnect()
            try:
                return fn()
            except Exception as e:
                raise IndexStoreError(f"The index could not be read ({short_error(e)}).") from None

    # --- the manifest ------------------------------------------------------------------------

    def _metadata(self) -> dict[str, Any]:
        def read() -> dict[str, Any]:
            _ = self.collection
            return dict(self._client.get_collection(self.settings.collection).metadata or {})

        return self._read(read)

    def _set_metadata(self, **changes: Any) -> None:
        meta = self._metadata()
        meta.update(
            {k: (json.dumps(v) if isinstance(v, dict | list) else v) for k, v in changes.items()}
        )
        meta["version"] = datetime.now(UTC).isoformat(timespec="microseconds")
        self.collection.modify(metadata=meta)

    def manifest(self) -> dict[str, dict[str, Any]]:
        """source -> {"sha", "title", "passages", "ingested_at"[, "text_file", "url"]} of the
        live documents."""
        raw = self._metadata().get("manifest")
        return json.loads(raw) if isinstance(raw, str) else {}

    def hidden(self) -> list[str]:
        """Document hashes whose records exist but are not live (being written, or replaced
        and not yet deleted). Searches exclude them while there are any."""
        raw = self._metadata().get("hidden")
        return json.loads(raw) if isinstance(raw, str) else []

    def state(self) -> tuple[str, list[str]]:
        """(version, hidden) in one read: what a running assistant re-checks."""
        meta = self._metadata()
        raw = meta.get("hidden")
        return str(meta.get("version", "")), json.loads(raw) if isinstance(raw, str) else []

    def documents(self) -> dict[str, IndexedDocument]:
        """Every live document, by source, with its hash and passage count."""
        return {
            source: IndexedDocument(
                source=source,
                title=str(d.get("title", "")),
                sha=str(d["sha"]),
                passages=int(d.get("passages", 0)),
                ingested_at=str(d.get("ingested_at", "")),
                text_file=str(d.get("text_file", "")),
                url=str(d.get("url", "")),
            )
            for source, d in sorted(self.manifest().items())
        }

    def _pages(self, include: list[str]) -> Iterator[Any]:
        """Every passage record, `PAGE` at a time."""
        offset = 0
        while True:
            page = self._read(
                lambda offset=offset: self.collection.get(
                    include=include, limit=PAGE, offset=offset
                )
            )
            yield page
            if len(page["ids"]) < PAGE:
                return
            offset += PAGE

    def count(self) -> int:
        """Live passages (records of versions the manifest does not name are not counted)."""
        return sum(int(d.get("passages", 0)) for d in self.manifest().values())

    def passages(self) -> Iterator[tuple[str, Passage]]:
        """(record id, passage) for every live passage, in pages."""
        live = {source: d["sha"] for source, d in self.manifest().items()}
        for page in self._pages(["metadatas", "documents"]):
            for pid, text, meta in zip(
                page["ids"], page["documents"], page["metadatas"], strict=True
            ):
                if live.get(str(meta["source"])) == meta.get("doc_sha"):
                    yield pid, _passage(text, meta)

    def query(self, vector: Sequence[float], k: int) -> list[tuple[str, Passage, float]]:
        """The `k` nearest live passages: (record id, passage, cosine similarity), best first."""
        live = {source: d["sha"] for source, d in self.manifest().items()}
        hidden = self.hidden()

        def read() -> list[tuple[str, Passage, float]]:
            res = self.collection.query(
                query_embeddings=[list(vector)],
                n_results=k,
                include=["documents", "metadatas", "distances"],
                where={"doc_sha": {"$nin": hidden}} if hidden else None,
            )
            return [
                (pid, _passage(text, meta), 1.0 - float(dist))
                for pid, text, meta, dist in zip(
                    res["ids"][0],
                    res["documents"][0],
                    _metadatas(res),
                    res["distances"][0],
                    strict=True,
                )
                if live.get(str(meta["source"])) == meta.get("doc_sha")
            ]

        return self._read(read)

    def nearest(
        self, vector: Sequence[float], k: int, hidden: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        """(passage record id, cosine) of the `k` nearest passages, leaving out records of the
        `hidden` document versions; ids and distances only."""
        res = self._read(
            lambda: self.collection.query(
                query_embeddings=[list(vector)],
                n_results=k,
                include=["distances"],
                where={"doc_sha": {"$nin": list(hidden)}} if hidden else None,
            )
        )
        return [
            (pid, 1.0 - float(d)) for pid, d in zip(res["ids"][0], res["distances"][0], strict=True)
        ]

    def nearest_sentences(
        self, vector: Sequence[float], k: int, hidden: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        """(passage record id, cosine) of the `k` nearest sentences, best first, leaving out
        records of the `hidden` document versions."""

        def read() -> list[tuple[str, float]]:
            res = self.sentence_collection.query(
                query_embeddings=[list(vector)],
                n_results=k,
                include=["metadatas", "distances"],
                where={"doc_sha": {"$nin": list(hidden)}} if hidden else None,
            )
            return [
                (str(meta["passage_id"]), 1.0 - float(d))
                for meta, d in zip(_metadatas(res), res["distances"][0], strict=True)
            ]

        return self._read(read)

    def sentences_of(
        self, passage_ids: Sequence[str], with_vectors: bool = False
    ) -> dict[str, list[tuple[Passage, Any, float]]]:
        """The stored sentences of some passages, by passage record id, in text order, each
        with its vector (or None) and its generality (see indexing.generality)."""
        if not passage_ids:
            return {}
        include = ["documents", "metadatas"] + (["embeddings"] if with_vectors else [])
        page = self._read(
            lambda: self.sentence_collection.get(
                where={"passage_id": {"$in": list(passage_ids)}}, include=include
            )
        )
        vectors = page["embeddings"] if with_vectors else [None] * len(page["ids"])
        out: dict[str, list[tuple[Passage, Any, float]]] = {pid: [] for pid in passage_ids}
        for text, meta, vector in zip(page["documents"], page["metadatas"], vectors, strict=True):
            if meta is None:  # deleted since (a stale view); it is no live passage's sentence
                continue
            item = (_passage(text, meta), vector, float(meta.get("generality", 0.0)))
            out.setdefault(str(meta["passage_id"]), []).append(item)
        for items in out.values():
            items.sort(key=lambda item: item[0].start)
        return out

    # --- writing: begin, add, commit, clean up ------------------------------------------------

    def begin(self, shas: Sequence[str]) -> None:
        """Hide the document versions an ingest is about to write, before writing them."""
        self._set_metadata(hidden=sorted(set(self.hidden()) | set(shas)))

    def add(self, records: Sequence[DocumentRecords]) -> None:
        """Write new versions' records. They stay invisible until `commit`."""
        ids, texts, metas, vectors = [], [], [], []
        s_ids, s_texts, s_metas, s_vectors = [], [], [], []
        for r in records:
            sha = r.document.sha
            when = datetime.now(UTC).isoformat(timespec="seconds")
            ids += [record_id(p.id, sha) for p in r.passages]
            texts += [p.text for p in r.passages]
            metas += [_meta(p, sha, when) for p in r.passages]
            vectors.append(r.passage_vectors)
            s_ids += [record_id(s.id, sha) for _, s in r.sentences]
            s_texts += [s.text for _, s in r.sentences]
            s_metas += [
                _meta(s, sha, when) | {"passage_id": record_id(pid, sha), "generality": g}
                for (pid, s), g in zip(r.sentences, r.generality, strict=True)
            ]
            s_vectors.append(r.sentence_vectors)
        self._upsert(self.collection, ids, _stack(vectors), texts, metas)
        self._upsert(self.sentence_collection, s_ids, _stack(s_vectors), s_texts, s_metas)

    def commit(self, changed: Sequence[DocumentRecords], removed: Sequence[str]) -> None:
        """Make the new versions live, and the replaced and removed ones hidden, in one write."""
        manifest = self.manifest()
        hidden = set(self.hidden())
        when = datetime.now(UTC).isoformat(timespec="seconds")
        for r in changed:
            old = manifest.get(r.document.source)
            if old:
                hidden.add(old["sha"])
            hidden.discard(r.document.sha)
            manifest[r.document.source] = (
                {
                    "sha": r.document.sha,
                    "title": r.document.title,
                    "passages": len(r.passages),
                    "ingested_at": when,
                }
                | ({"text_file": r.document.text_file} if r.document.text_file else {})
                | ({"url": r.document.url} if r.document.url else {})
            )
        for source in removed:
            old = manifest.pop(source, None)
            if old:
                hidden.add(old["sha"])
        hidden -= {d["sha"] for d in manifest.values()}  # a live version is never hidden
        self._set_metadata(bump=True, manifest=manifest, hidden=sorted(hidden))

    def clean_up(self) -> int:
        """Delete the records of hidden document versions, then clear the list. Returns how
        many versions were cleaned."""
        hidden = self.hidden()
        for i in range(0, len(hidden), 200):
            where = {"doc_sha": {"$in": hidden[i : i + 200]}}
            for collection in (self.sentence_collection, self.collection):
                collection.delete(where=where)
        if hidden:
            self._set_metadata(hidden=[])
        return len(hidden)

    def reset_if_unversioned(self) -> bool:
        """An index written before manifests existed is emptied (ingest rebuilds it)."""
        if "manifest" in self._metadata() or self.collection.count() == 0:
            return False  # (count() here is Chroma's: every record, live or not)
        for name in (self.settings.collection + "_sentences", self.settings.collection):
            try:
                self._client.delete_collection(name)
            except Exception:  # noqa: BLE001 - a collection that is not there needs no deleting
                continue
        self._collection = self._sentences = None
        return True

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


def record_id(content_id: str, document_sha: str) -> str:
    """A record's id: the content hash of the passage or sentence and of its document's
    version, so two versions of a document never share a record."""
    return hashlib.sha256(f"{content_id}\0{document_sha}".encode()).hexdigest()[:32]
