"""Render stage, for the page: HTML for the sources panel, the article view and the list of
articles.

Does: turn an answer's citations into cards (number, title, section, the quote highlighted in
its paragraph with a little context) and, for each card, the whole article with the quote
highlighted. A card links to its quote's mark in the article; CSS shows an article only while
one of its marks is the page's target, so selecting a card opens the article scrolled to the
quote with no script at all. Every piece of text from a question or an article goes through
`html.escape`: markup in either is shown, never run.
Does not: read files itself (the caller passes the texts) or decide anything.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

CONTEXT_CHARS = 160

CSS = """
.sources-panel, .sources-panel .card, .sources-panel .card-head, .sources-panel .context,
.sources-panel .article { text-align: left !important; }
.sources-panel .card { display: block; border: 1px solid var(--border-color-primary);
  border-radius: 8px; padding: 10px 12px; margin: 0 0 10px; text-decoration: none;
  color: inherit; background: var(--background-fill-secondary); }
.sources-panel .card:hover, .sources-panel .card:focus { border-color: var(--color-accent); }
.sources-panel .card-head { font-size: 0.9em; margin-bottom: 4px; }
.sources-panel .n { font-weight: 700; margin-right: 4px; }
.sources-panel .section { color: var(--body-text-color-subdued); }
.sources-panel .context { font-size: 0.92em; line-height: 1.45; margin: 0; }
.sources-panel .context .more { color: var(--body-text-color-subdued); }
.sources-panel mark { background: #fde68a; color: #111; padding: 0 1px; }
.sources-panel .open { font-size: 0.85em; color: var(--color-accent); }
.sources-panel .article { display: none; white-space: pre-wrap; line-height: 1.5;
  border-top: 2px solid var(--color-accent); margin-top: 12px; padding-top: 8px;
  max-height: 480px; overflow-y: auto; font-size: 0.92em; }
.sources-panel .article:has(mark:target) { display: block; }
.sources-panel .article mark:target { outline: 2px solid #d97706; }
.sources-panel .empty { color: var(--body-text-color-subdued); }
.sources-panel .file, .sources-panel .origin { font-size: 0.8em;
  color: var(--body-text-color-subdued); }
.sources-panel .origin { white-space: normal; margin-bottom: 6px; }
.sources-panel .for { font-size: 0.85em; color: var(--body-text-color-subdued);
  margin-bottom: 8px; }
"""

_ID = re.compile(r"[^a-zA-Z0-9_-]")


def _e(text: str) -> str:
    return html.escape(text, quote=True)


_BULLET_LINE = re.compile(r"^\s*(?:[•·‣▪◦●○■□►▸➤✓✔*+\-–—]|\d{1,3}[.)])\s+")


def _unit_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The bullet item (its line) or the paragraph (blank-line separated) holding the quote."""
    line_start = text.rfind("\n", 0, start) + 1
    if _BULLET_LINE.match(text[line_start : start + 1]):
        line_end = text.find("\n", end)
        return line_start, len(text) if line_end < 0 else line_end
    left = text.rfind("\n\n", 0, start)
    right = text.find("\n\n", end)
    return (0 if left < 0 else left + 2), (len(text) if right < 0 else right)


def context_html(text: str, start: int, end: int) -> str:
    """The quote highlighted inside its paragraph or bullet item, with up to CONTEXT_CHARS
    either side, cut at word boundaries."""
    lo, hi = _unit_bounds(text, start, end)
    cut_lo, cut_hi = max(lo, start - CONTEXT_CHARS), min(hi, end + CONTEXT_CHARS)
    if cut_lo > lo:  # start at a word
        space = text.find(" ", cut_lo, start)
        cut_lo = space + 1 if space >= 0 else start
    if cut_hi < hi:  # end at a word
        space = text.rfind(" ", end, cut_hi)
        cut_hi = space if space >= 0 else end
    before, quote, after = text[cut_lo:start], text[start:end], text[end:cut_hi]
    more_before = '<span class="more">… </span>' if cut_lo > lo else ""
    more_after = '<span class="more"> …</span>' if cut_hi < hi else ""
    before = _BULLET_LINE.sub("", before.lstrip())
    return f"{more_before}{_e(before)}<mark>{_e(quote)}</mark>{_e(after.rstrip())}{more_after}"


def article_html(text: str, spans: Sequence[tuple[str, int, int]]) -> str:
    """The whole article text with each (mark id, start, end) span highlighted."""
    out, pos = [], 0
    for mark_id, start, end in sorted(spans, key=lambda s: s[1]):
        if start < pos:
            continue  # overlapping quotes: the first one keeps the mark
        out.append(_e(text[pos:start]))
        out.append(f'<mark id="{mark_id}">{_e(text[start:end])}</mark>')
        pos = end
    out.append(_e(text[pos:]))
    return "".join(out)


def sources_html(
    answer: Mapping[str, Any] | None,
    texts: Mapping[str, str],
    key: str,
    covered: Sequence[str] = (),
    label: str = "",
) -> str:
    """The sources panel for one answer object (the contract's dict), or a hint when there
    is none. `texts` maps each cited source to its file text; `key` makes element ids unique
    per answer; `covered` lists what the articles are about, shown for refusals."""
    key = _ID.sub("", key)
    parts = ['<div class="sources-panel">']
    if label:
        parts.append(f'<div class="for">{_e(label)}</div>')
    if answer is None:
        parts.append(
            '<p class="empty">Ask a question: the passages behind the answer appear here.</p>'
        )
        return "".join(parts + ["</div>"])
    citations = answer.get("citations") or []
    if not citations:
        parts.append('<p class="empty">No sources: the articles don\'t cover this question.</p>')
        if covered:
            items = "".join(f"<li>{_e(c)}</li>" for c in covered)
            parts.append(
                f'<p class="empty">The articles cover:</p><ul class="covered">{items}</ul>'
            )
        return "".join(parts + ["</div>"])
    marks: dict[str, list[tuple[str, int, int]]] = {}
    for c in citations:
        mark_id = f"q-{key}-{int(c['n'])}"
        marks.setdefault(c["source"], []).append((mark_id, int(c["start"]), int(c["end"])))
        text = texts.get(c["source"], "")
        section = f' · <span class="section">{_e(c["heading"])}</span>' if c.get("heading") else ""
        quote = context_html(text, int(c["start"]), int(c["end"])) if text else _e(c["quote"])
        page = f", page {int(c['page'])}" if c.get("page") else ""
        parts.append(
            f'<a class="card" id="card-{key}-{int(c["n"])}" href="#{mark_id}" '
            f'title="Open the article at this quote">'
            f'<div class="card-head"><span class="n">[{int(c["n"])}]</span>'
            f"<b>{_e(c['title'])}</b>{section}</div>"
            f'<p class="context">{quote}</p>'
            f'<span class="file">{_e(c["source"])}{page}</span> '
            f'<span class="open">Open in the article ↓</span></a>'
        )
    for i, (source, spans) in enumerate(marks.items()):
        text = texts.get(source)
        if text is None:
            continue
        cited = next(c for c in citations if c["source"] == source)
        parts.append(
            f'<div class="article" id="article-{key}-{i}" data-source="{_e(source)}">'
            f"{_origin(cited)}{article_html(text, spans)}</div>"
        )
    parts.append("</div>")
    return "".join(parts)


def _origin(citation: Mapping[str, Any]) -> str:
    """The line above an article's text: its file, where its text was extracted to, and the
    web address it was saved from (a link that opens in a new tab)."""
    parts = [f"From <b>{_e(citation['source'])}</b>"]
    if citation.get("text_file"):
        parts.append(f"; the text extracted from it ({_e(citation['text_file'])}) is shown")
    url = str(citation.get("url") or "")
    if url.startswith(("http://", "https://")):
        parts.append(
            f'; saved from <a href="{_e(url)}" target="_blank" rel="noopener noreferrer">'
            f"{_e(url)}</a>"
        )
    return f'<div class="origin">{"".join(parts)}</div>'


def articles_table(documents: Sequence[Any], corpus_dir: Path | None = None) -> list[list[Any]]:
    """Rows for the Articles tab: title, file (within the corpus folder), passages, when
    added (ingested)."""
    return [
        [d.title, file_label(d.source, corpus_dir), d.passages, _when(d.ingested_at)]
        for d in documents
    ]


def file_label(source: str, corpus_dir: Path | None) -> str:
    """A source as people know it: its path inside the corpus folder ("guide.pdf")."""
    if corpus_dir is None:
        return source
    try:
        return Path(source).resolve().relative_to(corpus_dir.resolve()).as_posix()
    except (ValueError, OSError):
        return source


def _when(iso: str) -> str:
    """ "2026-11-22T06:33:00+00:00" as "2026-11-22 06:33:00" (the column says UTC)."""
    return iso.replace("T", " ").removesuffix("+00:00")
