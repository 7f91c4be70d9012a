"""User-facing errors: one family, messages written for people.

Anything raised as an `AssistantError` is shown to the user as one line (CLI, UI) with no
traceback. Everything else is a bug and may surface as one.
"""


class AssistantError(Exception):
    """Base of every error meant for a person to read and act on."""


class CorpusError(AssistantError):
    """The corpus folder is missing, empty, or holds nothing that can be indexed."""


class IndexStoreError(AssistantError):
    """The index (Chroma, on disk or a server) cannot be opened, written or reached."""


class QuestionError(AssistantError):
    """A question that cannot be asked: empty, whitespace only, or too long."""


class WriterError(AssistantError):
    """The optional language model is misconfigured, unreachable, too slow or failed; the
    answer falls back to the extractive one."""


class ArticleError(AssistantError):
    """An article that cannot be added, fetched or removed: a bad name, type, size, content
    or address; the corpus folder and the index are left as they were."""
