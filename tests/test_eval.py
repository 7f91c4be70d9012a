"""The labelled question set must not regress below these floors (measured values are in
the README; floors leave a little room for harmless changes)."""

from __future__ import annotations

from assistant import evaluation
from assistant.devcli import DEFAULT_QUESTIONS


def test_quality_floors(assistant) -> None:
    rows = evaluation.load_questions(DEFAULT_QUESTIONS)
    assert len(rows) >= 44 and sum(r["kind"] == "out" for r in rows) >= 10
    m = evaluation.metrics(evaluation.run(assistant, rows))
    assert m["bad_quotes"] == 0
    assert m["dangling_refs"] == 0
    assert m["hit@3"] >= HIT3_FLOOR, m
    assert m["hit@1"] >= HIT1_FLOOR, m
    assert m["refusal_acc_out"] >= REFUSAL_FLOOR, m
    assert m["false_refusals_in"] <= 2, m
    assert m["mean_quote_chars"] <= 260, m


HIT1_FLOOR = 0.80
HIT3_FLOOR = 0.90
REFUSAL_FLOOR = 0.85
