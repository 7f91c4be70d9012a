"""Where a warm question's time goes: `python -m bench.stages DB_DIR [DB_DIR ...] [--write-docs]`.

For each index (an on-disk one, or `--url URL` for a Chroma server), answers every labelled
question once warm and adds up the wall time of each stage (the Chroma reads, BM25, the model
calls, sentence features, scoring, the answer), by timing the functions that do them; prints a
table (ms per question, one column per index) and, with `--write-docs`, puts it into
docs/performance.md between its `<!-- bench:stages -->` markers.
Does not: change anything it times (the timers wrap the functions for this process only).
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import time
from pathlib import Path
from typing import Any

from bench.measure import questions

STAGES = (
    ("Chroma: nearest passages", "assistant.store.reader", "Reader", "nearest"),
    ("Chroma: which candidates it still holds", "assistant.store.reader", "Reader", "held"),
    ("Chroma: candidate passages by id", "assistant.store.reader", "Reader", "passages_by_id"),
    ("candidate passages (lexical index)", "assistant.store.lexical", "Lexical", "passages"),
    (
        "Chroma: sentences (an index without their vectors)",
        "assistant.store.reader",
        "Reader",
        "sentences_of",
    ),
    ("BM25", "assistant.store.lexical", "Lexical", "search"),
    ("sentence vectors (lexical index)", "assistant.store.lexical", "Lexical", "sentence_vectors"),
    ("words among the documents found", "assistant.store.lexical", "Lexical", "local"),
    ("spelling: the found documents' words", "assistant.store.lexical", "Lexical", "words_near"),
    ("model: the question and its focus", "assistant.search.retriever", None, "encode_question"),
    ("missing words (model call included)", "assistant.search.retriever", None, "weigh_missing"),
    ("sentence features", "assistant.search.retriever", None, "sentence_features"),
    ("sentence scoring", "assistant.search.retriever", None, "rank_sentences"),
    ("answer or refuse, quotes", "assistant.api", None, "compose"),
)


def measure(db: Path | None, url: str | None = None) -> dict[str, Any]:
    """Per-stage ms per question, and the whole question's p50/p95, for one index."""
    import importlib

    from assistant.api import build_assistant
    from assistant.settings import Settings, offline_environment

    offline_environment()
    assistant = build_assistant(Settings(db_dir=db or Path(".chroma"), chroma_url=url))
    assistant.warm()
    rows = questions()
    for r in rows[:10]:
        assistant.ask(r["q"])
    spent: dict[str, float] = {}
    undo = []
    for label, module, owner, name in STAGES:
        target: Any = importlib.import_module(module)
        if owner:
            target = getattr(target, owner)
        f = getattr(target, name)

        @functools.wraps(f)
        def timed(*a: Any, _f: Any = f, _label: str = label, **k: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return _f(*a, **k)
            finally:
                spent[_label] = spent.get(_label, 0.0) + (time.perf_counter() - t0) * 1000

        setattr(target, name, timed)
        undo.append((target, name, f))
    type(assistant.embedder)._cached_queries.cache_clear()
    totals = []
    try:
        for r in rows:
            t0 = time.perf_counter()
            assistant.ask(r["q"], r.get("history", []))
            totals.append((time.perf_counter() - t0) * 1000)
    finally:
        for target, name, f in undo:
            setattr(target, name, f)
    n = len(totals)
    totals.sort()
    stages = {label: round(spent.get(label, 0.0) / n, 2) for label, *_ in STAGES}
    stages["everything else (Python: fusion, follow-ups, spelling, ...)"] = round(
        statistics.mean(totals) - sum(stages.values()), 2
    )
    return {
        "passages": assistant.store.manifest.count(),
        "mode": "server" if url else "embedded",
        "mean_ms": round(statistics.mean(totals), 2),
        "p50_ms": round(totals[n // 2], 2),
        "p95_ms": round(totals[int(n * 0.95)], 2),
        "stages": stages,
    }


def table(runs: list[dict[str, Any]]) -> str:
    head = " | ".join(f"{r['passages']:,} passages, {r['mode']}" for r in runs)
    lines = [f"| ms per question | {head} |", "| --- |" + " --- |" * len(runs)]
    for label in runs[0]["stages"]:
        lines.append(f"| {label} | " + " | ".join(f"{r['stages'][label]}" for r in runs) + " |")
    lines.append(
        "| **whole question, mean** | " + " | ".join(f"{r['mean_ms']}" for r in runs) + " |"
    )
    lines.append(
        "| whole question, p50 / p95 | "
        + " | ".join(f"{r['p50_ms']} / {r['p95_ms']}" for r in runs)
        + " |"
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stages", description=__doc__)
    parser.add_argument("db", nargs="*", type=Path, help="on-disk index folders")
    parser.add_argument("--url", action="append", default=[], help="a Chroma server's URL")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    runs = [measure(db) for db in args.db] + [measure(None, url) for url in args.url]
    print(json.dumps(runs))
    text = table(runs)
    print(text)
    if args.write_docs:
        from bench.report import DOCS
        from tools.markers import fill

        print("wrote", fill(DOCS, "bench", {"stages": text}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
