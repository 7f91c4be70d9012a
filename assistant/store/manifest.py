"""The manifest: which version of each document is live, changed in one write (crash safety).

A document's records carry its content hash in their ids, so a new version is written beside
the live one, never over it. Which version is live is the *manifest* (source -> hash, title,
passage count), kept in the metadata of a collection of its own (`<name>_manifest`, which
holds no records: Chroma reads a collection's metadata on every query of it, and at 100k
passages the manifest is 2.4 MB, about 3 ms on every search); changing it is one write, the
commit. An ingest first lists the new versions as *hidden* (`begin`: searches leave hidden
versions out), writes their records (writer.py) in groups, noting each group's versions as
*written* once all their records are in (`mark_written`), then in one write makes them live
and hides the versions they replace (`commit`), and finally deletes the hidden versions'
records (`clean_up`). Two sources can hold the same text (a file moved, renamed or copied):
a version that goes while its text stays live elsewhere is not hidden but listed as stale,
by source and hash, and `clean_up` deletes just its records. Killed at any point, the index
answers from exactly the previous manifest; the next ingest deletes what is hidden first,
except the written versions it still wants: those it commits without embedding them again (a
large ingest resumes). Chroma itself is the record of what is indexed: there is no second
bookkeeping database to fall out of step with it.

Does: read and change the manifest, the hidden list and the index's version; move them out
of the passages collection's metadata, where an index from before 2026-12 keeps them (the
next ingest does).
Does not: write or search records (writer.py, reader.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from assistant.store.connection import Connection
from assistant.types import DocumentRecords, IndexedDocument

MOVED = "manifest_moved_to"  # what an older index's passages metadata holds once moved


class Manifest:
    """The live document versions of one index, and the hidden ones."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _metadata(self) -> dict[str, Any]:
        c = self.connection

        def read() -> dict[str, Any]:
            _ = c.manifest  # (created on first use)
            meta = dict(c.client.get_collection(c.manifest_name).metadata or {})
            return meta if "version" in meta else self._legacy()

        return c.read(read)

    def _legacy(self) -> dict[str, Any]:
        """The manifest where an older index keeps it: in the passages collection's metadata."""
        c = self.connection
        meta = c.client.get_collection(c.settings.collection).metadata or {}
        return {k: v for k, v in meta.items() if k != MOVED}

    def _set(self, **changes: Any) -> None:
        meta = self._metadata()
        meta.update(
            {k: (json.dumps(v) if isinstance(v, dict | list) else v) for k, v in changes.items()}
        )
        meta["version"] = datetime.now(UTC).isoformat(timespec="microseconds")
        self.connection.manifest.modify(metadata=meta)

    def live(self) -> dict[str, dict[str, Any]]:
        """source -> {"sha", "title", "passages", "ingested_at"[, "text_file", "url"]} of the
        live documents."""
        raw = self._metadata().get("manifest")
        return json.loads(raw) if isinstance(raw, str) else {}

    def hidden(self) -> list[str]:
        """Document hashes whose records exist but are not live (being written, or replaced
        and not yet deleted). Searches exclude them while there are any."""
        return _list(self._metadata(), "hidden")

    def written(self) -> list[str]:
        """Hidden document versions all of whose records were written (by an ingest that has
        not committed them yet)."""
        return _list(self._metadata(), "written")

    def mark_written(self, shas: Sequence[str]) -> None:
        """Note that every record of these (hidden) versions is in the index."""
        self._set(written=sorted(set(self.written()) | set(shas)))

    def state(self) -> tuple[str, list[str], str]:
        """(version, hidden, key) in one read: what a running assistant re-checks. The key
        changes exactly when the live documents do (it names the lexical index built for
        them, lexical_files.py)."""
        meta = self._metadata()
        name = meta.get("key")  # written by commit; an older index's is worked out here
        if not isinstance(name, str):
            live = meta.get("manifest")
            name = key(json.loads(live) if isinstance(live, str) else {})
        return str(meta.get("version", "")), _list(meta, "hidden"), name

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
            for source, d in sorted(self.live().items())
        }

    def count(self) -> int:
        """Live passages (records of versions the manifest does not name are not counted)."""
        return sum(int(d.get("passages", 0)) for d in self.live().values())

    def begin(self, shas: Sequence[str]) -> None:
        """Hide the document versions an ingest is about to write, before writing them (and
        mark the index as one with a manifest, even before its first commit)."""
        self._set(hidden=sorted(set(self.hidden()) | set(shas)), manifest=self.live())

    def commit(self, changed: Sequence[DocumentRecords], removed: Sequence[str]) -> None:
        """Make the new versions live, and the replaced and removed ones hidden, in one write.
        A replaced or removed version whose text stays live under another source (a file
        moved or renamed, or one of two copies deleted) cannot be hidden by its hash: its
        records are listed as *stale* (source and hash) for `clean_up` instead."""
        manifest = self.live()
        hidden = set(self.hidden())
        old: list[tuple[str, str]] = []  # (source, hash) of the versions no longer live
        when = datetime.now(UTC).isoformat(timespec="seconds")
        for r in changed:
            before = manifest.get(r.document.source)
            if before and before["sha"] != r.document.sha:
                old.append((r.document.source, before["sha"]))
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
            before = manifest.pop(source, None)
            if before:
                old.append((source, before["sha"]))
        live = {d["sha"] for d in manifest.values()}
        hidden |= {sha for _, sha in old if sha not in live}
        hidden -= live  # a live version is never hidden
        stale = {tuple(pair) for pair in _list(self._metadata(), "stale")}
        stale |= {(source, sha) for source, sha in old if sha in live}
        stale -= {(source, d["sha"]) for source, d in manifest.items()}
        self._set(
            bump=True,
            manifest=manifest,
            key=key(manifest),
            hidden=sorted(hidden),
            written=[],
            stale=sorted(map(list, stale)),
        )

    def clean_up(self, keep: Sequence[str] = ()) -> int:
        """Delete the records of hidden document versions, except the written ones in `keep`
        (an ingest that will commit them), and of stale ones (`commit`), and take them off
        their lists. A hidden hash that is also live under some source (an ingest of a copy
        was stopped) keeps those sources' records. Returns how many versions were cleaned."""
        meta = self._metadata()
        hidden, before = _list(meta, "hidden"), _list(meta, "written")
        stale = {(str(source), str(sha)) for source, sha in _list(meta, "stale")}
        written = set(before) & set(keep)
        drop = [sha for sha in hidden if sha not in written]
        live: dict[str, set[str]] = {}  # hash -> the sources it is live at
        for source, d in self.live().items():
            live.setdefault(str(d["sha"]), set()).add(source)
        plain = [sha for sha in drop if sha not in live]
        shared = {sha for sha in drop if sha in live}  # its other sources' records go

        def doomed(source: str, sha: str) -> bool:
            return (source, sha) in stale or (sha in shared and source not in live[sha])

        c = self.connection
        for i in range(0, len(plain), 200):
            where = {"doc_sha": {"$in": plain[i : i + 200]}}
            for collection in (c.sentences, c.passages):
                collection.delete(where=where)
        for collection in (c.sentences, c.passages):
            self._delete_by_id(collection, shared | {sha for _, sha in stale}, doomed)
        if drop or stale or len(written) != len(before):
            self._set(
                hidden=[sha for sha in hidden if sha in written], written=sorted(written), stale=[]
            )
        return len(drop) + len(stale)

    def _delete_by_id(
        self, collection: Any, shas: set[str], doomed: Callable[[str, str], bool]
    ) -> None:
        """Delete those records of these hashes whose (source, hash) is `doomed`: the
        hashes' records read a few hundred hashes at a time, then deleted by id (one
        filtered delete per version is slow: a moved folder of 10,000 files took minutes)."""
        ordered = sorted(shas)
        step = self.connection.batch_size()
        for i in range(0, len(ordered), 200):
            where = {"doc_sha": {"$in": ordered[i : i + 200]}}
            page = collection.get(where=where, include=["metadatas"])
            ids = [
                rid
                for rid, meta in zip(page["ids"], page["metadatas"], strict=True)
                if meta and doomed(str(meta.get("source")), str(meta.get("doc_sha")))
            ]
            for j in range(0, len(ids), step):
                collection.delete(ids=ids[j : j + step])

    def reset_if_unversioned(self) -> bool:
        """An index written before manifests existed is emptied (ingest rebuilds it); one
        whose manifest is still in the passages collection's metadata has it moved: written
        in its own place, then the old copy cleared (one small value stays). Every write of
        the manifest is an ingest's, and each ingest calls this first, under its lock."""
        c = self.connection
        if "manifest" in self._metadata() or c.passages.count() == 0:
            if self._legacy():
                self._set()
                c.passages.modify(metadata={MOVED: c.manifest_name})
            return False  # (count() here is Chroma's: every record, live or not)
        self.connection.drop()
        return True


def _list(meta: Mapping[str, Any], name: str) -> list[str]:
    """A list kept in the collection's metadata (as JSON text)."""
    raw = meta.get(name)
    return json.loads(raw) if isinstance(raw, str) else []


def key(live: Mapping[str, Mapping[str, Any]]) -> str:
    """A name for one set of live document versions (source -> its "sha")."""
    pairs = sorted((source, str(d["sha"])) for source, d in live.items())
    return hashlib.sha256(json.dumps(pairs).encode()).hexdigest()[:24]
