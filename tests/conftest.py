"""Shared fixtures: the real model (loaded once per session), a copy of the corpus and a
Chroma index on disk in tmp_path, and a real `chroma run` server for server mode.

Every test belongs to exactly one tier (registered in pyproject.toml): `unit` (our own logic,
fakes allowed; no model, no Chroma, no subprocess, server, browser or language model; the whole
tier runs in under 30 s: `make test-fast`), `integration` (the real model, Chroma on disk or as a
server, real `ingest.py` / `python -m assistant` processes, a local http.server) or `e2e` (a
real browser, the language model). Collection fails when a test has none, or more than one.
Plain helpers (paths, ports, starting servers) live in tests/helpers.py."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.embedding import Embedder
from assistant.settings import Settings
from tests.helpers import CORPUS, chroma_command, free_port, running

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

TIERS = ("unit", "integration", "e2e")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects anything: every test is checked
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse to run unless every test carries exactly one tier marker."""
    wrong = []
    for item in items:
        tiers = sorted({m.name for m in item.iter_markers()} & set(TIERS))
        if len(tiers) != 1:
            wrong.append(f"  {item.nodeid}: {', '.join(tiers) or 'no tier'}")
    if wrong:
        raise pytest.UsageError(
            f"every test needs exactly one tier marker ({', '.join(TIERS)}); give the file a "
            "`pytestmark = pytest.mark.<tier>` or the test a `@pytest.mark.<tier>`:\n"
            + "\n".join(wrong)
        )


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the real corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    return Settings(corpus_dir=corpus, db_dir=tmp_path / "db")


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server (`chroma run`) on a free loopback port; yields its URL."""
    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = chroma_command(path / "data", port)
    with running(args, f"{url}/api/v2/heartbeat", log=path / "server.log"):
        yield url


@pytest.fixture(scope="session")
def indexed(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """The real corpus ingested once into a session-wide index (do not modify it)."""
    from assistant.ingest.indexing import ingest
    from assistant.store import Store

    base = tmp_path_factory.mktemp("indexed")
    settings = Settings(corpus_dir=CORPUS, db_dir=base / "db")
    ingest(settings, store=Store(settings), embedder=embedder)
    return settings


@pytest.fixture(scope="session")
def assistant(indexed: Settings, embedder: Embedder):
    """One warmed `Assistant` over the session index, sharing the session's model."""
    from assistant.api import build_assistant

    a = build_assistant(indexed, embedder=embedder)
    a.warm()
    return a


@pytest.fixture(scope="session")
def eval_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the labelled corpora are ingested, each into its own index, once per session."""
    return tmp_path_factory.mktemp("eval-index")


@pytest.fixture(scope="session")
def labelled_cases(eval_index: Path, embedder: Embedder) -> list:
    """Every labelled corpus (tests/corpora) ingested into its own index, with the evidence
    for each of its questions (calibration.collect), once per session."""
    from assistant.weights import load
    from tools import calibration

    return calibration.collect(Settings(), load(), eval_index, embedder=embedder)


@pytest.fixture(scope="session")
def fresh_cases(eval_index: Path, embedder: Embedder) -> list:
    """The questions written after the engine (tests/corpora/*/fresh.jsonl), with their
    evidence, from the same indexes."""
    from assistant.weights import load
    from tools import calibration

    return calibration.collect(
        Settings(), load(), eval_index, embedder=embedder, questions=calibration.FRESH
    )
