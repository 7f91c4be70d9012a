"""Store stage: passages, sentences and their vectors in Chroma, on disk or on a Chroma server.

`Store(settings)` is one index, opened lazily, in four parts, one job each:
  connection.py  the Chroma client and its collections; reopen-and-retry for reads
  manifest.py    which document versions are live, changed in one write (crash safety)
  reader.py      the reads a search makes (nearest passages, passages by id, every
                 passage) and what the lexical index is rebuilt from
  writer.py      adding a new document version's records (sentence records on a server)
with records.py (how a passage is kept as a record) and chroma.py (the client, telemetry off).
Beside Chroma, the lexical index: lexical.py (BM25, vocabulary, links between passages, the
sentences' vectors a search scores) and lexical_files.py (kept on disk, built at ingest,
loaded by every process).
Does not: embed (vectors come in from embedding.py) or rank beyond cosine similarity.
"""

from __future__ import annotations

from assistant.settings import Settings
from assistant.store.connection import Connection
from assistant.store.manifest import Manifest
from assistant.store.reader import Reader
from assistant.store.records import record_id
from assistant.store.writer import Writer

__all__ = ["Store", "record_id"]


class Store:
    """One index: its connection, manifest, reader and writer."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.connection = Connection(settings)
        self.manifest = Manifest(self.connection)
        self.reader = Reader(self.connection, self.manifest)
        self.writer = Writer(self.connection, sentences=settings.chroma_url is not None)

    def open(self) -> None:
        """Open (and so check) the index now; an `IndexStoreError` says what is wrong."""
        _ = self.connection.passages
