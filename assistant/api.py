"""The Python API used by the CLI and the UI: `Assistant(settings).ask(question, history)`.

Does: validate the question, resolve it against the conversation (query.py), retrieve
evidence (retrieval.py), compose the quoted answer or refusal (answer.py), and time each step.
Heavy parts (model, Chroma, BM25) load once, on first use or on `warm()`.
Does not: keep conversation state; the caller passes the earlier questions in `history`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from assistant.answer import Answer, compose
from assistant.embedding import Embedder
from assistant.errors import QuestionError
from assistant.query import tidy, understand
from assistant.retrieval import Retriever
from assistant.settings import Settings
from assistant.store import Store


class Assistant:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings)
        self.retriever = Retriever(self.store, Embedder(settings.batch_size, settings.backend))

    def warm(self) -> None:
        """Load the model, open the index and build BM25 now."""
        self.retriever.warm()

    def check(self, question: object) -> str:
        """The tidied question, or a `QuestionError` saying what is wrong with it."""
        if not isinstance(question, str):
            raise QuestionError("The question must be text.")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise QuestionError(
                f"The question is too long ({len(question):,} characters; the limit is {limit:,})."
            )
        text = tidy(question)
        if not text:
            raise QuestionError("The question is empty; type a question about the articles.")
        return text

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        """Answer one question; `history` is the earlier questions of the conversation."""
        t0 = time.perf_counter()
        text = self.check(question)
        lexical = self.retriever.lexical()
        query = understand(text, [h for h in history if isinstance(h, str)], lexical.vocabulary)
        if not any(c.isalnum() for c in query.searched_for):
            evidence = None
        else:
            evidence = self.retriever.search(query)
        t1 = time.perf_counter()
        answer = compose(text, query.searched_for, evidence)
        t2 = time.perf_counter()
        timings = {
            "retrieve": round((t1 - t0) * 1000, 2),
            "answer": round((t2 - t1) * 1000, 2),
            "total": round((t2 - t0) * 1000, 2),
        }
        return replace(answer, timings_ms=timings)
