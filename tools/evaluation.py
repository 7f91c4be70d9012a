"""Evaluation: answer a labelled question file and measure the answers.

Does: run questions through `Assistant.ask` and compute the metrics of
../shared/tools/score.py (hit@1, hit@3, quote length, refusals, quote validity, dangling
references, latency). A question line is `{"id", "kind": "in"|"out", "q", "expect": [...]}`.
Does not: tune anything, or hold anything out: `python -m tools eval` without
`--questions` reports held-out figures (calibration.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.api import Assistant
from assistant.types import Answer


@dataclass(frozen=True)
class Result:
    row: dict[str, Any]
    answer: Answer


def load_questions(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def run(assistant: Assistant, rows: Iterable[dict[str, Any]]) -> list[Result]:
    return [Result(r, assistant.ask(r["q"], r.get("history", []))) for r in rows]


def hit(result: Result, k: int) -> bool:
    quotes = [c.quote for c in result.answer.citations[:k]]
    return any(e in q for q in quotes for e in result.row.get("expect", []))


def metrics(results: list[Result], root: Path = Path(".")) -> dict[str, Any]:
    texts: dict[str, str] = {}

    def valid(c: Any) -> bool:
        name = c.text_file or c.source
        if name not in texts:
            f = root / name
            texts[name] = f.read_text(encoding="utf-8") if f.is_file() else ""
        return bool(c.quote) and texts[name][c.start : c.end] == c.quote

    ins = [r for r in results if r.row["kind"] == "in"]
    outs = [r for r in results if r.row["kind"] == "out"]
    quotes = [c for r in results for c in r.answer.citations]
    lengths = [len(c.quote) for r in ins for c in r.answer.citations[:3]]
    lat = sorted(r.answer.timings_ms.get("total", 0.0) for r in results)
    dangling = 0
    for r in results:
        ns = {c.n for c in r.answer.citations}
        dangling += any(int(m) not in ns for m in re.findall(r"\[(\d+)\]", r.answer.answer))
    return {
        "questions": len(results),
        "hit@1": round(sum(hit(r, 1) for r in ins) / max(1, len(ins)), 3),
        "hit@3": round(sum(hit(r, 3) for r in ins) / max(1, len(ins)), 3),
        "mean_quote_chars": round(sum(lengths) / max(1, len(lengths))),
        "refusal_acc_out": round(
            sum(r.answer.refused and not r.answer.citations for r in outs) / max(1, len(outs)), 3
        ),
        "false_refusals_in": sum(r.answer.refused for r in ins),
        "bad_quotes": sum(not valid(c) for c in quotes),
        "quotes": len(quotes),
        "dangling_refs": dangling,
        "p50_ms": lat[len(lat) // 2] if lat else 0.0,
        "p95_ms": lat[int(len(lat) * 0.95)] if lat else 0.0,
    }


def failures(results: list[Result]) -> list[str]:
    """One line per question that missed: for reading, not for scoring."""
    out = []
    for r in results:
        a = r.answer
        if r.row["kind"] == "out" and not a.refused:
            out.append(f"{r.row.get('id')}: answered an unanswerable question: {r.row['q']}")
        elif r.row["kind"] == "in" and a.refused:
            out.append(f"{r.row.get('id')}: refused: {r.row['q']}")
        elif r.row["kind"] == "in" and not hit(r, 1):
            first = a.citations[0].quote[:70] if a.citations else ""
            miss = "miss@3" if not hit(r, 3) else "miss@1"
            out.append(f"{r.row.get('id')}: {miss}: {r.row['q']} -> {first!r}")
    return out
