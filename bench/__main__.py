"""`python -m bench [--sizes 1000,10000,100000] [--no-server] [--quick]`: measure everything
docs/performance.md reports, in one run on this machine; print a table and write
bench/results/latest.json.

Measures: ingest (cold, warm, interpreter start), embedding throughput next to raw
SentenceTransformer.encode on the same texts, warm query latency next to one raw query encode
and next to the stock LangChain recipe (with each one's hit@1/hit@3 on the labelled set),
ingest throughput per document format (TXT, HTML, PDF, DOCX: extraction alone and the whole
ingest), the batch CLI's per-question time measured from outside, cold start of `ask` and of
the app, peak memory, the optional language-model writer (SmolLM2, when the `llm` extra is
installed), and ingest/query at 1k-100k synthetic passages, embedded and on a `chroma run` server.
Needs the `bench` extra (`make bench` installs it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.answers import (
    app_start,
    batch_from_outside,
    langchain_recipe,
    llm_writer,
    query_latency,
)
from bench.ingest import formats, ingest_real, throughput
from bench.measure import ROOT, env, interpreter_start
from bench.report import DOCS, table, write_docs
from bench.scale import table as scale_table


def small(tmp: Path) -> dict[str, Any]:
    """Every measurement but the scale runs, into one results dict."""
    results: dict[str, Any] = {}
    results["interpreter_start_s"] = round(interpreter_start(), 3)
    results["ingest"] = ingest_real(tmp)
    results["ingest"]["warm_beyond_interpreter_s"] = round(
        results["ingest"]["warm_s"] - results["interpreter_start_s"], 2
    )
    print("ingest", json.dumps(results["ingest"]), flush=True)
    from bench.synthetic import make_corpus

    results["throughput"] = throughput(make_corpus(tmp / "tp", 1000))
    print("throughput", json.dumps(results["throughput"]), flush=True)
    results["formats"] = formats(tmp)
    print("formats", json.dumps(results["formats"]), flush=True)
    db = results["ingest"]["db"]
    results["query"] = query_latency(db)
    print("query", json.dumps(results["query"]), flush=True)
    results["batch"] = batch_from_outside(db, results["query"]["raw_encode_torch_p50_ms"])
    print("batch", json.dumps(results["batch"]), flush=True)
    results["langchain"] = langchain_recipe()
    print("langchain", json.dumps(results["langchain"]), flush=True)
    results["llm"] = llm_writer(db)
    print("llm", json.dumps(results["llm"]), flush=True)
    results["app"] = app_start(db)
    print("app", json.dumps(results["app"]), flush=True)
    return results


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem / 2**20, 1),
        "python": platform.python_version(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--no-server", action="store_true", help="skip the Chroma server runs")
    parser.add_argument(
        "--server-sizes", default=None, help="sizes also run on a Chroma server (default: all)"
    )
    parser.add_argument("--quick", action="store_true", help="only the small measurements")
    parser.add_argument(
        "--scale-only",
        action="store_true",
        help="only the scale runs (--sizes, --server-sizes); other sizes keep their last rows",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep the scale runs' corpora, indexes and ingest figures in DIR; a later run "
        "with the same DIR measures only the serving of what it already ingested",
    )
    parser.add_argument(
        "--no-docs", action="store_true", help="do not write the tables into docs/performance.md"
    )
    args = parser.parse_args()
    os.environ.update(env())
    sizes = [] if args.quick else [int(s) for s in args.sizes.split(",") if s]
    results: dict[str, Any] = {"machine": machine(), "when": time.strftime("%Y-%m-%d %H:%M")}
    server_sizes = (
        set()
        if args.no_server
        else {int(x) for x in args.server_sizes.split(",") if x}
        if args.server_sizes is not None
        else set(sizes)
    )
    with tempfile.TemporaryDirectory(prefix="bench-") as d:
        tmp = Path(d)
        if not args.scale_only:
            results.update(small(tmp))
        from bench.scale import scale

        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
        results["scale"] = scale(sizes, server_sizes, args.keep or tmp, keep=bool(args.keep))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    if args.scale_only and (out / "latest.json").is_file():  # the other figures stay
        before = json.loads((out / "latest.json").read_text())
        run = {(r["passages"] // 1000, r["mode"]) for r in results["scale"]}
        kept = [r for r in before.get("scale", []) if (r["passages"] // 1000, r["mode"]) not in run]
        results = before | results  # and so do the scale rows of sizes not run this time
        results["scale"] = sorted(kept + results["scale"], key=lambda r: (r["passages"], r["mode"]))
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    print()
    print(table(results) if "query" in results else "\n".join(scale_table(results["scale"])))
    if not args.no_docs:
        print(f"\nwrote {', '.join(write_docs(results))} into {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
