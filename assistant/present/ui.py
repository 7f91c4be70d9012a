"""UI stage: the Gradio chat, a thin layer over `Assistant` and `articles`.

Does: a chat whose answers stream in (a language model's words as it writes them, then the
checked answer; or the quoted answer line by line), a line saying who writes the answers and a
quotes-only toggle when a language model is set up, the collection's title, standing note and
example questions (its `.collection/profile.json`, collection.py), a clear-conversation
button, a sources panel (cards for the latest answer, or for any earlier answer the user
clicks), an Articles tab (the indexed documents; upload to add, pick one to remove, when
`can_change`), thumbs up/down feedback appended to a JSONL file, and the contract's `/ask`,
`/add_article` and `/remove_article` API endpoints. Questions are shown as text (escaped),
never as markup.
Does not: answer anything itself (all answering is `Assistant.ask`), or touch the corpus
folder itself (adding and removing is articles.py, one change at a time, on this app's index).
"""

from __future__ import annotations

import json
import sys
import threading
import time
import traceback
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.api import Assistant
from assistant.errors import AssistantError, QuestionError
from assistant.present.articles_tab import COLUMNS, LOCKED, ArticlesTab
from assistant.present.panels import CSS, sources_html
from assistant.present.render import to_json
from assistant.settings import Settings
from assistant.text import escape

UNAVAILABLE = "The articles' index is unavailable right now; please try again in a moment."
FAILED = "Something went wrong while answering this question; the details are in the server log."
STREAM_DELAY = 0.03  # seconds between streamed lines: enough to see the answer arrive
# Questions answered at once. Assistant.ask is thread-safe; more than the cores buys little.
CONCURRENCY = 4


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


def writer_status(assistant: Assistant) -> str:
    """One line above the chat: who writes the answers."""
    if assistant.writer is not None:
        return (
            f"Answers are written by **{escape(assistant.writer_name)}** (a language model) from "
            "the quotes; a sentence no quote supports is removed."
        )
    if assistant.writer_error:
        return "The language model setting is not usable (see the server log); answers are quotes."
    return "Answers are the articles' own sentences, quoted (no language model is set up)."


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


def build(assistant: Assistant, settings: Settings, can_change: bool = True) -> gr.Blocks:
    """The page; `can_change`: whether adding and removing articles is allowed (off when
    served beyond this machine without a login)."""
    feedback = Feedback(settings.feedback_path)

    def documents() -> dict[str, Any]:
        return assistant.store.documents()

    def covered() -> list[str]:
        lexical = assistant.retriever.lexical()
        sections: dict[str, list[str]] = {}
        for p in lexical.passages.values():
            heads = sections.setdefault(p.title, [])
            if p.heading and p.heading not in heads:
                heads.append(p.heading)
        return [f"{t}" + (f" ({'; '.join(h)})" if h else "") for t, h in sections.items()]

    def panel(answer: dict[str, Any] | None, key: str, label: str = "") -> str:
        texts = file_texts(answer, {s: d.text_file for s, d in documents().items()})
        refused = answer is not None and not answer.get("citations")
        return sources_html(answer, texts, key, covered() if refused else (), label)

    def log_writer_error(answer: dict[str, Any]) -> bool:
        """Log why the language model did not write this answer (a bad setting was logged at
        start-up); whether there was such an error."""
        error = answer["writer_error"]
        if error and error != assistant.writer_error:
            print(f"warning: {error}", file=sys.stderr)
        return bool(error)

    def respond(question: str, chat: list, answers: list, extractive: bool):  # noqa: ANN202
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
            log_writer_error(answer)
        except Exception as e:
            chat[-1] = {"role": "assistant", "content": f"⚠️ {escape(trouble(e))}"}
            answers.append(None)
            yield chat, answers, panel(None, "none"), ""
            return
        lines = answer["answer"].split("\n") if not draft else []
        for i in range(1, len(lines)):
            chat[-1] = {"role": "assistant", "content": "\n".join(lines[:i])}
            yield chat, answers, gr.skip(), ""
            time.sleep(STREAM_DELAY)
        chat[-1] = {"role": "assistant", "content": message_markdown(answer)}
        answers.append(answer)
        key = f"a{len(answers)}"
        yield chat, answers, panel(answer, key, "Sources for the latest answer"), ""

    def show_sources(answers: list, evt: gr.SelectData) -> str:
        index = evt.index if isinstance(evt.index, int) else evt.index[0]
        number = index // 2
        if not answers or number >= len(answers) or answers[number] is None:
            return gr.skip()
        answer = answers[number]
        label = f"Sources for: {answer['question']}"
        return panel(answer, f"s{number}", label)

    def rate(answers: list, evt: gr.LikeData) -> None:
        index = evt.index if isinstance(evt.index, int) else evt.index[0]
        number = index // 2
        if answers and number < len(answers) and answers[number] is not None:
            liked = evt.liked if isinstance(evt.liked, bool) else evt.liked == "Like"
            feedback.record(liked, answers[number])

    def clear() -> tuple[list, list, str, str]:
        return [], [], panel(None, "none"), ""

    def ask_api(question: str) -> dict:
        """Answer one question about the articles; returns the answer object."""
        try:
            answer = to_json(assistant.ask(question))
            if log_writer_error(answer):  # details (a server address, a path) go to the log
                answer["writer_error"] = "The language model did not answer; see the server log."
            return answer
        except Exception as e:
            return {"question": question, "error": trouble(e)}

    tab = ArticlesTab(assistant, settings, can_change, trouble)

    def listing() -> tuple[list[list[Any]], Any]:
        rows, choices = tab.listing()
        return rows, gr.update(**choices)

    def add_uploads(files: list[str] | None, progress: Any = gr.Progress()) -> tuple:  # noqa: B008
        return (tab.add_uploads(files, progress), *listing(), None)

    def remove_chosen(source: str | None) -> tuple:
        return (tab.remove_chosen(source), *listing())

    changing = {"api_visibility": "private", "concurrency_limit": 1, "concurrency_id": "articles"}
    profile = assistant.profile  # title and examples: the collection's own
    with gr.Blocks(title=profile.title) as app:
        gr.Markdown(f"## {escape(profile.heading)}")
        gr.Markdown(profile.standing_note, elem_id="standing-note")
        with gr.Row():
            gr.Markdown(writer_status(assistant), elem_id="writer")
            extractive = gr.Checkbox(
                False,
                label="Quotes only (no language model)",
                elem_id="extractive",
                visible=assistant.writer is not None,
                scale=0,
                min_width=260,
            )
        answers = gr.State([])
        with gr.Tab("Chat"), gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    height=520,
                    label="Conversation",
                    buttons=["copy"],
                    feedback_options=("Like", "Dislike"),
                    placeholder=profile.placeholder,
                )
                with gr.Row():
                    box = gr.Textbox(
                        elem_id="question",
                        placeholder="Type a question and press Enter",
                        show_label=False,
                        scale=5,
                        max_lines=4,
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                with gr.Row():
                    buttons = [
                        gr.Button(q, size="sm", elem_classes="example") for q in profile.examples
                    ]
                    clear_button = gr.Button("Clear conversation", size="sm", elem_id="clear")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(panel(None, "none"), elem_id="sources")
        with gr.Tab("Articles"):
            gr.Markdown("The documents the assistant answers from.")
            table = gr.Dataframe(
                headers=list(COLUMNS),
                interactive=False,
                elem_id="articles",
            )
            if can_change:
                upload = gr.File(
                    label="Add articles: drop files here (.txt, .md, .html, .pdf, .docx)",
                    file_count="multiple",
                    file_types=[".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"],
                    elem_id="upload",
                )
                with gr.Row():
                    choice = gr.Dropdown(
                        label="Remove an article",
                        choices=[],
                        elem_id="remove-choice",
                        scale=4,
                    )
                    remove_button = gr.Button("Remove", variant="stop", elem_id="remove", scale=1)
            else:
                gr.Markdown(LOCKED, elem_id="articles-locked")
            status = gr.Markdown(elem_id="articles-status")
            # The contract's /add_article and /remove_article, for scripts (gradio_client).
            api_file = gr.File(visible=False)
            api_source = gr.Textbox(visible=False)
            api_out = gr.JSON(visible=False)

        outputs = [chatbot, answers, sources, box]
        chat = {
            "api_visibility": "private",
            "concurrency_limit": CONCURRENCY,
            "concurrency_id": "chat",
        }
        box.submit(respond, [box, chatbot, answers, extractive], outputs, **chat)
        send.click(respond, [box, chatbot, answers, extractive], outputs, **chat)
        for b in buttons:
            b.click(respond, [b, chatbot, answers, extractive], outputs, **chat)
        clear_button.click(clear, None, outputs, api_visibility="private")
        chatbot.select(show_sources, [answers], [sources], api_visibility="private")
        chatbot.like(rate, [answers], None, api_visibility="private")
        if can_change:
            app.load(listing, None, [table, choice], api_visibility="private")
            upload.upload(add_uploads, [upload], [status, table, choice, upload], **changing)
            remove_button.click(remove_chosen, [choice], [status, table, choice], **changing)
        else:
            app.load(lambda: listing()[0], None, table, api_visibility="private")
        gr.api(ask_api, api_name="ask", concurrency_limit=CONCURRENCY)
        api_trigger = gr.Button(visible=False)
        api_trigger.click(tab.add_api, [api_file], api_out, api_name="add_article")
        api_trigger.click(tab.remove_api, [api_source], api_out, api_name="remove_article")
    return app


def launch(
    assistant: Assistant,
    settings: Settings,
    host: str,
    port: int,
    auth: Any = None,
    can_change: bool = True,
) -> None:
    build(assistant, settings, can_change).launch(
        server_name=host,
        server_port=port,
        auth=auth,
        css=CSS,
        ssr_mode=False,
        show_error=False,
        footer_links=["api"],
    )
