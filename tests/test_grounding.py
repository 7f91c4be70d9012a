"""The grounding check with the real embedding model: which generated sentences stand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.answer import grounding
from assistant.embedding import Embedder
from assistant.types import Citation
from assistant.weights import load

PAIRS = Path(__file__).parent / "eval" / "grounding.jsonl"
MASSAGE = "Unlock the Power of Massage: Relief for Debilitating Leg Cramps"


def cite(n: int, quote: str) -> Citation:
    return Citation(n, "corpus/massage-for-leg-cramps.txt", MASSAGE, "", quote, 0, len(quote), 0.5)


CIRCULATION = cite(1, "Improve circulation: Enhancing blood flow to help relax muscles.")
DEHYDRATION = cite(2, "Dehydration: A lack of fluids and electrolytes can lead to muscle spasms.")


@pytest.mark.unit
def test_split_reads_markers_after_sentences_and_at_line_starts() -> None:
    reply = (
        "The answer is:\n\n[1] Improve circulation: blood flow. It relaxes muscles.\n"
        "A claim. [2]\n[3]\n- Another one [1, 2].\nA claim. [2]"
    )
    assert grounding.split(reply) == [
        ("The answer is:", ()),
        ("Improve circulation: blood flow.", (1,)),
        ("It relaxes muscles.", (1,)),
        ("A claim.", (2, 3)),  # a line of markers only lends them to the sentence before
        ("Another one.", (1, 2)),
        # the repeated "A claim." is counted once
    ]


@pytest.mark.unit
def test_vetoes_catch_invented_numbers_and_flipped_negations() -> None:
    quote = DEHYDRATION.quote
    assert grounding.vetoed("Take 300 mg of magnesium.", quote)
    assert grounding.vetoed("Dehydration never leads to muscle spasms.", quote)
    assert not grounding.vetoed("A lack of fluids can lead to muscle spasms.", quote)
    regular = "Regular massage therapy is not just a treatment, but also a preventive measure."
    assert not grounding.vetoed("Massage is a preventive measure too.", regular)


@pytest.mark.integration
def test_check_keeps_supported_sentences_and_renumbers(embedder: Embedder) -> None:
    reply = (
        "Dehydration, a lack of fluids and electrolytes, can lead to muscle spasms. [2] "
        "Massage cures diabetes and kidney disease. [1] "
        "Massage enhances blood flow, which helps muscles relax. [1][2] "
        "Cramps are best treated with quinine. "
        "Improve circulation: Enhancing blood flow to help relax muscles. [7]"
    )
    checked = grounding.check(reply, [CIRCULATION, DEHYDRATION], embedder)
    kept = [s.text for s in checked.sentences if s.kept]
    assert kept == [
        "Dehydration, a lack of fluids and electrolytes, can lead to muscle spasms.",
        "Massage enhances blood flow, which helps muscles relax.",
    ]
    assert checked.dropped == 3  # an invented claim, an uncited one, a quote that isn't there
    # still in relevance order; the sentence citing [1][2] keeps only the quote that supports it
    assert [(c.n, c.quote) for c in checked.citations] == [
        (1, CIRCULATION.quote),
        (2, DEHYDRATION.quote),
    ]
    assert checked.text.startswith(
        "Dehydration, a lack of fluids and electrolytes, can lead to muscle spasms. [2]"
    )
    assert checked.text.endswith("muscles relax. [1]")
    assert "[3]" not in checked.text


@pytest.mark.integration
def test_markup_in_a_generated_sentence_is_escaped(embedder: Embedder) -> None:
    reply = "Improve circulation: Enhancing blood flow to help <b>relax</b> muscles. [1]"
    checked = grounding.check(reply, [CIRCULATION], embedder)
    assert checked.kept == 1
    assert "<b>" not in checked.text and "\\<b\\>" in checked.text


@pytest.mark.integration
def test_nothing_cited_leaves_nothing(embedder: Embedder) -> None:
    checked = grounding.check("Massage helps. It relaxes you.", [CIRCULATION], embedder)
    assert checked.kept == 0 and checked.dropped == 2 and checked.citations == ()


def pairs() -> list[dict]:
    return [json.loads(line) for line in PAIRS.read_text().splitlines() if line.strip()]


@pytest.mark.integration
def test_labelled_pairs_are_judged_well(embedder: Embedder) -> None:
    """The fitted check on its own labelled set (calibrate --grounding shows held-out halves):
    few unsupported sentences kept, few supported ones lost."""
    rows = pairs()
    assert len(rows) >= 90 and any(r["from"] == "smollm2" for r in rows)
    kept = []
    for r in rows:
        c = Citation(1, "x", r["title"], "", r["quote"], 0, 1, 0.5)
        kept.append(grounding.check(f"{r['sentence']} [1]", [c], embedder).kept == 1)
    wrongly_kept = sum(k and not r["supported"] for k, r in zip(kept, rows, strict=True))
    wrongly_dropped = sum(r["supported"] and not k for k, r in zip(kept, rows, strict=True))
    unsupported = sum(not r["supported"] for r in rows)
    assert wrongly_kept <= 0.15 * unsupported
    assert wrongly_dropped <= 0.05 * (len(rows) - unsupported)


@pytest.mark.unit
@pytest.mark.parametrize("weights", [load().grounding])
def test_weights_cover_every_feature(weights: dict[str, float]) -> None:
    assert set(weights) == {*grounding.FEATURES, "bias"}
