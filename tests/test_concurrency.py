"""Many users at once through the app's /ask, and the app serving while an ingest runs."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench.synthetic import make_corpus
from tests.helpers import PY, ROOT, cli_env, free_port, running

pytestmark = pytest.mark.integration

QUESTIONS = [
    "Why do leg cramps happen at night?",
    "How does massage help leg cramps?",
    "What kinds of massage are recommended?",
    "Does dehydration cause cramps?",
    "How is restless leg syndrome different from a night cramp?",
    "What should I do during a severe cramp?",
    "Which part of the leg hurts most?",
    "Is massage a way to prevent cramps?",
    "How many moons does Jupiter have?",
    "leg crampz at nite",
]


def comparable(out: dict) -> dict:
    return {k: v for k, v in out.items() if k != "timings_ms"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    base = tmp_path_factory.mktemp("served")
    corpus = base / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    env = cli_env(ASSISTANT_DB_DIR=str(base / "db"), ASSISTANT_CORPUS_DIR=str(corpus))
    subprocess.run(
        [PY, str(ROOT / "ingest.py")],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with running([PY, str(ROOT / "app.py"), "--port", str(port)], url, env):
        yield {"url": url, "env": env, "corpus": corpus, "base": base}


def ask(url: str, questions: list[str]) -> list[dict]:
    from gradio_client import Client

    client = Client(url, verbose=False)
    return [client.predict(q, api_name="/ask") for q in questions]


def test_twenty_clients_get_the_single_user_answers(served: dict) -> None:
    reference = [comparable(a) for a in ask(served["url"], QUESTIONS)]
    assert all("error" not in a for a in reference)
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: ask(served["url"], QUESTIONS), range(20)))
    assert len(results) == 20
    for answers in results:
        assert [comparable(a) for a in answers] == reference


def test_app_keeps_serving_while_an_ingest_runs(served: dict) -> None:
    corpus: Path = served["corpus"]
    night = corpus / "why-leg-cramps-strike-at-night.txt"
    night.write_text(night.read_text().replace("acupuncture", "a glass of tonic water"))
    for part in make_corpus(served["base"] / "extra", 300).glob("part-*"):
        shutil.copytree(part, corpus / part.name)
    ingest = subprocess.Popen(
        [PY, str(ROOT / "ingest.py"), "--json"],
        cwd=ROOT,
        env=served["env"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    served_during = 0
    while ingest.poll() is None:
        out = ask(served["url"], [QUESTIONS[0]])[0]
        assert "error" not in out and out["citations"], out
        served_during += 1
    assert ingest.returncode == 0, ingest.stderr.read()
    assert served_during >= 3
    json.loads(ingest.stdout.read().strip().splitlines()[-1])
    deadline = time.monotonic() + 15  # the app notices the new index within seconds
    while True:
        out = ask(served["url"], ["Can tonic water get rid of cramps?"])[0]
        if any("tonic water" in c["quote"] for c in out["citations"]):
            break
        assert time.monotonic() < deadline, "the app did not pick up the new index"
        time.sleep(1)
