"""`python ingest.py` as a user runs it: JSON summary, incremental runs, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import CORPUS, PY, ROOT, cli_env

KEYS = {"documents", "passages", "embedded", "unchanged", "removed", "skipped", "seconds"}


def ingest(*args: str, user: int | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, str(ROOT / "ingest.py"), *args],
        cwd=ROOT,
        env=cli_env(**env),
        capture_output=True,
        text=True,
        timeout=300,
        user=user,
    )


def summary(proc: subprocess.CompletedProcess[str]) -> dict:
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(out) == KEYS
    return out


def one_line_error(proc: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


@pytest.mark.integration
def test_json_runs_are_incremental(tmp_path: Path, corpus: Path) -> None:
    env = {"ASSISTANT_DB_DIR": str(tmp_path / "db")}
    first = summary(ingest("--json", "--corpus", str(corpus), **env))
    assert first["documents"] == 2 and first["embedded"] == first["passages"] > 0
    second = summary(ingest("--json", "--corpus", str(corpus), **env))
    assert second["embedded"] == 0 and second["unchanged"] == 2
    (corpus / "massage-for-leg-cramps.txt").unlink()
    third = summary(ingest("--json", "--corpus", str(corpus), **env))
    assert (third["removed"], third["documents"], third["embedded"]) == (1, 1, 0)


@pytest.mark.integration
def test_human_output_and_env_corpus(tmp_path: Path, corpus: Path) -> None:
    env = {"ASSISTANT_DB_DIR": str(tmp_path / "db"), "ASSISTANT_CORPUS_DIR": str(corpus)}
    (corpus / "broken.txt").write_bytes(b"\x00\x01")
    proc = ingest(**env)
    assert proc.returncode == 0, proc.stderr
    assert "Index holds 2 documents" in proc.stdout
    assert "skipped" in proc.stdout and "broken.txt: binary file" in proc.stdout


@pytest.mark.integration
def test_errors_are_one_line(tmp_path: Path) -> None:
    db = {"ASSISTANT_DB_DIR": str(tmp_path / "db")}
    assert "does not exist" in one_line_error(ingest("--corpus", str(tmp_path / "nope"), **db))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no document" in one_line_error(ingest("--json", "--corpus", str(empty), **db))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    msg = one_line_error(ingest("--corpus", str(CORPUS), ASSISTANT_DB_DIR=str(blocker / "db")))
    assert "index folder" in msg
    assert "unrecognized" in one_line_error(ingest("--bogus"), code=2)
    assert "whole number" in one_line_error(ingest(ASSISTANT_BATCH_SIZE="many"))


@pytest.mark.integration
@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file modes")
def test_permissions_with_real_file_modes(tmp_path: Path, corpus: Path) -> None:
    secret = corpus / "secret.txt"
    secret.write_text("Private notes about cramps that nobody may read.\n")
    secret.chmod(0o000)
    out = summary(ingest("--json", "--corpus", str(corpus), ASSISTANT_DB_DIR=str(tmp_path / "db")))
    assert out["documents"] == 2
    assert [s["reason"] for s in out["skipped"]] == ["permission denied"]
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    proc = ingest("--corpus", str(corpus), ASSISTANT_DB_DIR=str(locked))
    assert "not writable" in one_line_error(proc)


@pytest.mark.unit
def test_permission_errors_are_reported_not_raised(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Our mapping of EACCES to messages, simulated so it also runs as root (as CI does)."""
    from assistant.corpus import load_corpus
    from assistant.errors import IndexStoreError
    from assistant.settings import Settings
    from assistant.store import Store

    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "massage-for-leg-cramps.txt":
            raise PermissionError(13, "Permission denied")
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    docs, skipped = load_corpus(corpus, 10**6)
    assert len(docs) == 1
    assert [(Path(s.path).name, s.reason) for s in skipped] == [
        ("massage-for-leg-cramps.txt", "permission denied")
    ]
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    with pytest.raises(IndexStoreError, match="not writable"):
        Store(Settings(db_dir=tmp_path / "db")).manifest.count()
