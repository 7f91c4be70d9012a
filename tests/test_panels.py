from __future__ import annotations

import pytest

from assistant.present.panels import article_html, context_html, sources_html

pytestmark = pytest.mark.unit

TEXT = (
    "Title\n\nIntro paragraph one. The quote sits here. Then more words follow it.\n\n"
    "  • Dehydration: A lack of fluids.\n  • Overexertion: <b>too hard</b>.\n"
)


def test_context_stays_inside_the_bullet_item() -> None:
    start = TEXT.index("A lack")
    html = context_html(TEXT, start, start + len("A lack of fluids."))
    assert "<mark>A lack of fluids.</mark>" in html
    assert "Overexertion" not in html and "•" not in html


def test_context_in_a_paragraph_and_escaping() -> None:
    start = TEXT.index("The quote")
    html = context_html(TEXT, start, start + len("The quote sits here."))
    assert (
        html == "Intro paragraph one. <mark>The quote sits here.</mark> Then more words follow it."
    )
    start = TEXT.index("<b>")
    marked = article_html(TEXT, [("m1", start, start + len("<b>too hard</b>"))])
    assert '<mark id="m1">&lt;b&gt;too hard&lt;/b&gt;</mark>' in marked


def test_cards_link_to_their_mark_and_refusals_show_coverage() -> None:
    start = TEXT.index("The quote")
    answer = {
        "citations": [
            {
                "n": 1,
                "source": "a.txt",
                "title": "T <i>",
                "heading": "",
                "quote": "The quote sits here.",
                "start": start,
                "end": start + 20,
            }
        ]
    }
    html = sources_html(answer, {"a.txt": TEXT}, "k1")
    assert 'href="#q-k1-1"' in html and '<mark id="q-k1-1">The quote sits here.</mark>' in html
    assert "T &lt;i&gt;" in html
    refused = sources_html({"citations": []}, {}, "k2", covered=["Night cramps"])
    assert "card" not in refused and "Night cramps" in refused
