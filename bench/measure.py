"""Measuring helpers for the bench: run a command and read its time and peak memory, the
labelled questions, percentiles and hit rates.

Does: `measured` runs a command in a fresh interpreter (a small wrapper reports its peak RSS),
`env` is a clean environment for it, `questions` the seed collection's labelled questions,
`pct` a percentile, `hits` hit@1/hit@3 of answers' quotes, `interpreter_start` the floor.
Does not: measure anything itself.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
BATCH = Settings().batch_size  # the raw encodes a bench compares with use what ingest uses
QUESTIONS = ROOT / "tests" / "corpora" / "seeds" / "questions.jsonl"
FRESH = QUESTIONS.with_name("fresh.jsonl")  # written after the engine, never fitted on
WRAP = (
    "import resource, subprocess, sys\n"
    "p = subprocess.run(sys.argv[1:])\n"
    "print('__RSS_KB__', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(p.returncode)\n"
)


def env(**extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    e.update(HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False", GRADIO_ANALYTICS_ENABLED="False")
    e.update(extra)
    return e


def measured(args: list[str], extra: dict[str, str], stdin: str | None = None) -> dict[str, Any]:
    """Run a command; wall seconds, stdout and its peak RSS in MB."""
    t0 = time.perf_counter()
    p = subprocess.run(
        [PY, "-c", WRAP, PY, *args],
        cwd=ROOT,
        env=env(**extra),
        input=stdin,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    rss = next(
        (int(line.split()[1]) for line in p.stderr.splitlines() if line.startswith("__RSS_KB__")), 0
    )
    if p.returncode != 0:
        raise RuntimeError(f"{args} failed: {p.stderr[-800:]}")
    return {"seconds": seconds, "stdout": p.stdout, "rss_mb": round(rss / 1024, 1)}


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * q))], 2) if values else 0.0


def questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def hits(rows: list[dict[str, Any]], quotes: list[list[str]]) -> dict[str, float]:
    pairs = [(r, q) for r, q in zip(rows, quotes, strict=True) if r["kind"] == "in"]
    h1 = sum(any(e in q[0] for e in r["expect"]) for r, q in pairs if q)
    h3 = sum(any(e in x for x in q[:3] for e in r["expect"]) for r, q in pairs)
    return {"hit@1": round(h1 / len(pairs), 3), "hit@3": round(h3 / len(pairs), 3)}


# --- the pieces ----------------------------------------------------------------------------


def interpreter_start() -> float:
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([PY, "-c", "pass"], check=True)
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)
