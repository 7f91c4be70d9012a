"""Kill a real ingest with SIGKILL at several moments: the index must answer exactly as before,
and the next ingest must complete and leave nothing behind."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from bench.synthetic import make_corpus
from tests.helpers import PY, ROOT, cli_env

pytestmark = pytest.mark.integration

QUESTIONS = [
    "Why do leg cramps happen at night?",
    "How does massage help leg cramps?",
    "What should I do during a severe cramp?",
]


def answers(env: dict[str, str]) -> list:
    """The index's answers, asked by a fresh process (no cached client state)."""
    p = subprocess.run(
        [PY, "-m", "assistant", "ask", "--json", "-"],
        cwd=ROOT,
        env=env,
        input="\n".join(QUESTIONS) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    out = [json.loads(line) for line in p.stdout.splitlines()]
    return [
        (a["answer"], [(c["source"], c["start"], c["end"]) for c in a["citations"]]) for a in out
    ]


def ingest(env: dict[str, str], corpus: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [PY, str(ROOT / "ingest.py"), "--json", "--corpus", str(corpus)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkill_mid_ingest_keeps_the_previous_index(tmp_path: Path, corpus: Path) -> None:
    env = cli_env(ASSISTANT_DB_DIR=str(tmp_path / "db"), ASSISTANT_CORPUS_DIR=str(corpus))
    first = ingest(env, corpus)
    assert first.wait(timeout=300) == 0, first.stderr.read()
    before = answers(env)

    # A change big enough to take several seconds: one article edited, 400 passages added.
    night = corpus / "why-leg-cramps-strike-at-night.txt"
    night.write_text(night.read_text().replace("acupuncture", "a glass of tonic water"))
    extra = make_corpus(tmp_path / "extra", 400)
    for part in extra.glob("part-*"):
        shutil.copytree(part, corpus / part.name)

    from assistant.settings import Settings
    from assistant.store import Store

    def committed() -> bool:
        """Whether the new version is live: the manifest names all 42 documents."""
        return len(Store(Settings(db_dir=tmp_path / "db")).manifest.live()) == 2 + 40

    killed = 0
    for delay in (0.8, 2.5, 4.5, 7.0):
        p = ingest(env, corpus)
        time.sleep(delay)
        if p.poll() is not None:
            break  # it finished before the kill; the earlier kills still count
        p.send_signal(signal.SIGKILL)
        p.wait()
        if committed():  # killed after its one committing write: the new index is whole
            break
        killed += 1
        assert answers(env) == before, f"answers changed after a kill at {delay} s"
    assert killed >= 2

    final = ingest(env, corpus)
    out, err = final.communicate(timeout=600)
    assert final.returncode == 0, err
    report = json.loads(out.strip().splitlines()[-1])
    # Complete: every document live. What it embeds itself depends on how far the killed runs
    # got (their written records are reused), so the index's size is what is checked.
    assert report["documents"] == 2 + 40 and report["passages"] > 400
    after = answers(env)
    assert after != before

    store = Store(Settings(db_dir=tmp_path / "db"))
    assert store.manifest.hidden() == []
    assert store.connection.passages.count() == report["passages"]  # no orphans left behind
    assert any("tonic water" in p.text for _, p in store.reader.passages())


def test_sigkill_mid_watch_sync_keeps_the_previous_index(tmp_path: Path, corpus: Path) -> None:
    """`ingest.py --watch` syncs with the same ingest: killed while it embeds a batch of new
    web pages and Word files, the index answers exactly as before, and the next watch
    completes the sync."""
    from bench.synthetic import articles
    from tests import documents

    env = cli_env(ASSISTANT_DB_DIR=str(tmp_path / "db"), ASSISTANT_CORPUS_DIR=str(corpus))
    first = ingest(env, corpus)
    assert first.wait(timeout=300) == 0, first.stderr.read()
    before = answers(env)
    for i, text in enumerate(articles(60)):
        title, blocks = documents.blocks_from_text(text)
        if i % 2:
            (corpus / f"page-{i}.html").write_text(documents.html_page(title, blocks))
        else:
            (corpus / f"note-{i}.docx").write_bytes(documents.docx_bytes(title, blocks))

    def watch() -> subprocess.Popen:
        return subprocess.Popen(
            [PY, str(ROOT / "ingest.py"), "--watch", "--json"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    killed = 0
    for delay in (2.0, 4.0):
        p = watch()
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        from assistant.settings import Settings
        from assistant.store import Store

        if len(Store(Settings(db_dir=tmp_path / "db")).manifest.live()) > 2:
            break  # it committed before the kill: the new index is whole
        killed += 1
        assert answers(env) == before, f"answers changed after a kill at {delay} s"
    assert killed >= 1

    p = watch()
    try:
        line = p.stdout.readline()  # the first sync's summary
        report = json.loads(line)
        assert report["documents"] == 2 + 60 and not report["skipped"], report
    finally:
        p.terminate()
        p.wait(timeout=10)
    from assistant.settings import Settings
    from assistant.store import Store

    store = Store(Settings(db_dir=tmp_path / "db"))
    assert len(store.manifest.live()) == 2 + 60 and store.manifest.hidden() == []
