"""Adding and removing articles (articles.py), fetching pages (`ingest.py --url`, fetch.py)
and watching the folder (`ingest.py --watch`, watch.py), with the real model and Chroma, a
local `http.server` on 127.0.0.1 and real `ingest.py` processes."""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.errors import ArticleError
from assistant.ingest import articles
from assistant.ingest.indexing import ingest
from assistant.settings import Settings
from assistant.store import Store
from tests import documents as make
from tests.helpers import PY, ROOT, cli_env

TOMATOES = (
    "Growing tomatoes on a balcony",
    [
        (
            "paragraph",
            "Tomato plants in pots need watering every day in hot weather, because the small "
            "amount of soil in a container dries out far faster than a garden bed.",
        ),
    ],
)


@pytest.fixture
def indexed_copy(settings: Settings, embedder) -> tuple[Settings, Store]:
    store = Store(settings)
    ingest(settings, store=store, embedder=embedder)
    return settings, store


def _runner(store: Store, embedder):  # noqa: ANN202
    return functools.partial(ingest, store=store, embedder=embedder)


# --- names ------------------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("My Notes (final).PDF", "My-Notes-final.pdf"),
        ("café au lait.md", "café-au-lait.md"),
        ("report.docx", "report.docx"),
    ],
)
def test_safe_names(name: str, expected: str) -> None:
    assert articles.safe_name(name) == expected


@pytest.mark.unit
@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../evil.txt", "'..'"),
        ("sub/dir.txt", "/"),
        ("back\\slash.txt", "/"),
        (".hidden.txt", "hidden"),
        ("noext", "file type"),
        ("movie.mp4", "unsupported"),
    ],
)
def test_unsafe_names_are_refused(name: str, why: str) -> None:
    with pytest.raises(ArticleError, match=why.replace("(", r"\(").replace(".", r"\.")):
        articles.safe_name(name)


# --- add and remove -----------------------------------------------------------------------------


@pytest.mark.integration
def test_an_added_file_is_indexed_and_answers(indexed_copy, embedder, tmp_path: Path) -> None:
    from assistant.api import build_assistant

    settings, store = indexed_copy
    upload = tmp_path / "upload" / "Tomatoes on a balcony.docx"
    upload.parent.mkdir()
    upload.write_bytes(make.docx_bytes(*TOMATOES))
    assistant = build_assistant(settings, embedder=embedder)
    before = assistant.ask("How often do potted tomatoes need water?")
    report = articles.add_file(settings, upload, upload.name, _runner(store, embedder))
    assert report.documents == 3 and report.embedded > 0
    assert (settings.corpus_dir / "Tomatoes-on-a-balcony.docx").is_file()
    assistant.retriever.refresh()  # what the app does after a change (no restart)
    after = assistant.ask("How often do potted tomatoes need water?")
    assert before.refused and not after.refused
    assert after.citations[0].source.endswith("Tomatoes-on-a-balcony.docx")


@pytest.mark.integration
def test_a_bad_upload_leaves_the_corpus_and_index_untouched(
    indexed_copy, embedder, tmp_path: Path
) -> None:
    settings, store = indexed_copy
    cases = {
        "scan.pdf": make.scanned_pdf(),
        "bomb.docx": make.zip_bomb_docx(),
        "menu.html": make.html_without_text().encode(),
        "night.txt": b"A different file under an existing article's name.",
    }
    (settings.corpus_dir / "night.txt").write_text("An existing article.\n")  # name taken
    before = (sorted(p.name for p in settings.corpus_dir.iterdir()), store.manifest.documents())
    for name, data in cases.items():
        upload = tmp_path / name
        upload.write_bytes(data)
        with pytest.raises(ArticleError) as e:
            articles.add_file(settings, upload, name, _runner(store, embedder))
        assert "\n" not in str(e.value)
    big = tmp_path / "big.txt"
    big.write_text("word " * 100)
    with pytest.raises(ArticleError, match="too large"):
        articles.add_file(
            settings.with_(max_file_bytes=100), big, "big.txt", _runner(store, embedder)
        )
    assert (
        sorted(p.name for p in settings.corpus_dir.iterdir()),
        store.manifest.documents(),
    ) == before


@pytest.mark.integration
def test_an_upload_cut_short_is_never_an_article(indexed_copy, embedder, tmp_path: Path) -> None:
    settings, store = indexed_copy
    with pytest.raises(ArticleError, match="complete"):
        articles.add_file(settings, tmp_path / "gone.pdf", "gone.pdf", _runner(store, embedder))
    half = tmp_path / "half.pdf"
    half.write_bytes(make.pdf_bytes(*TOMATOES)[:400])
    with pytest.raises(ArticleError, match="not a readable PDF"):
        articles.add_file(settings, half, "half.pdf", _runner(store, embedder))
    assert not list(settings.corpus_dir.glob("*.pdf"))
    assert not list(settings.corpus_dir.glob(".upload-*"))


@pytest.mark.integration
def test_remove_moves_the_file_aside_and_unindexes_it(indexed_copy, embedder) -> None:
    settings, store = indexed_copy
    source = next(iter(store.manifest.documents()))
    report = articles.remove(
        settings, source, set(store.manifest.documents()), _runner(store, embedder)
    )
    assert report.removed == 1 and source not in store.manifest.documents()
    assert not Path(source).exists()
    assert list((settings.corpus_dir / articles.REMOVED).glob("*" + Path(source).name))
    with pytest.raises(ArticleError, match="no indexed article"):
        articles.remove(settings, source, set(store.manifest.documents()), _runner(store, embedder))
    with pytest.raises(ArticleError, match="no indexed article"):
        articles.remove(
            settings, "/etc/passwd", set(store.manifest.documents()), _runner(store, embedder)
        )


# --- fetch: ingest.py --url ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local http.server on 127.0.0.1 serving a page, a PDF and nothing else."""
    root = tmp_path_factory.mktemp("site")
    (root / "balcony-tomatoes.html").write_text(make.html_page(*TOMATOES), encoding="utf-8")
    (root / "paper.pdf").write_bytes(make.pdf_bytes(*TOMATOES))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.integration
def test_ingest_url_saves_the_page_once_and_later_runs_are_offline(
    web: str, tmp_path: Path, corpus: Path
) -> None:
    env = cli_env(ASSISTANT_CORPUS_DIR=str(corpus), ASSISTANT_DB_DIR=str(tmp_path / "db"))
    page, pdf, dead = f"{web}/balcony-tomatoes.html", f"{web}/paper.pdf", f"{web}/missing.html"
    run = subprocess.run(
        [PY, "ingest.py", "--json", "--url", page, pdf, dead, "http://127.0.0.1:9/x"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.splitlines()[-1])
    assert report["documents"] == 3
    reasons = {s["path"]: s["reason"] for s in report["skipped"]}
    assert "not a web page" in reasons[pdf] and "404" in reasons[dead]
    assert "cannot be reached" in reasons["http://127.0.0.1:9/x"]
    saved = corpus / "balcony-tomatoes.html"
    assert saved.read_text(encoding="utf-8").startswith(f"<!-- saved from url=({len(page):04d})")
    # once: asking again for the same address fetches nothing new
    again = subprocess.run(
        [PY, "ingest.py", "--json", "--url", page], cwd=ROOT, env=env, capture_output=True
    )
    assert again.returncode == 0 and len(list(corpus.glob("*.html"))) == 1
    answer = subprocess.run(
        [PY, "-m", "assistant", "ask", "--json", "How often should potted tomatoes be watered?"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    cited = json.loads(answer.stdout)["citations"][0]
    assert cited["url"] == page and cited["source"].endswith("balcony-tomatoes.html")


# --- watch: ingest.py --watch -------------------------------------------------------------------


def _read_json_lines(proc: subprocess.Popen, out: list[dict]) -> None:
    for line in proc.stdout:  # type: ignore[union-attr]
        if line.strip().startswith("{"):
            out.append(json.loads(line))


@pytest.mark.integration
def test_watch_picks_up_added_changed_and_removed_files(tmp_path: Path, corpus: Path) -> None:
    env = cli_env(ASSISTANT_CORPUS_DIR=str(corpus), ASSISTANT_DB_DIR=str(tmp_path / "db"))
    proc = subprocess.Popen(
        [PY, "ingest.py", "--watch", "--json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: list[dict] = []
    threading.Thread(target=_read_json_lines, args=(proc, lines), daemon=True).start()

    def wait_for(n: int, within: float) -> dict:
        t0 = time.monotonic()
        while len(lines) < n:
            assert time.monotonic() - t0 < within, f"no sync within {within} s: {lines}"
            time.sleep(0.1)
        return lines[n - 1]

    try:
        first = wait_for(1, 60)
        assert first["documents"] == 2
        # a file written in pieces, slower than the poll: indexed once, whole
        added = corpus / "tomatoes.docx"
        data = make.docx_bytes(*TOMATOES)
        with added.open("wb") as f:
            for i in range(0, len(data), len(data) // 3 + 1):
                f.write(data[i : i + len(data) // 3 + 1])
                f.flush()
                os.fsync(f.fileno())
                time.sleep(0.4)
        t0 = time.monotonic()
        second = wait_for(2, 10)
        assert second["documents"] == 3 and not second["skipped"], second
        assert time.monotonic() - t0 < 10
        added.unlink()
        third = wait_for(3, 10)
        assert third["documents"] == 2 and third["removed"] == 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert len(lines) == 3  # no sync without a change
