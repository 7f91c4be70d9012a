"""The manifest: which version of each document is live, changed in one write (crash safety).

A document's records carry its content hash in their ids, so a new version is written beside
the live one, never over it. Which version is live is the *manifest* (source -> hash, title,
passage count) kept in the passages collection's metadata; changing it is one write, the
commit. An ingest first lists the new versions as *hidden* (`begin`: searches leave hidden
versions out), writes their records (writer.py), then in one write makes them live and hides
the versions they replace (`commit`), and finally deletes the hidden versions' records
(`clean_up`). Killed at any point, the index answers from exactly the previous manifest; the
next ingest deletes what is hidden first. Chroma itself is the record of what is indexed:
there is no second bookkeeping database to fall out of step with it.

Does: read and change the manifest, the hidden list and the index's version.
Does not: write or search records (writer.py, reader.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from assistant.store.connection import Connection
from assistant.types import DocumentRecords, IndexedDocument


class Manifest:
    """The live document versions of one index, and the hidden ones."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _metadata(self) -> dict[str, Any]:
        c = self.connection

        def read() -> dict[str, Any]:
            return dict(c.client.get_collection(c.settings.collection).metadata or {})

        return c.read(read)

    def _set(self, **changes: Any) -> None:
        meta = self._metadata()
        meta.update(
            {k: (json.dumps(v) if isinstance(v, dict | list) else v) for k, v in changes.items()}
        )
        meta["version"] = datetime.now(UTC).isoformat(timespec="microseconds")
        self.connection.passages.modify(metadata=meta)

    def live(self) -> dict[str, dict[str, Any]]:
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
            for source, d in sorted(self.live().items())
        }

    def count(self) -> int:
        """Live passages (records of versions the manifest does not name are not counted)."""
        return sum(int(d.get("passages", 0)) for d in self.live().values())

    def begin(self, shas: Sequence[str]) -> None:
        """Hide the document versions an ingest is about to write, before writing them."""
        self._set(hidden=sorted(set(self.hidden()) | set(shas)))

    def commit(self, changed: Sequence[DocumentRecords], removed: Sequence[str]) -> None:
        """Make the new versions live, and the replaced and removed ones hidden, in one write."""
        manifest = self.live()
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
        self._set(bump=True, manifest=manifest, hidden=sorted(hidden))

    def clean_up(self) -> int:
        """Delete the records of hidden document versions, then clear the list. Returns how
        many versions were cleaned."""
        hidden = self.hidden()
        c = self.connection
        for i in range(0, len(hidden), 200):
            where = {"doc_sha": {"$in": hidden[i : i + 200]}}
            for collection in (c.sentences, c.passages):
                collection.delete(where=where)
        if hidden:
            self._set(hidden=[])
        return len(hidden)

    def reset_if_unversioned(self) -> bool:
        """An index written before manifests existed is emptied (ingest rebuilds it)."""
        if "manifest" in self._metadata() or self.connection.passages.count() == 0:
            return False  # (count() here is Chroma's: every record, live or not)
        self.connection.drop()
        return True
