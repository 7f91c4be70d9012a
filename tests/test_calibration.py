"""Calibration and the held-out evaluation: folds by family, the fits, the weights file, and
eval's one-line errors (the whole report is what `python -m tools eval` prints)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.answer import answerability
from assistant.search import scoring
from assistant.types import Evidence, Hit, Passage, Query, ScoredSentence
from assistant.weights import PATH, Weights, load, save
from tests.helpers import ROOT
from tools import calibration
from tools.calibration import Case


def case(i: int, answerable: bool, sim: float, family: str = "") -> Case:
    """A labelled question whose best sentence has similarity `sim`."""
    text = "This sentence is long enough to be quoted as an answer."
    p = Passage("corpus/a.txt", "A", "", text, 0, len(text))
    features = tuple(sim if n in ("sim", "focus", "centered") else 0.0 for n in scoring.FEATURES)
    evidence = Evidence(
        "q", (Hit("p", p, 0.1, sim, 1.0),), (ScoredSentence("p", p, 0.5, sim, 0.0, features),)
    )
    row = {"id": str(i), "family": family or f"f{i}", "kind": "in" if answerable else "out"}
    row |= {"q": "q", "expect": ["long enough"] if answerable else []}
    return Case("c", row, Query("q", "q", ""), evidence)


@pytest.mark.unit
def test_every_family_falls_in_exactly_one_fold() -> None:
    cases = [case(i, i % 2 == 0, 0.5, family=f"f{i // 3}") for i in range(30)]
    folds = calibration._folds(cases, 4)
    families = {c.row["family"] for c in cases}
    assert set().union(*folds) == families and sum(map(len, folds)) == len(families)
    assert calibration._folds(cases, 4) == folds  # a fixed seed: runs compare


@pytest.mark.unit
def test_the_answer_decision_learns_to_refuse_weak_evidence() -> None:
    cases = [case(i, True, 0.55 + 0.01 * (i % 30)) for i in range(60)]
    cases += [case(100 + i, False, 0.2 + 0.01 * (i % 25)) for i in range(40)]
    weights, threshold = calibration.fit_answer(cases, load(), frozenset(answerability.FEATURES))
    assert weights["sim"] > 0 and 0.0 < threshold < 1.0
    fitted = load().with_(answer=weights, answer_threshold=threshold)
    decide = [calibration.answer_case(c, fitted).refused for c in cases]
    assert decide == [not c.answerable for c in cases]  # separable: no errors


@pytest.mark.unit
def test_a_switched_off_signal_counts_zero_and_gets_no_weight() -> None:
    cases = [case(i, i < 30, 0.2 + 0.01 * i) for i in range(60)]
    use = frozenset(answerability.FEATURES) - {"sim"}
    weights, _ = calibration.fit_answer(cases, load(), use)
    assert weights["sim"] == 0.0


@pytest.mark.integration
def test_cross_validation_never_trains_on_a_held_out_family(labelled_cases, monkeypatch) -> None:
    trained: dict[int, tuple[set[tuple[str, str]], set[str]]] = {}  # weights -> its training
    answered: list[tuple[Case, int]] = []
    alive: list[object] = []
    fit_all, answer_case = calibration.fit_all, calibration.answer_case

    def fit_recording(train, base, use=calibration.RULES):  # noqa: ANN001, ANN202
        weights = fit_all(train, base, use)
        alive.append(weights)  # (an id is only unique while its object lives)
        trained[id(weights)] = (
            {(c.corpus, c.row["family"]) for c in train},
            {c.corpus for c in train},
        )
        return weights

    def answer_recording(c, weights, rules=calibration.RULES):  # noqa: ANN001, ANN202
        answered.append((c, id(weights)))
        return answer_case(c, weights, rules)

    monkeypatch.setattr(calibration, "fit_all", fit_recording)
    monkeypatch.setattr(calibration, "answer_case", answer_recording)
    report = calibration.cross_validate(labelled_cases, load(), k=3)
    names = {c.corpus for c in labelled_cases}
    assert set(report) == names and len(names) >= 3
    assert len(trained) == len(names) * 4  # 3 family folds and one corpus left out, each
    for name, entry in report.items():
        own = [c for c in labelled_cases if c.corpus == name]
        assert sorted(c.row["id"] for c, _ in entry["answers"]) == sorted(c.row["id"] for c in own)
        assert entry["corpus_out"]["questions"] == len(own)
    # Every question is answered twice (its family fold, its corpus left out), each time with
    # weights whose training never held its family; other corpora always helped train.
    assert len(answered) == 2 * len(labelled_cases)
    for c, weights in answered:
        families, corpora = trained[weights]
        assert (c.corpus, c.row["family"]) not in families
        assert corpora - {c.corpus}


@pytest.mark.unit
def test_the_weights_file_round_trips_and_ships_every_weight(tmp_path: Path) -> None:
    shipped = load()
    assert set(shipped.sentence) == {*scoring.FEATURES, "bias"}
    assert set(shipped.answer) == {*answerability.FEATURES, "bias"}
    assert 0.0 < shipped.answer_threshold < 1.0 and shipped.grounding
    about = json.loads(PATH.read_text("utf-8"))["about"]
    assert {"fitted_on", "held_out"} <= set(about)  # what it came from, and how it holds out
    target = tmp_path / "weights.json"
    changed = shipped.with_(answer_threshold=0.25)
    save(changed, {"note": "test"}, target)
    assert load(target) == changed and isinstance(load(target), Weights)


@pytest.mark.integration
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["eval", "--without", "nonsense"], "unknown rule 'nonsense'; rules: "),
        (["calibrate", "--grounding", "/nonexistent.jsonl"], "cannot read /nonexistent.jsonl"),
    ],
)
def test_eval_and_calibrate_fail_in_one_line(args: list[str], message: str) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "tools", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1
    assert r.stderr.strip().startswith(f"error: {message}")
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.unit
def test_eval_writes_its_tables_between_the_markers(tmp_path: Path) -> None:
    from tools.devcli import write_docs

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "answering.md").write_text(
        "before\n<!-- eval:held-out -->\nSTALE\n<!-- /eval:held-out -->\nafter\n"
    )
    (tmp_path / "README.md").write_text("a\n<!-- eval:summary -->\nSTALE\n<!-- /eval:summary -->\n")
    row = {
        "corpus": "demo",
        "held_out": "5 family folds",
        "hit@1": 0.5,
        "hit@3": 0.75,
        "answerable_refused": 1,
        "answerable": 8,
        "unanswerable_answered": 2,
        "unanswerable": 4,
    }
    assert write_docs([row], tmp_path) == ["README.md", "docs/answering.md"]
    readme = (tmp_path / "README.md").read_text()
    assert "| demo (12 questions) | 0.5 | 0.75 | 1/8 | 2/4 |" in readme and "STALE" not in readme
    docs = (tmp_path / "docs" / "answering.md").read_text()
    assert docs.startswith("before\n") and docs.endswith("after\n") and "STALE" not in docs
    assert "demo         5 family folds" in docs
