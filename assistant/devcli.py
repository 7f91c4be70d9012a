"""Developer commands: `python -m assistant eval`, `calibrate` and `export-model`.

Does: score a labelled question set, fit the sentence-scoring and grounding weights (printed,
never written), and export the packaged model to ONNX at set-up; same argument parsing and
one-line errors as the user commands in cli.py.
Does not: change any file but the exported model.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

from assistant.cli import Parser, fail, open_assistant
from assistant.errors import AssistantError
from assistant.settings import Settings

DEFAULT_QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "eval" / "questions.jsonl"
DEFAULT_GROUNDING = DEFAULT_QUESTIONS.with_name("grounding.jsonl")


def _assistant_and_questions(path: Path):  # noqa: ANN202 - imports kept lazy
    """The assistant over the index, and a labelled question file, for eval and calibrate."""
    from assistant import evaluation

    assistant = open_assistant(Settings.from_env())
    try:
        return assistant, evaluation.load_questions(path)
    except (OSError, ValueError) as e:
        raise AssistantError(f"cannot read {path}: {e}") from None


def eval_main(argv: Sequence[str]) -> int:
    parser = Parser(prog="python -m assistant eval", description="Score a labelled question set.")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    parser.add_argument("--failures", action="store_true", help="list the questions that missed")
    args = parser.parse_args(argv)
    from assistant import evaluation

    try:
        assistant, rows = _assistant_and_questions(args.questions)
    except AssistantError as e:
        return fail(str(e))
    assistant.warm()
    results = evaluation.run(assistant, rows)
    m = evaluation.metrics(results)
    if args.json:
        print(json.dumps(m))
    else:
        width = max(len(k) for k in m)
        for key, value in m.items():
            print(f"{key:<{width}}  {value}")
    if args.failures:
        for line in evaluation.failures(results):
            print(line)
    return 0


def _calibrate_grounding(path: Path, l2: float) -> int:
    from assistant import calibration, evaluation
    from assistant.embedding import Embedder

    try:
        pairs = evaluation.load_questions(path)
    except (OSError, ValueError) as e:
        return fail(f"cannot read {path}: {e}")
    settings = Settings.from_env()
    r = calibration.grounding_report(Embedder(settings.batch_size, settings.backend), pairs, l2)
    print(f"{r['pairs']} labelled pairs; accuracy on each half when fitted on the other: ", end="")
    print(" and ".join(str(h) for h in r["halves"]))
    print(f"weights fitted on all pairs, l2={l2} (copy into grounding.WEIGHTS):")
    print(json.dumps(r["weights"], indent=4))
    print(f"\n{len(r['wrong'])} pairs judged wrongly with these weights:")
    for sentence, supported in r["wrong"]:
        print(f"  {'supported' if supported else 'unsupported':11}  {sentence}")
    return 0


def calibrate_main(argv: Sequence[str]) -> int:
    parser = Parser(
        prog="python -m assistant calibrate",
        description="Fit sentence-scoring weights and show the refusal threshold's margins.",
    )
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--l2", type=float, default=None, help="regularisation strength")
    parser.add_argument(
        "--focus",
        default=None,
        help="the focus feature's set weight, or 'fit' to fit it like the others",
    )
    parser.add_argument(
        "--splits", type=int, default=None, help="random half/half splits in the held-out check"
    )
    parser.add_argument(
        "--grounding",
        nargs="?",
        type=Path,
        const=DEFAULT_GROUNDING,
        help="fit the grounding check instead, on labelled (sentence, quote) pairs",
    )
    args = parser.parse_args(argv)
    from assistant import calibration

    if args.grounding is not None:
        l2 = calibration.GROUNDING_L2 if args.l2 is None else args.l2
        return _calibrate_grounding(args.grounding, l2)

    fixed = dict(calibration.FIXED)
    if args.focus == "fit":
        fixed.pop("focus", None)
    elif args.focus is not None:
        try:
            fixed["focus"] = float(args.focus)
        except ValueError:
            fixed["focus"] = math.nan
        if not math.isfinite(fixed["focus"]):
            return fail(f"--focus takes a number or 'fit', not {args.focus!r}.", 2)
    splits = calibration.SPLITS if args.splits is None else args.splits
    if splits < 1:
        return fail("--splits must be at least 1.", 2)
    l2 = calibration.L2 if args.l2 is None else args.l2
    try:
        assistant, questions = _assistant_and_questions(args.questions)
    except AssistantError as e:
        return fail(str(e))
    assistant.warm()
    r = calibration.report(assistant, questions, l2, fixed, splits)
    n = len(r["halves"])
    for k in ("hit@1", "hit@3"):
        values = [m[k] for m in r["halves"]]
        print(
            f"held out ({n} halves of {splits} random splits, each fitted on the other half): "
            f"{k} mean {sum(values) / n:.3f}, lowest {min(values):.3f}, highest {max(values):.3f}"
        )
    print(f"set weights: {json.dumps(r['fixed'])}")
    print(f"weights fitted on all questions, l2={r['l2']} (copy into retrieval.WEIGHTS):")
    print(json.dumps(r["weights"], indent=4))
    print("\nbest sentence similarity per question, and rare words the articles lack:")
    for sim, kind, q, rare, ruled in r["similarities"]:
        missing = f"   [missing: {', '.join(rare)}]" if rare else ""
        print(
            f"{sim:6.3f}  {kind:3}  {q}{missing}"
            + ("  (refused as a remedy question)" if ruled else "")
        )
    for c in r["cuts"]:
        print(
            f"{c['name']} = {c['now']}: highest unanswerable {c['highest_unanswerable']:.3f}, "
            f"lowest answerable {c['lowest_answerable']:.3f}; fewest errors ({c['errors']}) "
            f"at {c['best']}"
        )
    return 0


def export_main(argv: Sequence[str]) -> int:
    parser = Parser(
        prog="python -m assistant export-model",
        description="Export the packaged model to ONNX once (make setup runs this).",
    )
    parser.parse_args(argv)
    from assistant.embedding import export

    try:
        folder = export()
    except Exception as e:  # torch/onnx errors are not ours to word; keep them to one line
        return fail(f"could not export the model to ONNX ({type(e).__name__}: {e}).")
    print(f"ONNX model ready in {folder}")
    return 0


COMMANDS = {"eval": eval_main, "calibrate": calibrate_main, "export-model": export_main}
