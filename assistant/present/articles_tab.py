"""The Articles tab's actions: list, add and remove articles on a running app.

Does: list the indexed documents (rows for the table, choices for the remove list); add
uploaded files and remove a chosen article through ingest/articles.py, one change at a time,
on the app's own index and model (with Gradio's progress bar while embedding), then have the
retriever look at the index again so the next question sees the change; answer the contract's
`/add_article` and `/remove_article` with the ingest summary or `{"error": ...}`. Refuses every
change when the app may not change articles (served beyond loopback without a login).
Does not: build any Gradio component (ui.py does), or check files itself (articles.py does).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.api import Assistant
from assistant.errors import ArticleError, AssistantError, CorpusError
from assistant.ingest import articles
from assistant.ingest.indexing import ingest
from assistant.present.panels import articles_table, file_label
from assistant.settings import Settings
from assistant.text import escape
from assistant.types import IngestReport

LOCKED = (
    "Adding and removing articles is off: this page is served beyond this machine without a "
    "login. Start it with `ASSISTANT_AUTH=user:password` to allow it."
)
LOCKED_ERROR = (
    "Changing articles needs a login when the app is served beyond this machine; set "
    "ASSISTANT_AUTH=user:password."
)
COLUMNS = ("Title", "File", "Passages", "Added (UTC)")

Action = Callable[[Callable[[Settings], IngestReport]], IngestReport]


def progress_factory(progress: Any) -> Callable[[int], Callable[[int], None]]:
    """Ingest's progress callbacks, shown on the page as a Gradio progress bar."""

    def start(total: int) -> Callable[[int], None]:
        done = [0]
        progress((0, total), desc="Embedding", unit="texts")

        def tick(n: int) -> None:
            done[0] += n
            progress((done[0], total), desc="Embedding", unit="texts")

        return tick

    return start


class ArticlesTab:
    def __init__(
        self,
        assistant: Assistant,
        settings: Settings,
        can_change: bool,
        trouble: Callable[[Exception], str],
    ) -> None:
        self.assistant = assistant
        self.settings = settings
        self.can_change = can_change
        self.trouble = trouble  # the one line shown for an unexpected error (chat.trouble)
        self._lock = threading.Lock()  # one change to the articles at a time

    def indexed(self) -> set[str]:
        return set(self.assistant.store.manifest.documents())

    def listing(self) -> tuple[list[list[Any]], dict[str, Any]]:
        """The table's rows, and the remove list's choices (file label, source)."""
        docs = list(self.assistant.store.manifest.documents().values())
        corpus = self.settings.corpus_dir
        choices = [(file_label(d.source, corpus), d.source) for d in docs]
        return articles_table(docs, corpus), {"choices": choices, "value": None}

    def change(self, action: Action, progress: Any = None) -> IngestReport:
        """Run an add or a remove (given the ingest to call) on this app's index."""

        def run(s: Settings) -> IngestReport:
            return ingest(
                s,
                store=self.assistant.store,
                embedder=self.assistant.embedder,
                progress=progress_factory(progress) if progress is not None else None,
                wait=articles.WAIT_FOR_INGEST,
            )

        if not self.can_change:
            raise ArticleError(LOCKED_ERROR)
        with self._lock:
            try:
                return action(run)
            finally:
                self.assistant.retriever.refresh()  # the next question sees the change

    def add_uploads(self, files: list[str] | None, progress: Any = None) -> str:
        """Add each uploaded file; one status line per file (markdown)."""
        lines = []
        for f in files or []:
            path = Path(f)
            try:
                report = self.change(
                    lambda run, path=path: articles.add_file(self.settings, path, path.name, run),
                    progress,
                )
                n = report.embedded
                lines.append(f"Added **{escape(path.name)}** ({n} passage{'s' * (n != 1)}).")
            except AssistantError as e:
                lines.append(f"⚠️ {escape(str(e))}")
        return "\n\n".join(lines)

    def remove_chosen(self, source: str | None) -> str:
        """Remove the chosen article; a status line (markdown)."""
        if not source:
            return "Choose an article to remove first."
        try:
            self.change(lambda run: articles.remove(self.settings, source, self.indexed(), run))
        except AssistantError as e:
            return f"⚠️ {escape(str(e))}"
        return f"Removed **{escape(source)}** (kept in the corpus's .removed folder)."

    def add_api(self, file: str | None) -> dict:
        """`/add_article`: add one file to the corpus and index it; the ingest summary."""
        if not file:
            return {"error": "No file was given."}
        path = Path(file)
        try:
            report = self.change(lambda run: articles.add_file(self.settings, path, path.name, run))
        except Exception as e:
            return {"error": self._reason(e)}
        return report.to_json()

    def remove_api(self, source: str) -> dict:
        """`/remove_article`: remove an article (a citation's `source`); the summary."""
        try:
            report = self.change(
                lambda run: articles.remove(self.settings, source, self.indexed(), run)
            )
        except Exception as e:
            return {"error": self._reason(e)}
        return report.to_json()

    def _reason(self, e: Exception) -> str:
        if isinstance(e, ArticleError | CorpusError):
            return str(e)
        return self.trouble(e)
