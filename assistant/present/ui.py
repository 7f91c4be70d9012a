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
This module lays the page out and wires its events; what each event does is plain code in
chat.py (questions, sources, feedback, `/ask`) and articles_tab.py (the Articles tab).
Does not: answer anything itself (all answering is `Assistant.ask`), or touch the corpus
folder itself (adding and removing is articles.py, one change at a time, on this app's index).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.api import Assistant
from assistant.present.articles_tab import COLUMNS, LOCKED, ArticlesTab
from assistant.present.chat import Chat, trouble
from assistant.present.panels import CSS
from assistant.settings import Settings
from assistant.text import escape

# Questions answered at once. Assistant.ask is thread-safe; more than the cores buys little.
CONCURRENCY = 4


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


def build(assistant: Assistant, settings: Settings, can_change: bool = True) -> gr.Blocks:
    """The page; `can_change`: whether adding and removing articles is allowed (off when
    served beyond this machine without a login)."""
    on = Chat(assistant, settings)  # the event handlers (chat.py)

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
                sources = gr.HTML(on.panel(None, "none"), elem_id="sources")
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
        box.submit(on.respond, [box, chatbot, answers, extractive], outputs, **chat)
        send.click(on.respond, [box, chatbot, answers, extractive], outputs, **chat)
        for b in buttons:
            b.click(on.respond, [b, chatbot, answers, extractive], outputs, **chat)
        clear_button.click(on.clear, None, outputs, api_visibility="private")
        chatbot.select(on.show_sources, [answers], [sources], api_visibility="private")
        chatbot.like(on.rate, [answers], None, api_visibility="private")
        if can_change:
            app.load(listing, None, [table, choice], api_visibility="private")
            upload.upload(add_uploads, [upload], [status, table, choice, upload], **changing)
            remove_button.click(remove_chosen, [choice], [status, table, choice], **changing)
        else:
            app.load(lambda: listing()[0], None, table, api_visibility="private")
        gr.api(on.ask_api, api_name="ask", concurrency_limit=CONCURRENCY)
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
