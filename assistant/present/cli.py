"""Command-line entry points: `python ingest.py`, `python app.py` and `python -m assistant ...`
(`ask`, and `export-model`, which set-up runs; the developer commands `eval` and `calibrate`
live outside the package: `python -m tools`).

Does: parse arguments, read `Settings` from the environment once, call the package, print
results (JSON for scripts, short text for people), and turn `AssistantError`s into one-line
messages with a non-zero exit code.
Does not: hold any logic of its own beyond formatting.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import AssistantError
from assistant.settings import Settings, offline_environment

if TYPE_CHECKING:
    from assistant.types import IngestReport, Skipped


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line (exit 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"error: {message} (see --help)\n")


def fail(message: str, code: int = 1) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _tqdm_progress(total: int) -> Callable[[int], None]:
    from tqdm import tqdm

    bar = tqdm(total=total, desc="Embedding", unit="text", file=sys.stderr, leave=False)

    def tick(n: int) -> None:
        bar.update(n)
        if bar.n >= total:
            bar.close()

    return tick


def ingest_main(argv: Sequence[str] | None = None) -> int:
    offline_environment()
    parser = Parser(
        prog="ingest.py",
        description="Chunk and embed the corpus into the index (only what changed).",
    )
    parser.add_argument("--corpus", type=Path, help="corpus folder (default: corpus/)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary last")
    parser.add_argument(
        "--url",
        nargs="+",
        metavar="URL",
        help="fetch these web pages into the corpus folder first (once; later runs are offline)",
    )
    parser.add_argument(
        "--watch",
        action="store_true",
        help="keep the index in step with the folder until interrupted (Ctrl+C)",
    )
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.corpus is not None:
            settings = settings.with_(corpus_dir=args.corpus)
        from assistant.ingest.indexing import ingest

        fetched: list[Skipped] = []
        for url in args.url or []:
            fetched += _fetch(url, settings, args.json)

        def run() -> IngestReport:
            report = ingest(settings, progress=None if args.json else _tqdm_progress)
            return replace(report, skipped=fetched + report.skipped)

        if args.watch:
            return _watch(settings, run, args.json)
        report = run()
    except AssistantError as e:
        if args.json:
            print(json.dumps({"error": str(e)}))
        return fail(str(e))
    except KeyboardInterrupt:
        return fail("interrupted; the index keeps what was complete.", 130)
    _print_report(report, args.json)
    return 0


def _fetch(url: str, settings: Settings, quiet: bool) -> list[Skipped]:
    """Fetch one page into the corpus; a page that cannot be fetched is a skipped entry
    (printed with the report's other skipped files, once)."""
    from assistant.errors import ArticleError
    from assistant.ingest.fetch import fetch
    from assistant.types import Skipped

    try:
        path = fetch(url, settings.corpus_dir, settings.max_file_bytes)
    except ArticleError as e:
        return [Skipped(url, str(e).removeprefix(f"{url}: ").rstrip("."))]
    if not quiet:
        print(f"saved {url} as {path}")
    return []


def _print_report(report: IngestReport, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.to_json()), flush=True)
        return
    for s in report.skipped:
        print(f"skipped {s.path}: {s.reason}")
    print(
        f"Index holds {report.documents} documents, {report.passages} passages "
        f"({report.embedded} passages embedded, {report.unchanged} documents unchanged, "
        f"{report.removed} removed, {len(report.skipped)} files skipped) "
        f"in {report.seconds:.1f} s.",
        flush=True,
    )


def _watch(settings: Settings, run: Callable[[], IngestReport], as_json: bool) -> int:
    """`ingest.py --watch`: one report per sync, until Ctrl+C. A sync that fails (the
    folder emptied, the index busy) is reported and the watch goes on."""
    from assistant.ingest.watch import watch

    def sync() -> None:
        try:
            _print_report(run(), as_json)
        except AssistantError as e:
            if as_json:
                print(json.dumps({"error": str(e)}), flush=True)
            print(f"error: {e}", file=sys.stderr, flush=True)

    if not as_json:
        print(f"Watching {settings.corpus_dir} (Ctrl+C to stop).", file=sys.stderr, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        watch(settings.corpus_dir, sync)
    return 0


def open_assistant(settings: Settings):  # noqa: ANN202 - import kept lazy
    from assistant.api import build_assistant
    from assistant.errors import IndexStoreError

    assistant = build_assistant(settings)
    if assistant.store.manifest.count() == 0:
        raise IndexStoreError("The index is empty: run `python ingest.py` first.")
    return assistant


def ask_main(argv: Sequence[str]) -> int:
    offline_environment()
    parser = Parser(prog="python -m assistant ask", description="Ask the articles a question.")
    parser.add_argument("--json", action="store_true", help="print the answer object as JSON")
    parser.add_argument(
        "--extractive",
        action="store_true",
        help="answer with quotes only, even when ASSISTANT_LLM names a language model",
    )
    parser.add_argument("question", nargs="+", help="the question, or - to read one per line")
    args = parser.parse_args(argv)
    from assistant.errors import QuestionError
    from assistant.present.render import to_json, to_text

    batch = args.question == ["-"]
    warned: set[str] = set()

    def ask(question: str, history: Sequence[str] = ()):  # noqa: ANN202 - lazy import
        answer = assistant.ask(question, history, extractive=args.extractive)
        if answer.writer_error and answer.writer_error not in warned:
            warned.add(answer.writer_error)  # once per distinct error, on stderr
            print(f"warning: {answer.writer_error} Answered from the quotes.", file=sys.stderr)
        return answer

    try:
        assistant = open_assistant(Settings.from_env())
        if not batch:
            answer = ask(" ".join(args.question))
            print(json.dumps(to_json(answer), ensure_ascii=False) if args.json else to_text(answer))
            return 0
    except QuestionError as e:
        return fail(str(e), 2)
    except AssistantError as e:
        return fail(str(e))

    assistant.warm()  # load once, so per-question timings are the questions' own
    # Undecodable input is replaced, not fatal; output is UTF-8 whatever the locale says.
    for stream, errors in ((sys.stdin, "replace"), (sys.stdout, "backslashreplace")):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors=errors)
    for line in sys.stdin:
        question, history = _batch_line(line.rstrip("\r\n"))
        try:
            out = to_json(ask(question, history))
        except AssistantError as e:
            out = {"question": question, "error": str(e)}
        if args.json:
            print(json.dumps(out, ensure_ascii=False), flush=True)
        else:
            print(out.get("error") or out["answer"], end="\n\n", flush=True)
    return 0


def _batch_line(line: str) -> tuple[str, list[str]]:
    """A batch line: a JSON object {"question": str, "history": [str, ...]} is a follow-up
    with its conversation; any other line is a question on its own."""
    if line.lstrip().startswith("{"):
        try:
            data = json.loads(line)
        except ValueError:
            return line, []
        if isinstance(data, dict) and isinstance(data.get("question"), str):
            history = data.get("history") or []
            if isinstance(history, list):
                return data["question"], [h for h in history if isinstance(h, str)]
    return line, []


def main(argv: Sequence[str] | None = None) -> int:
    commands = {"ask": ask_main, "ingest": ingest_main, "export-model": export_main}
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in commands:
        names = ", ".join(commands)
        if argv and argv[0] not in ("-h", "--help"):
            return fail(f"unknown command {argv[0]!r}; use one of: {names}", 2)
        print(f"usage: python -m assistant {{{names}}} ...  (each takes --help)")
        return 0 if argv else 2
    try:
        return commands[argv[0]](argv[1:])
    except BrokenPipeError:  # the reader stopped early (`... | head`): end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def export_main(argv: Sequence[str]) -> int:
    offline_environment()
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


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def may_change_articles(host: str, login: tuple[str, str] | None) -> bool:
    """Adding and removing articles from the page: on loopback, or behind a login."""
    return host in LOOPBACK or login is not None


def app_main(argv: Sequence[str] | None = None) -> int:
    """`python app.py`: the chat UI. The model warms in the background while Gradio loads."""
    offline_environment()
    parser = Parser(prog="app.py", description="Chat with the articles in your browser.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=7860)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        assistant = open_assistant(settings)
    except AssistantError as e:
        return fail(str(e))
    if assistant.writer_error:
        print(f"warning: {assistant.writer_error} Answering from the quotes.", file=sys.stderr)
    auth = settings.login
    if args.host not in LOOPBACK and auth is None:
        print(
            f"warning: serving on {args.host} without a login; anyone who can reach this "
            "machine can ask questions, but adding and removing articles is off. Set "
            "ASSISTANT_AUTH=user:password to require a login (and allow those).",
            file=sys.stderr,
        )
    threading.Thread(target=assistant.warm, name="warm", daemon=True).start()
    from assistant.present.ui import launch

    try:
        can_change = may_change_articles(args.host, auth)
        launch(assistant, settings, args.host, args.port, auth, can_change)
    except OSError as e:
        return fail(f"cannot serve on {args.host}:{args.port} ({e.strerror or e}).")
    except KeyboardInterrupt:
        pass
    return 0
