"""A grounded assistant that answers questions only by quoting its source articles.

Pipeline, one module or sub-package per stage, data flowing one way:
corpus -> extract/ -> chunking -> embedding -> store -> search/ -> answer/ -> present/
(ingest/ drives the first five; api.build_assistant wires the rest; types.py holds the
types they pass on; docs/architecture.md has the map).
Importing the package loads nothing heavy: the model, Chroma and Gradio load on first use.
"""

from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.types import Document, Passage

__all__ = ["AssistantError", "Document", "Passage", "Settings"]
