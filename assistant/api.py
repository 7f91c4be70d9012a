"""The Python API used by the CLI and the UI: `build_assistant(settings).ask(question, history)`.

Does: validate the question, resolve it against the conversation (search/query.py), retrieve
evidence (search/retriever.py), compose the quoted answer or refusal (answer/compose.py),
and, when a language model is configured (`ASSISTANT_LLM`), have it rewrite an answered
question's quotes (answer/writer.py) and keep only the sentences the quotes support
(answer/grounding.py); time each step.
`build_assistant` is the one wiring point: it builds the parts (store, embedder, retriever,
writer, weights, the collection's profile) and hands them to `Assistant`; tests and the bench
pass their own parts (a shared model, a fake) through it.
Heavy parts (model, Chroma, BM25, the language model) load once, on first use or on `warm()`.
Does not: keep conversation state; the caller passes the earlier questions in `history`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import replace

from assistant.answer import grounding
from assistant.answer.compose import compose
from assistant.answer.writer import Writer, make
from assistant.collection import Profile, load_profile
from assistant.embedding import Embedder
from assistant.errors import QuestionError, WriterError
from assistant.search.query import lay_terms, tidy, understand
from assistant.search.retriever import Retriever
from assistant.settings import Settings
from assistant.store import Store
from assistant.text import escape
from assistant.types import Answer
from assistant.weights import Weights
from assistant.weights import load as load_weights


def build_assistant(
    settings: Settings,
    *,
    weights: Weights | None = None,
    embedder: Embedder | None = None,
    store: Store | None = None,
    writer: tuple[Writer | None, str] | None = None,
) -> Assistant:
    """An `Assistant` with its parts built from `settings`; any part given is used instead.
    `writer` is (the language model or None, why a configured one is unusable)."""
    weights = weights or load_weights()
    store = store or Store(settings)
    embedder = embedder or Embedder(settings.batch_size, settings.backend)
    return Assistant(
        settings,
        store=store,
        embedder=embedder,
        retriever=Retriever(store, embedder, weights),
        weights=weights,
        profile=load_profile(settings.corpus_dir),
        writer=writer if writer is not None else make(settings),
    )


class Assistant:
    """Answers questions with the parts it is given (see `build_assistant`)."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store,
        embedder: Embedder,
        retriever: Retriever,
        weights: Weights,
        profile: Profile,
        writer: tuple[Writer | None, str] = (None, ""),
    ) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.retriever = retriever
        self.weights = weights
        self.profile = profile  # the collection's safety note and cue words
        self.writer: Writer | None
        self.writer, self.writer_error = writer

    @property
    def writer_name(self) -> str:
        """ "extractive", or the configured language model's name."""
        return self.writer.name if self.writer else "extractive"

    def warm(self) -> None:
        """Load the models, open the index and build BM25 now."""
        self.retriever.warm()
        if self.writer is not None:
            self.writer.warm()

    def sections(self) -> list[str]:
        """What the articles cover, one line per article: its title and section headings
        ("Title (Heading; Heading)"), for a refusal's sources panel."""
        heads = self.retriever.lexical().sections()
        return [t + (f" ({'; '.join(h)})" if h else "") for t, h in heads.items()]

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

    def ask(self, question: str, history: Sequence[str] = (), extractive: bool = False) -> Answer:
        """Answer one question; `history` is the earlier questions of the conversation;
        `extractive` skips the language model even when one is configured."""
        answer = None
        for item in self.stream(question, history, extractive):
            answer = item
        assert isinstance(answer, Answer)
        return answer

    def stream(
        self, question: str, history: Sequence[str] = (), extractive: bool = False
    ) -> Iterator[str | Answer]:
        """The language model's text as it comes (when one writes), then the final `Answer`."""
        t0 = time.perf_counter()
        text = self.check(question)
        lexical = self.retriever.lexical()
        query = understand(
            text,
            [h for h in history if isinstance(h, str)],
            lexical.vocabulary,
            lay_terms(self.settings.corpus_dir),
            cue_words=self.profile.cue_words,
            nearby=lexical.words_near,
        )
        if not any(c.isalnum() for c in query.searched_for):
            evidence = None
        else:
            evidence = self.retriever.search(query)
        t1 = time.perf_counter()
        searched = evidence.query if evidence is not None else query.searched_for
        note = self.profile.safety_note_for(text)
        answer = compose(text, searched, evidence, self.weights, note=note)
        t2 = time.perf_counter()
        timings = {
            "retrieve": round((t1 - t0) * 1000, 2),
            "answer": round((t2 - t1) * 1000, 2),
        }
        answer = replace(answer, writer_error="" if extractive else self.writer_error)
        if self.writer is None or extractive or answer.refused:
            yield replace(answer, timings_ms={**timings, "total": round((t2 - t0) * 1000, 2)})
            return
        reply = []
        try:
            for piece in self.writer.stream(query.searched_for, answer.citations):
                reply.append(piece)
                yield piece
        except WriterError as e:
            answer = replace(answer, writer_error=str(e))
        else:
            checked = grounding.check("".join(reply), answer.citations, self.embedder)
            if checked.kept:
                titles = dict.fromkeys(f"*{escape(c.title)}*" for c in checked.citations)
                body = f"From {' and '.join(titles)}:\n\n{checked.text}"
                body += f"\n\n{answer.note}" if answer.note else ""
                answer = replace(
                    answer, answer=body, citations=checked.citations, writer=self.writer.name
                )
            answer = replace(answer, dropped_sentences=checked.dropped)
        t3 = time.perf_counter()
        timings["write"] = round((t3 - t2) * 1000, 2)
        yield replace(answer, timings_ms={**timings, "total": round((t3 - t0) * 1000, 2)})
