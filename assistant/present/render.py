"""Render stage: an `Answer` as the contract's JSON object, or as text for a terminal.

Does: turn answers into plain data or readable text. Does not: decide anything.
"""

from __future__ import annotations

import textwrap
from typing import Any

from assistant.types import Answer


def to_json(answer: Answer) -> dict[str, Any]:
    """The answer object of CONTRACT.md (`text_file` and `page` only where they apply, and
    `url` for a saved web page's address), plus `note` (the assistant's own note), `writer`
    ("extractive" or the language model's name), `dropped_sentences` (generated sentences the
    grounding check removed) and `writer_error` (why a configured model was not used)."""
    return {
        "question": answer.question,
        "answer": answer.answer,
        "refused": answer.refused,
        "searched_for": answer.searched_for,
        "citations": [
            {
                "n": c.n,
                "source": c.source,
                "title": c.title,
                "heading": c.heading,
                "quote": c.quote,
                "start": c.start,
                "end": c.end,
                "score": round(c.score, 4),
            }
            | ({"text_file": c.text_file} if c.text_file else {})
            | ({"page": c.page} if c.page else {})
            | ({"url": c.url} if c.url else {})
            for c in answer.citations
        ],
        "timings_ms": answer.timings_ms,
        "note": answer.note,
        "writer": answer.writer,
        "dropped_sentences": answer.dropped_sentences,
        "writer_error": answer.writer_error,
    }


def to_text(answer: Answer) -> str:
    """The answer, then its numbered sources with the exact quotes, for a terminal."""
    lines = [answer.answer]
    if answer.searched_for != answer.question:
        lines += ["", f"(searched for: {answer.searched_for})"]
    if answer.writer != "extractive":
        dropped = answer.dropped_sentences
        lines += [
            "",
            f"(written by {answer.writer}; every sentence checked against its quote"
            + (f", {dropped} unsupported removed)" if dropped else ")"),
        ]
    if answer.citations:
        lines += ["", "Sources:"]
        for c in answer.citations:
            section = f" — {c.heading}" if c.heading else ""
            lines.append(f"[{c.n}] {c.title}{section}")
            where = f", page {c.page}" if c.page else ""
            text = f" (text in {c.text_file})" if c.text_file else ""
            lines.append(f"    {c.source}{where}, characters {c.start}–{c.end}{text}")
            quote = textwrap.fill(
                f"“{' '.join(c.quote.split())}”",
                width=88,
                initial_indent="    ",
                subsequent_indent="     ",
            )
            lines.append(quote)
    return "\n".join(lines)
