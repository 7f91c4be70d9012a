"""Developer commands: `python -m tools eval` and `python -m tools calibrate`.

Does: report held-out quality on the labelled corpora (eval), fit the weights and write
assistant/model/weights.json (calibrate); same argument parsing and one-line errors as the
user commands in assistant/present/cli.py.
Does not: ship with the package (it lives outside it, beside its data in tests/corpora), or
change any file but weights.json and the eval indexes.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from assistant.errors import AssistantError
from assistant.present.cli import Parser, fail, open_assistant
from assistant.settings import Settings
from assistant.weights import PATH

DEFAULT_GROUNDING = Path(__file__).resolve().parent.parent / "tests" / "eval" / "grounding.jsonl"
EVAL_INDEX = Path(".eval-index")  # one index per labelled corpus, kept between runs
COLUMNS = (
    ("corpus", "corpus", 11),
    ("held_out", "held out", 16),
    ("hit@1", "hit@1", 6),
    ("hit@1 worst", "worst", 6),
    ("hit@3", "hit@3", 6),
    ("hit@3 worst", "worst", 6),
    ("answerable_refused", "in refused", 10),
    ("unanswerable_answered", "out answered", 12),
    ("follow_ups_hit@3", "follow-ups@3", 12),
    ("mean_quote_chars", "quote", 5),
)


def _table(rows: list[dict]) -> str:
    """The held-out summary as aligned text (README and docs take it as it is)."""
    lines = ["  ".join(f"{title:<{w}}" for _, title, w in COLUMNS)]
    for r in rows:
        cells = []
        for key, _, w in COLUMNS:
            if key == "answerable_refused":
                value = f"{r[key]}/{r['answerable']}"
            elif key == "unanswerable_answered":
                value = f"{r[key]}/{r['unanswerable']}"
            else:
                value = r.get(key, "")
            cells.append(f"{value!s:<{w}}")
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


ROOT = Path(__file__).resolve().parent.parent


def _summary_table(rows: list[dict]) -> str:
    """The README's short table: each corpus's 5-family-fold row."""
    lines = [
        "| collection (held out) | hit@1 | hit@3 | answerable refused | unanswerable answered |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        if r["held_out"].endswith("family folds"):
            lines.append(
                f"| {r['corpus']} ({r['answerable'] + r['unanswerable']} questions) | "
                f"{r['hit@1']} | {r['hit@3']} | {r['answerable_refused']}/{r['answerable']} | "
                f"{r['unanswerable_answered']}/{r['unanswerable']} |"
            )
    return "\n".join(lines)


def write_docs(rows: list[dict], root: Path = ROOT) -> list[str]:
    """Put the held-out tables between their markers (`<!-- eval:NAME -->` ...
    `<!-- /eval:NAME -->`) in docs/answering.md (the whole table) and README.md (the short
    one), so the figures there are this run's, never copied by hand. The files written."""
    blocks = {"held-out": f"```\n{_table(rows)}\n```", "summary": _summary_table(rows)}
    from tools.markers import fill

    names = ("docs/answering.md", "README.md")
    return sorted(name for name in names if fill(root / name, "eval", blocks))


def _rules(names: str | None) -> frozenset[str]:
    from assistant.answer.compose import RULES
    from tools.calibration import QUERY_RULES

    known = RULES | QUERY_RULES
    off = {n.strip() for n in (names or "").split(",") if n.strip()}
    unknown = off - known
    if unknown:
        raise AssistantError(
            f"unknown rule {sorted(unknown)[0]!r}; rules: {', '.join(sorted(known))}."
        )
    return known - off


def _held_out(
    rules: frozenset[str], only: Sequence[str], log: bool = True, distractors: int = 0
) -> tuple:
    """The labelled cases (retrieval done once) and their cross-validated report."""
    from assistant.weights import load
    from tools import calibration

    settings = Settings.from_env()
    base = load()
    say = (lambda m: print(m, file=sys.stderr)) if log else (lambda _: None)
    query_rules = rules & calibration.QUERY_RULES
    cases = calibration.collect(settings, base, EVAL_INDEX, only, query_rules, say)
    if not cases:
        raise AssistantError("no labelled corpus found (tests/corpora/*/questions.jsonl).")
    scored = ()
    if distractors:  # fitted on the corpora alone, as calibrate fits; asked among distractors
        scored = calibration.collect(
            settings, base, EVAL_INDEX, only, query_rules, say, distractors=distractors
        )
    return cases, calibration.cross_validate(cases, base, rules, scored=scored)


def _fresh(rules: frozenset[str], only: Sequence[str], as_json: bool, failures: bool) -> int:
    """The shipped weights on the questions written after the engine, corpus by corpus."""
    from assistant.weights import load
    from tools import calibration

    say = lambda m: print(m, file=sys.stderr)  # noqa: E731
    query_rules = rules & calibration.QUERY_RULES
    weights = load()
    cases = calibration.collect(
        Settings.from_env(),
        weights,
        EVAL_INDEX,
        only,
        query_rules,
        say,
        questions=calibration.FRESH,
    )
    if not cases:
        raise AssistantError("no fresh questions found (tests/corpora/*/fresh.jsonl).")
    report = calibration.shipped(cases, weights, rules)
    rows = [
        {"corpus": name, "held_out": "written after", **entry["pooled"]}
        for name, entry in report.items()
    ]
    for row in rows:
        if not row["follow_ups"]:
            row["follow_ups_hit@3"] = "–"
    print(json.dumps(rows) if as_json else _table(rows))
    if failures:
        for line in _failures(report):
            print(line)
    return 0


def _failures(report: dict) -> list[str]:
    from tools.calibration import hit

    out = []
    for name, entry in report.items():
        for case, a in entry["answers"]:
            row = case.row
            tag = f"{name}/{row['id']}"
            if not case.answerable and (not a.refused or a.citations):
                first = a.citations[0].quote[:70] if a.citations else ""
                out.append(f"{tag}: answered an unanswerable question: {row['q']} -> {first!r}")
            elif case.answerable and a.refused:
                out.append(f"{tag}: refused: {row['q']} [{case.query.searched_for}]")
            elif case.answerable and not hit(case, a, 1):
                first = a.citations[0].quote[:70] if a.citations else ""
                miss = "miss@3" if not hit(case, a, 3) else "miss@1"
                out.append(f"{tag}: {miss}: {row['q']} -> {first!r}")
    return out


def eval_main(argv: Sequence[str]) -> int:
    parser = Parser(
        prog="python -m tools eval",
        description="Held-out quality on the labelled corpora (tests/corpora), or the shipped "
        "weights on one question file (--questions).",
    )
    parser.add_argument("--questions", type=Path, help="score this file on the current index")
    parser.add_argument("--corpus", action="append", default=[], help="only this corpus")
    parser.add_argument("--without", help="switch rules off, comma-separated (refits)")
    parser.add_argument("--ablate", action="store_true", help="each rule off in turn")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    parser.add_argument("--failures", action="store_true", help="list the questions that missed")
    parser.add_argument(
        "--distractors",
        type=int,
        default=0,
        metavar="N",
        help="ask each corpus's questions among N unrelated synthetic passages (fitted alone)",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="the shipped weights, as they are, on the questions written after the engine "
        "(tests/corpora/*/fresh.jsonl; never fitted on)",
    )
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="put the table into docs/answering.md and README.md (all corpora, all rules)",
    )
    args = parser.parse_args(argv)
    try:
        if args.questions is not None:
            return _eval_file(args.questions, args.json, args.failures)
        rules = _rules(args.without)
        from tools import calibration

        if args.fresh:
            return _fresh(rules, args.corpus, args.json, args.failures)
        cases, report = _held_out(rules, args.corpus, distractors=args.distractors)
        rows = calibration.summary(report)
        if args.json:
            print(json.dumps(rows))
        else:
            print(_table(rows))
        if args.write_docs:
            if args.without or args.corpus:
                raise AssistantError("--write-docs takes the whole table: no --without, --corpus.")
            print(f"wrote the table into {', '.join(write_docs(rows))}")
        if args.failures:
            for line in _failures(report):
                print(line)
        if args.ablate:
            _ablate(cases, rules)
    except AssistantError as e:
        return fail(str(e))
    return 0


def _overall(rows: list[dict]) -> dict[str, float]:
    """One line for a whole report: hit@1, hit@3 and follow-ups@3 averaged over every held-out
    row (family folds and corpus left out, every corpus), and the family folds' refusal
    errors added up."""
    folds = [r for r in rows if r["held_out"] != "corpus left out"]
    return {
        "hit@1": round(sum(r["hit@1"] for r in rows) / len(rows), 3),
        "hit@3": round(sum(r["hit@3"] for r in rows) / len(rows), 3),
        "in refused": sum(r["answerable_refused"] for r in folds),
        "out answered": sum(r["unanswerable_answered"] for r in folds),
        "follow-ups@3": round(sum(r["follow_ups_hit@3"] for r in rows) / len(rows), 3),
    }


def _ablate(cases: list, rules: frozenset[str]) -> None:
    """Each rule off in turn, refitted and held out: the with/without table."""
    from assistant.weights import load
    from tools import calibration

    base = load()
    header = ("rule switched off", "hit@1", "hit@3", "in refused", "out answered", "follow-ups@3")
    print("\n" + "  ".join(f"{h:<18}" if i == 0 else f"{h:<12}" for i, h in enumerate(header)))

    def line(name: str, report: dict) -> None:
        o = _overall(calibration.summary(report))
        print(f"{name:<18}  " + "  ".join(f"{v!s:<12}" for v in o.values()))

    line("(none)", calibration.cross_validate(cases, base, rules))
    for rule in sorted(rules):
        if rule in calibration.QUERY_RULES:
            part = calibration.collect(
                Settings.from_env(),
                base,
                EVAL_INDEX,
                (),
                (rules - {rule}) & calibration.QUERY_RULES,
            )
            report = calibration.cross_validate(part, base, rules - {rule})
        else:
            report = calibration.cross_validate(cases, base, rules - {rule})
        line(rule, report)


def _eval_file(path: Path, as_json: bool, failures: bool) -> int:
    from tools import evaluation

    assistant = open_assistant(Settings.from_env())
    try:
        rows = evaluation.load_questions(path)
    except (OSError, ValueError) as e:
        raise AssistantError(f"cannot read {path}: {e}") from None
    assistant.warm()
    results = evaluation.run(assistant, rows)
    m = evaluation.metrics(results)
    if as_json:
        print(json.dumps(m))
    else:
        width = max(len(k) for k in m)
        for key, value in m.items():
            print(f"{key:<{width}}  {value}")
    if failures:
        for line in evaluation.failures(results):
            print(line)
    return 0


def _calibrate_grounding(path: Path, l2: float) -> int:
    from assistant.embedding import Embedder
    from assistant.weights import load, save
    from tools import calibration, evaluation

    try:
        pairs = evaluation.load_questions(path)
    except (OSError, ValueError) as e:
        return fail(f"cannot read {path}: {e}")
    settings = Settings.from_env()
    r = calibration.grounding_report(Embedder(settings.batch_size, settings.backend), pairs, l2)
    print(f"{r['pairs']} labelled pairs; accuracy on each half when fitted on the other: ", end="")
    print(" and ".join(str(h) for h in r["halves"]))
    print(f"weights fitted on all pairs, l2={l2} (written to weights.json):")
    print(json.dumps(r["weights"], indent=4))
    print(f"\n{len(r['wrong'])} pairs judged wrongly with these weights:")
    for sentence, supported in r["wrong"]:
        print(f"  {'supported' if supported else 'unsupported':11}  {sentence}")
    current = load()
    about = json.loads(PATH.read_text("utf-8")).get("about", {})
    about["grounding"] = {"pairs": r["pairs"], "l2": l2, "held_out_halves": r["halves"]}
    save(current.with_(grounding=r["weights"]), about)
    return 0


def calibrate_main(argv: Sequence[str]) -> int:
    parser = Parser(
        prog="python -m tools calibrate",
        description="Fit the sentence scorer and the answer/refuse decision on every labelled "
        "corpus and write them, with their held-out figures, to assistant/model/weights.json.",
    )
    parser.add_argument(
        "--grounding",
        nargs="?",
        type=Path,
        const=DEFAULT_GROUNDING,
        help="fit the grounding check instead, on labelled (sentence, quote) pairs",
    )
    parser.add_argument("--l2", type=float, default=None, help="grounding regularisation")
    args = parser.parse_args(argv)
    from tools import calibration

    if args.grounding is not None:
        l2 = calibration.GROUNDING_L2 if args.l2 is None else args.l2
        return _calibrate_grounding(args.grounding, l2)
    try:
        from assistant.answer.compose import RULES
        from assistant.weights import load, save

        cases, report = _held_out(RULES | calibration.QUERY_RULES, ())
        rows = calibration.summary(report)
        weights = calibration.fit_all(cases, load())
        counts = {}
        for c in cases:
            n = counts.setdefault(c.corpus, {"in": 0, "out": 0, "families": set()})
            n["in" if c.answerable else "out"] += 1
            n["families"].add(c.row["family"])
        about = json.loads(PATH.read_text("utf-8")).get("about", {})
        about.update(
            {
                "fitted_on": {
                    k: {"in": v["in"], "out": v["out"], "families": len(v["families"])}
                    for k, v in counts.items()
                },
                "held_out": rows,
                "sentence_c": calibration.SENTENCE_C,
                "answer_c": calibration.ANSWER_C,
            }
        )
        about.pop("note", None)
        save(weights, about)
    except AssistantError as e:
        return fail(str(e))
    print(_table(rows))
    print(f"\nwrote {PATH}")
    return 0


COMMANDS = {"eval": eval_main, "calibrate": calibrate_main}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        names = ", ".join(COMMANDS)
        print(f"usage: python -m tools {{{names}}} ...  (each takes --help)")
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    return COMMANDS[argv[0]](argv[1:])
