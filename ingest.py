"""Chunk and embed the corpus into Chroma: `python ingest.py [--corpus DIR] [--json]`."""

import sys

from assistant.present.cli import ingest_main

if __name__ == "__main__":
    sys.exit(ingest_main())
