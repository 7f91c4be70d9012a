"""Records: how a passage or sentence is kept in Chroma, and read back.

Does: turn a `Passage` into a record's metadata (source, title, heading, offsets, the
document's hash and ingest time, and for extracted formats the text file, page and address)
and back; name records by content (`record_id`, and `version_ids` for a passage and its
sentences); stack vectors for an upsert; a sentence's generality (what a sentence record
carries besides its vector).
Does not: talk to Chroma (connection.py, reader.py, writer.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from assistant.chunking import sentences
from assistant.types import Passage

DIMENSIONS = 384  # all-MiniLM-L6-v2
HUB_NEIGHBOURS = 5


def record_id(content_id: str, document_sha: str) -> str:
    """A record's id: the content hash of the passage or sentence and of its document's
    version, so two versions of a document never share a record."""
    return hashlib.sha256(f"{content_id}\0{document_sha}".encode()).hexdigest()[:32]


def version_ids(p: Passage, document_sha: str) -> tuple[str, tuple[str, ...]]:
    """The record ids of a passage of one document version and of its sentences, split as
    ingest splits them."""
    return record_id(p.id, document_sha), tuple(record_id(s.id, document_sha) for s in sentences(p))


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


def generality(vectors: Any) -> list[float]:
    """How much each sentence resembles the rest of its article: the mean cosine to its
    `HUB_NEIGHBOURS` nearest sentences in the same document. Sentences that restate the
    article's topic score high and are discounted at query time (hubness correction, as in
    CSLS); it depends on the document alone, so it stays right under incremental ingest."""
    import numpy as np

    if len(vectors) < 2:
        return [0.0] * len(vectors)
    v = np.asarray(vectors, dtype=np.float32)
    sims = v @ v.T
    np.fill_diagonal(sims, -np.inf)
    k = min(HUB_NEIGHBOURS, len(vectors) - 1)
    top = np.sort(sims, axis=1)[:, -k:]
    return [float(x) for x in top.mean(axis=1)]
