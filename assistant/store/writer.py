"""Writing records: a document version's passages and sentences, with their vectors.

Does: upsert the records of new document versions, in Chroma's largest batches. They are
invisible to searches until the manifest's `commit` (manifest.py). Sentences are written as
records only to a Chroma server (`sentences=True`), so another machine can make its lexical
index without embedding them again; an on-disk index keeps them only in the lexical index
beside it (lexical_files.py), which no search of Chroma needs: a third fewer records to
write, and no in-memory vector index of every sentence while ingesting.
Does not: decide what is live, or delete (manifest.py's `clean_up` deletes hidden versions).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from assistant.store.connection import Connection
from assistant.store.records import record_id, stack, to_meta
from assistant.types import DocumentRecords


class Writer:
    """Adds records to one index."""

    def __init__(self, connection: Connection, sentences: bool = True) -> None:
        self.connection = connection
        self.sentences = sentences

    def add(self, records: Sequence[DocumentRecords]) -> None:
        """Write new versions' records. They stay invisible until the manifest's commit."""
        ids, texts, metas, vectors = [], [], [], []
        s_ids, s_texts, s_metas, s_vectors = [], [], [], []
        for r in records:
            sha = r.document.sha
            when = datetime.now(UTC).isoformat(timespec="seconds")
            ids += [record_id(p.id, sha) for p in r.passages]
            texts += [p.text for p in r.passages]
            metas += [to_meta(p, sha, when) for p in r.passages]
            vectors.append(r.passage_vectors)
            s_ids += [record_id(s.id, sha) for _, s in r.sentences]
            s_texts += [s.text for _, s in r.sentences]
            s_metas += [
                to_meta(s, sha, when) | {"passage_id": record_id(pid, sha), "generality": g}
                for (pid, s), g in zip(r.sentences, r.generality, strict=True)
            ]
            s_vectors.append(r.sentence_vectors)
        c = self.connection
        self._upsert(c.passages, ids, stack(vectors), texts, metas)
        if self.sentences:
            self._upsert(c.sentences, s_ids, stack(s_vectors), s_texts, s_metas)

    def _upsert(
        self,
        collection: Any,
        ids: Sequence[str],
        vectors: Any,
        texts: Sequence[str],
        metas: Sequence[dict[str, Any]],
    ) -> None:
        step = self.connection.batch_size()
        for i in range(0, len(ids), step):
            part = slice(i, i + step)
            collection.upsert(
                ids=list(ids[part]),
                embeddings=vectors[part],
                documents=list(texts[part]),
                metadatas=list(metas[part]),
            )
