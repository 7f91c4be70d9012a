"""Calibration's own logic: the fit with set weights, and calibrate's argument errors (the
whole report on the real index is what `python -m assistant calibrate` prints)."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from assistant.calibration import fit


def rows(n: int = 400) -> list[tuple[str, tuple[float, ...], float]]:
    """Labels that follow 2*a + 1*b - 1 closely, on two uncorrelated features."""
    rng = random.Random(0)
    out = []
    for i in range(n):
        a, b = rng.uniform(-1, 1), rng.uniform(-1, 1)
        out.append((f"q{i % 20}", (a, b), float(2 * a + b - 1 + rng.gauss(0, 0.3) > 0)))
    return out


def test_fit_learns_every_weight_when_none_is_set() -> None:
    w = fit(rows(), l2=0.0, names=("a", "b"), fixed={})
    assert w["a"] > w["b"] > 0 and w["bias"] < 0


def test_a_set_weight_is_kept_and_the_others_fitted_around_it() -> None:
    free = fit(rows(), l2=0.0, names=("a", "b"), fixed={})
    w = fit(rows(), l2=0.0, names=("a", "b"), fixed={"a": 0.0})
    assert w["a"] == 0.0
    assert w["b"] > 0 and w["b"] != pytest.approx(free["b"], abs=1e-3)
    assert set(w) == {"a", "b", "bias"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--focus", "lots"], "--focus takes a number or 'fit', not 'lots'."),
        (["--focus", "nan"], "--focus takes a number or 'fit', not 'nan'."),
        (["--splits", "0"], "--splits must be at least 1."),
    ],
)
def test_calibrate_rejects_bad_settings_in_one_line(args: list[str], message: str) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "assistant", "calibrate", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert r.stderr.strip() == f"error: {message}"


def test_the_held_out_check_scores_each_half_with_weights_fitted_on_the_other(assistant) -> None:
    from assistant import retrieval
    from assistant.calibration import held_out, sentence_rows
    from assistant.devcli import DEFAULT_QUESTIONS
    from assistant.evaluation import load_questions

    questions = [q for q in load_questions(DEFAULT_QUESTIONS) if q["kind"] == "in"][:16]
    labelled = sentence_rows(assistant, questions)
    assert {r[0] for r in labelled} == {q["id"] for q in questions}
    assert all(len(r[1]) == len(retrieval.FEATURES) for r in labelled)
    before = dict(retrieval.WEIGHTS)
    halves = held_out(assistant, questions, labelled, splits=2)
    assert len(halves) == 4
    assert all(0.0 <= m["hit@1"] <= m["hit@3"] <= 1.0 for m in halves)
    assert before == retrieval.WEIGHTS  # the weights in use are restored
