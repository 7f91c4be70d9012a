"""A grounded assistant that answers questions only by quoting its source articles.

Pipeline, one module per stage, data flowing one way:
corpus -> chunking -> embedding -> store -> (indexing) -> retrieval -> answer -> render -> UI/CLI.
Importing the package loads nothing heavy: the model, Chroma and Gradio load on first use.
"""

from assistant.documents import Document, Passage
from assistant.errors import AssistantError
from assistant.settings import Settings

__all__ = ["AssistantError", "Document", "Passage", "Settings"]
