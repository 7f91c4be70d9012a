"""Chroma connection: an embedded on-disk database or a Chroma server, telemetry off.

Does: open the client named by the settings and turn connection failures into one-line
`IndexStoreError`s. Does not: know about collections or records (connection.py, records.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from assistant.errors import IndexStoreError
from assistant.settings import Settings


def chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def connect(settings: Settings) -> Any:
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
                settings=chroma_settings(),
            )
        except Exception as e:  # chromadb raises plain ValueError/ConnectError here
            raise IndexStoreError(
                f"Cannot reach the Chroma server at {settings.chroma_url} ({short_error(e)})."
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
        return chromadb.PersistentClient(path=str(db_dir), settings=chroma_settings())
    except Exception as e:
        raise IndexStoreError(f"Cannot open the index in {db_dir} ({short_error(e)}).") from None


def short_error(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return text[0][:200] if text else type(e).__name__
