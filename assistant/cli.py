"""Command-line entry points: `python ingest.py` and `python -m assistant ...`.

Does: parse arguments, read `Settings` from the environment once, call the package, print
results (JSON for scripts, short text for people), and turn `AssistantError`s into one-line
messages with a non-zero exit code.
Does not: hold any logic of its own beyond formatting.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.errors import AssistantError
from assistant.settings import Settings


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line (exit 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"error: {message} (see --help)\n")


def _fail(message: str, code: int = 1) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _tqdm_progress(total: int) -> Callable[[int], None]:
    from tqdm import tqdm

    bar = tqdm(total=total, desc="Embedding", unit="passage", file=sys.stderr, leave=False)

    def tick(n: int) -> None:
        bar.update(n)
        if bar.n >= total:
            bar.close()

    return tick


def ingest_main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(
        prog="ingest.py",
        description="Chunk and embed the corpus into the index (only what changed).",
    )
    parser.add_argument("--corpus", type=Path, help="corpus folder (default: corpus/)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary last")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.corpus is not None:
            settings = settings.with_(corpus_dir=args.corpus)
        from assistant.indexing import ingest

        report = ingest(settings, progress=None if args.json else _tqdm_progress)
    except AssistantError as e:
        if args.json:
            print(json.dumps({"error": str(e)}))
        return _fail(str(e))
    except KeyboardInterrupt:
        return _fail("interrupted; the index keeps what was complete.", 130)

    if args.json:
        print(json.dumps(report.to_json()))
        return 0
    for s in report.skipped:
        print(f"skipped {s.path}: {s.reason}")
    print(
        f"Index holds {report.documents} documents, {report.passages} passages "
        f"({report.embedded} passages embedded, {report.unchanged} documents unchanged, "
        f"{report.removed} removed, {len(report.skipped)} files skipped) "
        f"in {report.seconds:.1f} s."
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(prog="python -m assistant", description="Leg-cramps article assistant.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("ingest", help="same as python ingest.py", add_help=False)
    args, rest = parser.parse_known_args(argv)
    if args.command == "ingest":
        return ingest_main(rest)
    return _fail(f"unknown command {args.command!r}", 2)


def app_main(argv: Sequence[str] | None = None) -> int:
    """Placeholder for the chat UI: says what the index holds."""
    parser = _Parser(prog="app.py", description="Chat UI (coming with the UI issue).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    parser.parse_args(argv)
    try:
        from assistant.store import Store

        docs = Store(Settings.from_env()).documents()
    except AssistantError as e:
        return _fail(str(e))
    print(f"The index holds {len(docs)} documents:")
    for d in docs.values():
        print(f"  {d.title} ({d.passages} passages, {d.source})")
    print("The chat UI is not built yet; `python ingest.py` keeps the index up to date.")
    return 0
