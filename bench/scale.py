"""Scale runs: ingest and ask at 1k-100k synthetic passages, embedded and on a Chroma server.

For each size and mode, in fresh processes (`measured`: wall seconds and peak RSS):
  ingest       the whole corpus from nothing; on a server it is killed about halfway
               (`KILL_AT` of the embedded run's time) and run again, which must only embed
               what the stopped run had not written whole (`resumed_embedded`)
  warm ingest  nothing changed
  first answer a cold `ask` of one question: start-up (model, index, lexical index) to answer
  ask          `ask --json -` over every labelled question (follow-ups with their earlier
               questions): in-process p50/p95 of `timings_ms.total`, hit@1/hit@3,
               unanswerable questions refused, peak RSS; then over the questions written
               after the engine (seeds' fresh.jsonl): hit@3 and unanswerable refused
Size 0 is the articles alone, the reference the other sizes' quality is held against.
Does not: assert anything (the figures go to docs/performance.md).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

KILL_AT = 0.5


def _ask_figures(answers: list[dict[str, Any]], rows: list[dict[str, Any]]) -> dict[str, Any]:
    from bench.measure import hits, pct

    totals = [a["timings_ms"]["total"] for a in answers]
    quotes = [[c["quote"] for c in a.get("citations", [])] for a in answers]
    outs = [a for a, r in zip(answers, rows, strict=True) if r["kind"] == "out"]
    ins = [a for a, r in zip(answers, rows, strict=True) if r["kind"] == "in"]
    return {
        "query_p50_ms": pct(totals, 0.5),
        "query_p95_ms": pct(totals, 0.95),
        **hits(rows, quotes),
        "unanswerable_refused": round(sum(a["refused"] for a in outs) / max(1, len(outs)), 3),
        "answerable_refused": sum(a["refused"] for a in ins),
    }


def _killed_then_resumed(extra: dict[str, str], after_s: float) -> dict[str, Any]:
    """Start an ingest, kill it (SIGKILL) after `after_s` seconds, and run it again."""
    from bench.measure import PY, ROOT, env, measured

    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [PY, "ingest.py", "--json"],
        cwd=ROOT,
        env=env(**extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        proc.wait(timeout=after_s)
        killed = False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed = True
    first = time.perf_counter() - t0
    rest = measured(["ingest.py", "--json"], extra)
    report = json.loads(rest["stdout"].strip().splitlines()[-1])
    return {
        "seconds": first + rest["seconds"],
        "killed_after_s": round(first, 1) if killed else None,
        "resumed_embedded": report["embedded"],
        "rss_mb": rest["rss_mb"],
        "report": report,
    }


def _serving(extra: dict[str, str]) -> dict[str, Any]:
    """A warm re-ingest, a cold one-question `ask` and `ask --json -` over every labelled
    question against the index `extra` names, then over the questions written after the
    engine: their figures."""
    from bench.measure import FRESH, measured, questions

    rows = questions()
    warm = measured(["ingest.py", "--json"], extra)
    first = measured(["-m", "assistant", "ask", "--json", rows[0]["q"]], extra)
    ask, answers = _ask_all(rows, extra)
    fresh_rows = questions(FRESH)
    fresh = _ask_figures(_ask_all(fresh_rows, extra)[1], fresh_rows)
    return {
        "warm_ingest_s": round(warm["seconds"], 2),
        "first_answer_s": round(first["seconds"], 2),
        "first_answer_rss_mb": first["rss_mb"],
        "ask_process_s": round(ask["seconds"], 1),
        "ask_peak_rss_mb": ask["rss_mb"],
        "passages_served": json.loads(warm["stdout"].strip().splitlines()[-1])["passages"],
        **_ask_figures(answers, rows),
        "fresh_hit@3": fresh["hit@3"],
        "fresh_unanswerable_refused": fresh["unanswerable_refused"],
    }


def _ask_all(
    rows: list[dict[str, Any]], extra: dict[str, str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`ask --json -` over these questions in one process: its measurement and the answers.
    A follow-up goes with its conversation, as the contract's batch mode takes it."""
    from bench.measure import measured

    lines = [
        json.dumps({"question": r["q"], "history": r["history"]}) if r.get("history") else r["q"]
        for r in rows
    ]
    ask = measured(["-m", "assistant", "ask", "--json", "-"], extra, "\n".join(lines) + "\n")
    return ask, [json.loads(line) for line in ask["stdout"].splitlines() if line.strip()]


def scale(
    sizes: list[int], server_sizes: set[int], tmp: Path, *, keep: bool = False
) -> list[dict[str, Any]]:
    """Every size and mode. With `keep` (tmp is a folder kept between runs), a size and mode
    whose ingest an earlier run recorded there is not ingested again: its figures are read
    back and only the serving is measured, so a change to answering is measured at 100k
    without an hour of embedding."""
    from assistant.settings import Settings
    from bench.synthetic import make_corpus
    from tests.helpers import chroma_command, free_port, running

    results = []
    for size in sizes:
        modes = ["embedded"] + (["server"] if size in server_sizes else [])
        records = {mode: tmp / f"ingest-{size}-{mode}.json" for mode in modes}
        corpus = tmp / f"corpus-{size}"
        if not (keep and corpus.is_dir() and records["embedded"].is_file()):
            corpus = make_corpus(corpus, size)
            for record in records.values():
                record.unlink(missing_ok=True)
        embedded_s = 0.0
        for mode in modes:
            extra = {"ASSISTANT_CORPUS_DIR": str(corpus)}
            fresh = not records[mode].is_file()  # from nothing: what a stopped run left goes
            with contextlib.ExitStack() as stack:
                if mode == "server":
                    port = _port(tmp / f"port-{size}", keep, free_port)
                    url = f"http://127.0.0.1:{port}"
                    db, data = tmp / f"client-{size}", tmp / f"srv-{size}"
                    if fresh:
                        lexical = Settings(db_dir=db, chroma_url=url).lexical_dir
                        for folder in (data, db, lexical.parent):
                            shutil.rmtree(folder, ignore_errors=True)
                    chroma = chroma_command(data, port)
                    stack.enter_context(running(chroma, url + "/api/v2/heartbeat", timeout=600))
                    extra["ASSISTANT_CHROMA_URL"] = url
                else:
                    db = tmp / f"db-{size}"
                    if fresh:
                        shutil.rmtree(db, ignore_errors=True)
                extra["ASSISTANT_DB_DIR"] = str(db)
                if not fresh:
                    ingest = json.loads(records[mode].read_text())
                else:
                    ingest = _ingest(mode, extra, embedded_s)
                    records[mode].write_text(json.dumps(ingest))
                if mode == "embedded":
                    embedded_s = ingest["ingest_s"]
                serving = _serving(extra)
            results.append({"mode": mode, **ingest, **serving})
            print(json.dumps(results[-1]), flush=True)
    return results


def _port(record: Path, keep: bool, free_port: Callable[[], int]) -> int:
    """The server's port: with `keep`, the one an earlier run used (this machine's copy of
    the lexical index is named after the server's address, so a new port would rebuild it)."""
    import socket

    if keep and record.is_file():
        port = int(record.read_text())
        with socket.socket() as s, contextlib.suppress(OSError):
            s.bind(("127.0.0.1", port))
            return port
    port = free_port()
    record.write_text(str(port))
    return port


def _ingest(mode: str, extra: dict[str, str], embedded_s: float) -> dict[str, Any]:
    """Ingest from nothing (on a server: killed at `KILL_AT` of the embedded run's time and
    run again): the ingest columns of a scale row."""
    from bench.measure import measured

    resumed: dict[str, Any] = {}
    if mode == "server":
        run = _killed_then_resumed(extra, KILL_AT * embedded_s)
        seconds, rss, report = run["seconds"], run["rss_mb"], run["report"]
        resumed = {
            "killed_after_s": run["killed_after_s"],
            "resumed_embedded": run["resumed_embedded"],
        }
    else:
        ing = measured(["ingest.py", "--json"], extra)
        seconds, rss = ing["seconds"], ing["rss_mb"]
        report = json.loads(ing["stdout"].strip().splitlines()[-1])
    return {
        "passages": report["passages"],
        "ingest_s": round(seconds, 1),
        "ingest_passages_per_s": round(report["passages"] / seconds, 1),
        "ingest_peak_rss_mb": rss,
        **resumed,
    }


def table(scale: list[dict[str, Any]]) -> list[str]:
    """The Scale section of docs/performance.md."""
    lines = [
        "| passages | mode | ingest | passages/s | ingest RSS | warm ingest | start-up to "
        "first answer | query p50 / p95 | serving RSS | hit@1 / hit@3 | unanswerable refused "
        "| written after: hit@3 / refused |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in scale:
        if s.get("served_copy"):
            lines.append(
                f"| {s['passages']:,} | {s['mode']} | (serves a copy of the embedded run's files) "
                f"| | | {s['warm_ingest_s']} s | {s['first_answer_s']} s | {s['query_p50_ms']} / "
                f"{s['query_p95_ms']} ms | {s['ask_peak_rss_mb']} MB | {s['hit@1']} / "
                f"{s['hit@3']} | {s['unanswerable_refused']} | {_fresh(s)} |"
            )
            continue
        ingest = f"{s['ingest_s']} s"
        if s.get("killed_after_s"):
            ingest += (
                f" (killed at {s['killed_after_s']} s; the rerun embedded "
                f"{s['resumed_embedded']:,})"
            )
        lines.append(
            f"| {s['passages']:,} | {s['mode']} | {ingest} | {s['ingest_passages_per_s']} | "
            f"{s['ingest_peak_rss_mb']} MB | {s['warm_ingest_s']} s | {s['first_answer_s']} s "
            f"| {s['query_p50_ms']} / {s['query_p95_ms']} ms | {s['ask_peak_rss_mb']} MB | "
            f"{s['hit@1']} / {s['hit@3']} | {s['unanswerable_refused']} | {_fresh(s)} |"
        )
    return lines


def _fresh(row: dict[str, Any]) -> str:
    """The written-after column (blank for a row measured before it existed)."""
    if "fresh_hit@3" not in row:
        return ""
    return f"{row['fresh_hit@3']} / {row['fresh_unanswerable_refused']}"


def served_copy(db: Path, corpus: Path, tmp: Path) -> dict[str, Any]:
    """The server row for an index too large to ingest twice in one sitting: `chroma run`
    serves a copy of the embedded run's files (the same on-disk format), with a copy of its
    lexical index where a server's is kept; then the same warm ingest, first answer and
    batch as `scale`. There is no ingest of its own (and so no kill-and-resume)."""
    import shutil

    from assistant.settings import Settings
    from tests.helpers import chroma_command, free_port, running

    data = tmp / "served"
    shutil.copytree(db, data, ignore=shutil.ignore_patterns("lexical", ".ingest-*"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    client = tmp / "client"
    settings = Settings(db_dir=client, chroma_url=url)
    shutil.copytree(Settings(db_dir=db).lexical_dir, settings.lexical_dir)
    extra = {
        "ASSISTANT_CORPUS_DIR": str(corpus),
        "ASSISTANT_CHROMA_URL": url,
        "ASSISTANT_DB_DIR": str(client),
    }
    with running(chroma_command(data, port), url + "/api/v2/heartbeat", timeout=600):
        serving = _serving(extra)
    return {
        "passages": serving["passages_served"],
        "mode": "server",
        "served_copy": True,
        **serving,
    }


def main() -> int:
    """`python -m bench.scale --served-copy DB CORPUS`: add that server row to the last run's
    results (bench/results/latest.json) and write the Scale table into docs/performance.md."""
    import argparse
    import tempfile

    from bench.measure import ROOT
    from bench.report import write_docs

    parser = argparse.ArgumentParser(prog="python -m bench.scale")
    parser.add_argument("--served-copy", nargs=2, type=Path, metavar=("DB", "CORPUS"))
    args = parser.parse_args()
    if not args.served_copy:
        parser.error("say --served-copy DB CORPUS")
    path = ROOT / "bench" / "results" / "latest.json"
    results = json.loads(path.read_text()) if path.is_file() else {"scale": []}
    with tempfile.TemporaryDirectory(prefix="bench-served-") as d:
        row = served_copy(*args.served_copy, Path(d))
    print(json.dumps(row))
    keep = [
        r for r in results["scale"] if (r["passages"], r["mode"]) != (row["passages"], "server")
    ]
    results["scale"] = sorted([*keep, row], key=lambda r: (r["passages"], r["mode"]))
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(results, indent=2))
    print("wrote", write_docs(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
