"""Records: how a passage or sentence is kept in Chroma, and read back.

Does: turn a `Passage` into a record's metadata (source, title, heading, offsets, the
document's hash and ingest time, and for extracted formats the text file, page and address)
and back; name records by content (`record_id`); stack vectors for an upsert; notice a
search that returned records Chroma no longer has (`StaleView`).
Does not: talk to Chroma (connection.py, reader.py, writer.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from assistant.types import Passage

DIMENSIONS = 384  # all-MiniLM-L6-v2


class StaleView(Exception):
    """Chroma answered with records it no longer has (no metadata): an embedded client's
    in-memory vector index is older than the data on disk, which another process changed."""


def record_id(content_id: str, document_sha: str) -> str:
    """A record's id: the content hash of the passage or sentence and of its document's
    version, so two versions of a document never share a record."""
    return hashlib.sha256(f"{content_id}\0{document_sha}".encode()).hexdigest()[:32]


def metadatas(res: Any) -> list[dict[str, Any]]:
    """The metadata of a query's results; StaleView if a record has none."""
    metas = res["metadatas"][0]
    if any(m is None for m in metas):
        raise StaleView("a search returned records that no longer exist")
    return metas


def to_meta(p: Passage, sha: str, when: str) -> dict[str, Any]:
    return {
        "source": p.source,
        "title": p.title,
        "heading": p.heading,
        "start": p.start,
        "end": p.end,
        "doc_sha": sha,
        "ingested_at": when,
    } | ({"text_file": p.text_file, "page": p.page, "url": p.url} if p.text_file else {})


def to_passage(text: str, meta: dict[str, Any]) -> Passage:
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


def stack(arrays: Sequence[Any]) -> Any:
    """Vectors from several documents as one float32 matrix."""
    import numpy as np

    parts = [np.asarray(a, dtype=np.float32).reshape(-1, DIMENSIONS) for a in arrays]
    return np.concatenate(parts) if parts else np.zeros((0, DIMENSIONS), dtype=np.float32)
