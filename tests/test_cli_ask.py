"""`python -m assistant ask` as scripts and people use it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from assistant.settings import Settings
from tests.helpers import PY, ROOT, cli_env

pytestmark = pytest.mark.integration

KEYS = {"question", "answer", "refused", "searched_for", "citations", "timings_ms"}


def env_for(settings: Settings) -> dict[str, str]:
    return cli_env(ASSISTANT_DB_DIR=str(settings.db_dir), ASSISTANT_CORPUS_DIR=str(CORPUS))


def ask(*args: str, settings: Settings, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PY, "-m", "assistant", "ask", *args],
        cwd=ROOT,
        env=env_for(settings),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


CORPUS = ROOT / "corpus"


def test_single_question_json(indexed: Settings) -> None:
    p = ask("--json", "How", "does", "massage", "help?", settings=indexed)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert set(out) >= KEYS
    assert out["question"] == "How does massage help?"
    assert not out["refused"] and out["citations"]
    for c in out["citations"]:
        assert set(c) >= {"n", "source", "title", "quote", "start", "end", "score"}
        assert (ROOT / c["source"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["quote"]


def test_human_output_lists_sources(indexed: Settings) -> None:
    p = ask("Why do leg cramps happen at night?", settings=indexed)
    assert p.returncode == 0, p.stderr
    assert "According to" in p.stdout and "Sources:" in p.stdout and "[1]" in p.stdout


def test_batch_mode_goes_on_after_a_bad_line(indexed: Settings) -> None:
    lines = [
        "Why do leg cramps happen at night?",
        "   ",
        "x" * 2500,
        "What is the capital of Peru?",
    ]
    p = ask("--json", "-", settings=indexed, stdin="\n".join(lines) + "\n")
    assert p.returncode == 0, p.stderr
    outs = [json.loads(line) for line in p.stdout.splitlines()]
    assert len(outs) == 4
    assert not outs[0]["refused"] and outs[0]["citations"]
    assert "empty" in outs[1]["error"] and outs[1]["question"] == "   "
    assert "too long" in outs[2]["error"]
    assert outs[3]["refused"] and outs[3]["citations"] == []


def test_a_reader_that_stops_early_ends_the_batch_quietly(indexed: Settings) -> None:
    """`... | head -1`: the pipe closes after the first answer; no traceback follows."""
    p = subprocess.run(
        f"yes 'Why do leg cramps happen at night?' | head -300 | {PY} -m assistant ask --json -"
        " | head -1",
        shell=True,
        cwd=ROOT,
        env=env_for(indexed),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert json.loads(p.stdout)["citations"]
    assert "Traceback" not in p.stderr and "BrokenPipe" not in p.stderr, p.stderr


def test_bad_question_exits_2_with_one_line(indexed: Settings) -> None:
    for bad in ["   ", "x" * 2500]:
        p = ask(bad, settings=indexed)
        assert p.returncode == 2
        assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_empty_index_is_a_clear_error(tmp_path: Path) -> None:
    p = ask("why?", settings=Settings(db_dir=tmp_path / "none"))
    assert p.returncode == 1
    assert "run `python ingest.py` first" in p.stderr and "Traceback" not in p.stderr
