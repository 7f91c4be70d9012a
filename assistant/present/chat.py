"""The chat's handlers: Gradio events turned into answers, panels and feedback, as plain code.

Does: answer a question for the chat (streaming a language model's words as it writes, then
the checked answer; or the quoted answer line by line), show the sources panel of the latest
answer or of any earlier one clicked, record thumbs up/down (appended to a JSONL file), clear
the conversation, and answer the contract's `/ask`. An error is one line for the person
(`trouble`); index trouble and faults of ours go to the log.
Does not: build any component or know the page's layout (ui.py), or answer anything itself
(all answering is `Assistant.stream`).
"""

from __future__ import annotations

import json
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.api import Assistant
from assistant.errors import AssistantError, QuestionError
from assistant.present.panels import sources_html
from assistant.present.render import to_json
from assistant.settings import Settings
from assistant.text import escape

UNAVAILABLE = "The articles' index is unavailable right now; please try again in a moment."
FAILED = "Something went wrong while answering this question; the details are in the server log."
STREAM_DELAY = 0.03  # seconds between streamed lines: enough to see the answer arrive


@lru_cache(maxsize=64)
def _file_text(source: str, mtime: float) -> str:
    return Path(source).read_text(encoding="utf-8")


def file_texts(answer: dict[str, Any] | None, indexed: dict[str, str]) -> dict[str, str]:
    """Texts the quotes of an answer index, by source: the file itself, or the text extracted
    from it (`text_file`). Only files the index holds (`indexed`: source -> text file, ""
    for plain text) are ever read."""
    out = {}
    for c in (answer or {}).get("citations", []):
        source = c["source"]
        if source in indexed and source not in out:
            path = Path(indexed[source] or source)
            try:
                out[source] = _file_text(str(path), path.stat().st_mtime)
            except OSError:
                continue  # the file changed or went away since ingest: show the quote only
    return out


def message_markdown(answer: dict[str, Any]) -> str:
    """An answer as shown in the chat: the answer, then quiet lines for a resolved follow-up
    and for who wrote it."""
    text = answer["answer"]
    quiet = []
    if answer["searched_for"] != answer["question"]:
        quiet.append(f"Searched for: {escape(answer['searched_for'])}")
    if answer.get("writer", "extractive") != "extractive":
        dropped = answer.get("dropped_sentences", 0)
        removed = (
            f"; {dropped} unsupported sentence{'s' * (dropped != 1)} removed" if dropped else ""
        )
        quiet.append(f"Written by {escape(answer['writer'])}, checked against the quotes{removed}")
    elif answer.get("writer_error"):
        quiet.append("The language model did not answer; these are the quotes themselves")
    return text + "".join(f"\n\n<sub>{q}</sub>" for q in quiet)


class Feedback:
    """Thumbs up/down, appended as JSON lines to a file that outlives restarts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, liked: bool, answer: dict[str, Any]) -> None:
        row = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "rating": "up" if liked else "down",
            "question": answer["question"],
            "answer": answer["answer"],
            "citations": answer["citations"],
        }
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")


def trouble(e: Exception) -> str:
    """The one line a person sees for an error while answering. Only a bad question is
    told as it is: index trouble (paths) and faults of ours (a traceback) go to the log."""
    if isinstance(e, QuestionError):
        return str(e)
    if isinstance(e, AssistantError):
        print(f"error: {e}", file=sys.stderr)
        return UNAVAILABLE
    traceback.print_exc()
    return FAILED


class Chat:
    """The chat's event handlers over one `Assistant` (ui.py wires them to the page)."""

    def __init__(self, assistant: Assistant, settings: Settings) -> None:
        self.assistant = assistant
        self.feedback = Feedback(settings.feedback_path)

    def panel(self, answer: dict[str, Any] | None, key: str, label: str = "") -> str:
        """The sources panel for an answer (none yet: the empty panel); a refusal's lists
        what the articles cover."""
        documents = self.assistant.store.manifest.documents()
        texts = file_texts(answer, {s: d.text_file for s, d in documents.items()})
        refused = answer is not None and not answer.get("citations")
        covered = self.assistant.sections() if refused else ()
        return sources_html(answer, texts, key, covered, label)

    def log_writer_error(self, answer: dict[str, Any]) -> bool:
        """Log why the language model did not write this answer (a bad setting was logged at
        start-up); whether there was such an error."""
        error = answer["writer_error"]
        if error and error != self.assistant.writer_error:
            print(f"warning: {error}", file=sys.stderr)
        return bool(error)

    def respond(
        self, question: str, chat: list, answers: list, extractive: bool
    ) -> Iterator[tuple[Any, ...]]:
        """A question asked: (chat messages, answers, sources panel, question box) as the
        answer arrives."""
        assistant = self.assistant
        chat, answers = list(chat or []), list(answers or [])
        try:
            text = assistant.check(question)
        except AssistantError as e:
            gr.Warning(str(e))
            yield chat, answers, gr.skip(), question
            return
        history = [a["question"] for a in answers if a]
        chat += [
            {"role": "user", "content": escape(text)},
            {"role": "assistant", "content": "…"},
        ]
        yield chat, answers, gr.skip(), ""
        try:
            draft = ""
            for item in assistant.stream(text, history, extractive=bool(extractive)):
                if isinstance(item, str):  # the language model's words, before the check
                    draft += item
                    chat[-1] = {"role": "assistant", "content": f"{escape(draft)} …"}
                    yield chat, answers, gr.skip(), ""
                else:
                    answer = to_json(item)
            self.log_writer_error(answer)
        except Exception as e:
            chat[-1] = {"role": "assistant", "content": f"⚠️ {escape(trouble(e))}"}
            answers.append(None)
            yield chat, answers, self.panel(None, "none"), ""
            return
        lines = answer["answer"].split("\n") if not draft else []
        for i in range(1, len(lines)):
            chat[-1] = {"role": "assistant", "content": "\n".join(lines[:i])}
            yield chat, answers, gr.skip(), ""
            time.sleep(STREAM_DELAY)
        chat[-1] = {"role": "assistant", "content": message_markdown(answer)}
        answers.append(answer)
        key = f"a{len(answers)}"
        yield chat, answers, self.panel(answer, key, "Sources for the latest answer"), ""

    def show_sources(self, answers: list, evt: gr.SelectData) -> str:
        """An earlier message clicked: the sources panel of its answer."""
        index = evt.index if isinstance(evt.index, int) else evt.index[0]
        number = index // 2
        if not answers or number >= len(answers) or answers[number] is None:
            return gr.skip()
        answer = answers[number]
        label = f"Sources for: {answer['question']}"
        return self.panel(answer, f"s{number}", label)

    def rate(self, answers: list, evt: gr.LikeData) -> None:
        """Thumbs up or down on an answer."""
        index = evt.index if isinstance(evt.index, int) else evt.index[0]
        number = index // 2
        if answers and number < len(answers) and answers[number] is not None:
            liked = evt.liked if isinstance(evt.liked, bool) else evt.liked == "Like"
            self.feedback.record(liked, answers[number])

    def clear(self) -> tuple[list, list, str, str]:
        return [], [], self.panel(None, "none"), ""

    def ask_api(self, question: str) -> dict:
        """Answer one question about the articles; returns the answer object."""
        try:
            answer = to_json(self.assistant.ask(question))
            if self.log_writer_error(answer):  # details (a server address, a path) go to the log
                answer["writer_error"] = "The language model did not answer; see the server log."
            return answer
        except Exception as e:
            return {"question": question, "error": trouble(e)}
