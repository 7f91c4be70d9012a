"""The open index: one Chroma client and its collections, opened lazily, reopened on demand.

Does: open the client (chroma.py) and the passages, sentences and manifest collections on
first use;
run a read and, if Chroma fails (an embedded client's view of an index another process has
changed is stale), reopen everything and try once more; know Chroma's largest batch; set how
widely the passages' HNSW index searches (`SEARCH_EF`).
Does not: know what the records mean (records.py), which versions are live (manifest.py), or
search (reader.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from assistant.errors import IndexStoreError
from assistant.settings import Settings
from assistant.store.chroma import connect, short_error

T = TypeVar("T")

# How many candidates Chroma's HNSW index explores per query (its `ef_search`; Chroma's default
# is 100). Among 100,000 synthetic passages, 100 found only 55% of the articles' passages that
# are truly among a labelled question's 20 nearest; 400 finds 85% for about 2 ms more a query
# (800: 95%, 5 ms). Below about 400 passages the search is exhaustive either way. Chosen on
# that recall and the time, not on answers (docs/performance.md).
SEARCH_EF = 400


class Connection:
    """Chroma's client and the collections of one index. Connects on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Any = None
        self._passages: Any = None
        self._sentences: Any = None
        self._manifest: Any = None
        self.reconnects = 0  # how many times the index was reopened (a reader's view renewed)

    @property
    def client(self) -> Any:
        _ = self.passages
        return self._client

    @property
    def passages(self) -> Any:
        """Passages: one record per paragraph or bullet item."""
        if self._passages is None:
            self._client = connect(self.settings)
            self._passages = self._open(self.settings.collection)
        return self._passages

    @property
    def sentences(self) -> Any:
        """Sentences: one record per sentence, pointing at its passage by `passage_id`."""
        if self._sentences is None:
            _ = self.passages
            self._sentences = self._open(self.settings.collection + "_sentences")
        return self._sentences

    @property
    def manifest_name(self) -> str:
        return self.settings.collection + "_manifest"

    @property
    def manifest(self) -> Any:
        """The manifest's collection: no records, only its metadata (manifest.py). It is
        apart from the passages because Chroma reads a collection's metadata on every query
        and get of it, and a large collection's manifest is megabytes."""
        if self._manifest is None:
            _ = self.passages
            self._manifest = self._open(self.manifest_name)
        return self._manifest

    def _open(self, name: str) -> Any:
        try:
            return self._client.get_or_create_collection(
                name=name,
                configuration={"hnsw": {"space": "cosine", "ef_search": SEARCH_EF}},
                embedding_function=None,
            )
        except Exception as e:
            where = self.settings.chroma_url or self.settings.db_dir
            raise IndexStoreError(f"Cannot open the index at {where} ({short_error(e)}).") from None

    def widen_search(self) -> None:
        """Give an index made before `SEARCH_EF` that breadth (ingest calls this under its
        lock; a collection's `ef_search` can change after it is made, its space cannot). If
        Chroma refuses, the index is searched as before and ingest goes on."""
        collection = self.passages
        try:
            hnsw = (collection.configuration or {}).get("hnsw") or {}
            if hnsw.get("ef_search") != SEARCH_EF:
                collection.modify(configuration={"hnsw": {"ef_search": SEARCH_EF}})
        except Exception:  # noqa: BLE001 - a server that can't change it still searches, narrower
            return

    def reconnect(self) -> None:
        """Drop Chroma's cached state and open the index afresh. An embedded index that
        another process (an ingest) has changed must be re-read from disk."""
        if not self.settings.chroma_url:
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient.clear_system_cache()
        self._client = self._passages = self._sentences = self._manifest = None
        self.reconnects += 1

    def read(self, fn: Callable[[], T]) -> T:
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

    def drop(self) -> None:
        """Delete every collection (an index from before manifests; ingest rebuilds it)."""
        names = ("_sentences", "_manifest", "")
        for name in (self.settings.collection + n for n in names):
            try:
                self.client.delete_collection(name)
            except Exception:  # noqa: BLE001 - a collection that is not there needs no deleting
                continue
        self._passages = self._sentences = self._manifest = None

    def batch_size(self) -> int:
        """How many records one upsert or delete may carry."""
        try:
            return max(1, min(5000, int(self.client.get_max_batch_size())))
        except Exception:
            return 1000
