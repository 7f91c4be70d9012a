"""Answering figures: warm `Assistant.ask` next to one raw query encode (each backend, with
quality), the batch CLI from outside, the stock LangChain recipe, the language-model writer,
and the app (start-up, first answer, 20 users at once, peak memory).

Does not: write any table (report.py).
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.measure import BATCH, PY, ROOT, env, hits, measured, pct, questions


def query_latency(db: str) -> dict[str, Any]:
    """Warm Assistant.ask over the labelled questions (3 rounds, no query cache) next to one
    raw query encode, for each backend; plus quality."""
    from sentence_transformers import SentenceTransformer

    from assistant.api import build_assistant
    from assistant.embedding import Embedder, model_path
    from assistant.settings import Settings
    from tools import evaluation

    rows = questions()
    texts = [r["q"] for r in rows]
    st = SentenceTransformer(str(model_path()), device="cpu")
    st.encode(texts[:2])
    raw_torch = []
    for t in texts * 3:
        t0 = time.perf_counter()
        st.encode([t], normalize_embeddings=True)
        raw_torch.append((time.perf_counter() - t0) * 1000)
    onnx = Embedder(BATCH, "onnx")
    onnx.encode(texts[:2])
    raw_onnx = []
    for t in texts * 3:
        t0 = time.perf_counter()
        onnx.model.encode([t])
        raw_onnx.append((time.perf_counter() - t0) * 1000)
    out: dict[str, Any] = {
        "raw_encode_torch_p50_ms": pct(raw_torch, 0.5),
        "raw_encode_onnx_p50_ms": pct(raw_onnx, 0.5),
    }
    int8_db = str(Path(db).parent / "int8-db")  # int8 vectors differ: an index of its own
    int8 = Settings(corpus_dir=ROOT / "corpus", db_dir=Path(int8_db), backend="onnx-int8")
    from assistant.ingest.indexing import ingest
    from assistant.store import Store

    ingest(int8, store=Store(int8))
    for backend, where in (("onnx", db), ("torch", db), ("onnx-int8", int8_db)):
        a = build_assistant(Settings(db_dir=Path(where), backend=backend))
        a.warm()
        times = []
        for _ in range(3):
            a.retriever.embedder._cached_queries.cache_clear()
            for t in texts:
                t0 = time.perf_counter()
                a.ask(t)
                times.append((time.perf_counter() - t0) * 1000)
        m = evaluation.metrics(evaluation.run(a, rows))
        out[f"ask_{backend}_p50_ms"] = pct(times, 0.5)
        out[f"ask_{backend}_p95_ms"] = pct(times, 0.95)
        out[f"ask_{backend}_quality"] = {k: m[k] for k in ("hit@1", "hit@3", "refusal_acc_out")}
    out["ratio_p50_to_raw_torch_encode"] = round(
        out["ask_onnx_p50_ms"] / out["raw_encode_torch_p50_ms"], 2
    )
    out["ratio_p50_to_raw_onnx_encode"] = round(
        out["ask_onnx_p50_ms"] / out["raw_encode_onnx_p50_ms"], 2
    )
    return out


def batch_from_outside(db: str, raw_ms: float) -> dict[str, Any]:
    """`ask --json -` timed from outside: (N questions - 1 question) / (N - 1)."""
    rows = questions()
    extra = {"ASSISTANT_DB_DIR": db}
    one = measured(["-m", "assistant", "ask", "--json", "-"], extra, rows[0]["q"] + "\n")
    many_rows = rows * 4
    many = measured(
        ["-m", "assistant", "ask", "--json", "-"],
        extra,
        "\n".join(r["q"] for r in many_rows) + "\n",
    )
    per_question = (many["seconds"] - one["seconds"]) / (len(many_rows) - 1) * 1000
    return {
        "cold_one_question_s": round(one["seconds"], 2),
        "per_question_ms_from_outside": round(per_question, 2),
        "ratio_to_raw_torch_encode": round(per_question / raw_ms, 2),
        "serving_cli_peak_rss_mb": many["rss_mb"],
    }


def langchain_recipe() -> dict[str, Any]:
    """The stock recipe: 1000/200 character chunks, HuggingFaceEmbeddings, Chroma, k=4."""
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.embedding import model_path

    docs = [
        Document(page_content=f.read_text(encoding="utf-8"), metadata={"source": str(f)})
        for f in sorted((ROOT / "corpus").glob("*.txt"))
    ]
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(
        docs
    )
    embeddings = HuggingFaceEmbeddings(model_name=str(model_path()))
    with tempfile.TemporaryDirectory() as d:
        store = Chroma.from_documents(chunks, embeddings, persist_directory=d)
        rows = questions()
        store.similarity_search(rows[0]["q"], k=4)
        times, quotes = [], []
        for r in rows:
            t0 = time.perf_counter()
            found = store.similarity_search(r["q"], k=4)
            times.append((time.perf_counter() - t0) * 1000)
            quotes.append([x.page_content for x in found])
    lengths = [
        len(q) for qs, r in zip(quotes, rows, strict=True) if r["kind"] == "in" for q in qs[:3]
    ]
    return {
        "p50_ms": pct(times, 0.5),
        "p95_ms": pct(times, 0.95),
        **hits(rows, quotes),
        "mean_quote_chars": round(sum(lengths) / len(lengths)),
        "refusal_acc_out": 0.0,
    }


def llm_writer(db: str) -> list[dict[str, Any]]:
    """The optional language-model writer (SmolLM2-135M-Instruct, `llm` extra), in process and
    through llama-cpp-python's OpenAI-compatible server: per answer latency, the share of
    generated sentences the grounding check kept, how many answers the model wrote, and the
    quality of the citations it kept."""

    from assistant.answer import grounding
    from assistant.api import build_assistant
    from assistant.settings import Settings
    from assistant.types import Answer
    from tests.helpers import free_port, llm_server_command, running, smollm2_path

    gguf = smollm2_path()
    if gguf is None:
        return []
    rows = questions()
    port = free_port()
    server = llm_server_command(gguf, port)
    out = []
    for mode, llm in (
        ("llamacpp (in process)", f"llamacpp:{gguf}"),
        ("openai (llama_cpp.server)", f"openai:http://127.0.0.1:{port}/v1:smollm2"),
    ):
        with contextlib.ExitStack() as stack:
            if mode.startswith("openai"):
                stack.enter_context(running(server, f"http://127.0.0.1:{port}/v1/models"))
            a = build_assistant(Settings(db_dir=Path(db), llm=llm, llm_timeout=120))
            a.warm()
            times, writes, generated, dropped, written, quotes = [], [], 0, 0, 0, []
            refused_out = n_out = 0
            for r in rows:
                t0 = time.perf_counter()
                items = list(a.stream(r["q"], r.get("history", [])))
                times.append((time.perf_counter() - t0) * 1000)
                answer = items[-1]
                assert isinstance(answer, Answer)
                quotes.append([c.quote for c in answer.citations])
                if r["kind"] == "out":
                    n_out += 1
                    refused_out += answer.refused
                if "write" not in answer.timings_ms:
                    continue
                writes.append(answer.timings_ms["write"])
                generated += len(
                    grounding.split("".join(i for i in items[:-1] if isinstance(i, str)))
                )
                dropped += answer.dropped_sentences
                written += answer.writer != "extractive"
            out.append(
                {
                    "mode": mode,
                    "answers_p50_ms": pct(times, 0.5),
                    "answers_p95_ms": pct(times, 0.95),
                    "write_p50_ms": pct(writes, 0.5),
                    "generated_sentences": generated,
                    "kept_share": round((generated - dropped) / max(1, generated), 3),
                    "written_by_model": f"{written} / {len(writes)}",
                    "refusal_acc_out": round(refused_out / max(1, n_out), 3),
                    **hits(rows, quotes),
                }
            )
    return out


def app_start(db: str) -> dict[str, Any]:
    """Seconds from `python app.py` to the page being served, and to the first answer; the
    serving process's peak RSS after answering every labelled question."""
    from gradio_client import Client

    from tests.helpers import free_port, running

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    app = [PY, "app.py", "--port", str(port)]
    with running(app, url, env(ASSISTANT_DB_DIR=db), timeout=120) as (proc, served):
        client = Client(url, verbose=False)
        t1 = time.perf_counter()
        client.predict(questions()[0]["q"], api_name="/ask")
        first = time.perf_counter() - t1
        for r in questions():
            client.predict(r["q"], api_name="/ask")
        load = many_users(url)
        status = Path(f"/proc/{proc.pid}/status").read_text()
        hwm = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    return {
        "page_served_s": round(served, 2),
        "first_answer_after_page_s": round(first, 2),
        "serving_peak_rss_mb": round(hwm / 1024, 1),
        **load,
    }


def many_users(url: str, clients: int = 20, each: int = 10) -> dict[str, Any]:
    """`clients` gradio_client users at once, `each` questions apiece, through /ask."""
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    texts = [r["q"] for r in questions()][:each]

    def user(_: int) -> list[float]:
        client = Client(url, verbose=False)
        times = []
        for t in texts:
            t0 = time.perf_counter()
            out = client.predict(t, api_name="/ask")
            times.append((time.perf_counter() - t0) * 1000)
            assert "error" not in out
        return times

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        times = [t for ts in pool.map(user, range(clients)) for t in ts]
    wall = time.perf_counter() - t0
    return {
        "users": clients,
        "questions_each": each,
        "users_p50_ms": pct(times, 0.5),
        "users_p95_ms": pct(times, 0.95),
        "users_answers_per_s": round(len(times) / wall, 1),
    }
