"""`python -m bench [--sizes 1000,10000,100000] [--no-server] [--quick]`: measure everything
docs/performance.md reports, in one run on this machine; print a table and write
bench/results/latest.json.

Measures: ingest (cold, warm, interpreter start), embedding throughput next to raw
SentenceTransformer.encode on the same texts, warm query latency next to one raw query encode
and next to the stock LangChain recipe (with each one's hit@1/hit@3 on the labelled set),
ingest throughput per document format (TXT, HTML, PDF, DOCX: extraction alone and the whole
ingest), the batch CLI's per-question time measured from outside, cold start of `ask` and of
the app, peak memory, the optional language-model writer (SmolLM2, when the `llm` extra is
installed), and ingest/query at 1k-100k synthetic passages, embedded and on a `chroma run` server.
Needs the `bench` extra (`make bench` installs it).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.scale import table as scale_table

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
QUESTIONS = ROOT / "tests" / "corpora" / "seeds" / "questions.jsonl"
WRAP = (
    "import resource, subprocess, sys\n"
    "p = subprocess.run(sys.argv[1:])\n"
    "print('__RSS_KB__', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(p.returncode)\n"
)


def env(**extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    e.update(HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False", GRADIO_ANALYTICS_ENABLED="False")
    e.update(extra)
    return e


def measured(args: list[str], extra: dict[str, str], stdin: str | None = None) -> dict[str, Any]:
    """Run a command; wall seconds, stdout and its peak RSS in MB."""
    t0 = time.perf_counter()
    p = subprocess.run(
        [PY, "-c", WRAP, PY, *args],
        cwd=ROOT,
        env=env(**extra),
        input=stdin,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    rss = next(
        (int(line.split()[1]) for line in p.stderr.splitlines() if line.startswith("__RSS_KB__")), 0
    )
    if p.returncode != 0:
        raise RuntimeError(f"{args} failed: {p.stderr[-800:]}")
    return {"seconds": seconds, "stdout": p.stdout, "rss_mb": round(rss / 1024, 1)}


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * q))], 2) if values else 0.0


def questions() -> list[dict[str, Any]]:
    return [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]


def hits(rows: list[dict[str, Any]], quotes: list[list[str]]) -> dict[str, float]:
    pairs = [(r, q) for r, q in zip(rows, quotes, strict=True) if r["kind"] == "in"]
    h1 = sum(any(e in q[0] for e in r["expect"]) for r, q in pairs if q)
    h3 = sum(any(e in x for x in q[:3] for e in r["expect"]) for r, q in pairs)
    return {"hit@1": round(h1 / len(pairs), 3), "hit@3": round(h3 / len(pairs), 3)}


# --- the pieces ----------------------------------------------------------------------------


def interpreter_start() -> float:
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([PY, "-c", "pass"], check=True)
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def ingest_real(tmp: Path) -> dict[str, Any]:
    extra = {"ASSISTANT_DB_DIR": str(tmp / "real-db")}
    cold = measured(["ingest.py", "--json"], extra)
    warm = measured(["ingest.py", "--json"], extra)
    report = json.loads(warm["stdout"].strip().splitlines()[-1])
    assert report["embedded"] == 0, report
    return {
        "cold_s": round(cold["seconds"], 2),
        "warm_s": round(warm["seconds"], 2),
        "warm_embedded": report["embedded"],
        "peak_rss_mb": cold["rss_mb"],
        "db": extra["ASSISTANT_DB_DIR"],
    }


def throughput(corpus: Path, runs: int = 2) -> dict[str, Any]:
    """Texts per second: raw sentence-transformers, raw ONNX, and our whole ingest; each the
    best of `runs` (single runs on this shared 2-core machine vary by about ±10%). Start-up
    (loading the model, importing Chroma and opening the index) is outside the clock for
    all three; the cold-ingest row measures it."""
    from assistant.chunking import chunk, sentences
    from assistant.corpus import load_corpus
    from assistant.embedding import Embedder, embed_text, sentence_text
    from assistant.ingest.indexing import ingest
    from assistant.settings import Settings
    from assistant.store import Store

    docs, _ = load_corpus(corpus, 10**8)
    passages = [p for d in docs for p in chunk(d)]
    texts = [embed_text(p) for p in passages] + [
        sentence_text(s) for p in passages for s in sentences(p)
    ]
    out: dict[str, Any] = {"texts": len(texts), "passages": len(passages)}
    for backend in ("torch", "onnx", "onnx-int8"):
        e = Embedder(64, backend)
        e.encode_array(texts[:64])  # load and warm
        best = math.inf
        for _ in range(runs):
            t0 = time.perf_counter()
            e.encode_array(texts)
            best = min(best, time.perf_counter() - t0)
        out[f"raw_{backend}_texts_per_s"] = round(len(texts) / best, 1)
    seconds = math.inf
    e = Embedder(64, "onnx")
    _ = e.model
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as db:
            settings = Settings(corpus_dir=corpus, db_dir=Path(db))
            store = Store(settings)
            store.open()  # opens (and checks) the index first
            t0 = time.perf_counter()
            report = ingest(settings, store=store, embedder=e)
            seconds = min(seconds, time.perf_counter() - t0)
    out["ingest_s"] = round(seconds, 2)
    out["ingest_texts_per_s"] = round(len(texts) / seconds, 1)
    out["ingest_passages_per_s"] = round(report.passages / seconds, 1)
    out["ratio_ingest_to_raw_torch"] = round(
        out["ingest_texts_per_s"] / out["raw_torch_texts_per_s"], 2
    )
    out["ratio_ingest_to_raw_onnx"] = round(
        out["ingest_texts_per_s"] / out["raw_onnx_texts_per_s"], 2
    )
    return out


ARTICLES_PER_FILE = 4  # synthetic articles per file, so each PDF runs to several pages


def _plain_text(title: str, blocks: list[tuple[str, str]]) -> str:
    """An article as plain text: the title line, then one block per paragraph."""
    lines = [title, ""]
    for kind, text in blocks:
        lines += [f"- {text}" if kind == "bullet" else text, ""]
    return "\n".join(lines)


def formats(tmp: Path, files: int = 20, runs: int = 2) -> dict[str, Any]:
    """Ingest throughput per document format: `files` files each of .txt, .html (a blog page
    with its furniture), .pdf and .docx, all holding the same synthetic text (file i is
    articles 4i..4i+3 joined, so a PDF runs to several pages). For each format, in a folder
    of its own: extraction alone (`load_corpus` with an empty `.extracted/`, which makes the
    whole first run pay the extractors' imports too) and the whole ingest into a fresh Chroma
    index (extraction included; model loaded and index opened before the clock), each the
    best of `runs`. Pages: a PDF's real page count; any other file counts as one page."""
    import shutil

    import pdfplumber

    from assistant.corpus import EXTRACTED, load_corpus
    from assistant.embedding import Embedder
    from assistant.ingest.indexing import ingest
    from assistant.settings import Settings
    from assistant.store import Store
    from bench.synthetic import articles
    from tests import documents

    texts = articles(files * ARTICLES_PER_FILE)
    bodies = []
    for i in range(files):
        parts = [
            documents.blocks_from_text(t)
            for t in texts[i * ARTICLES_PER_FILE : (i + 1) * ARTICLES_PER_FILE]
        ]
        title, blocks = parts[0]
        for other_title, other_blocks in parts[1:]:
            blocks = [*blocks, ("heading", other_title), *other_blocks]
        bodies.append((title, blocks))
    writers = {
        "txt": lambda t, b: _plain_text(t, b).encode("utf-8"),
        "html": lambda t, b: documents.html_page(t, b, furniture=True).encode("utf-8"),
        "pdf": documents.pdf_bytes,
        "docx": documents.docx_bytes,
    }
    e = Embedder(64, "onnx")
    e.encode_array(["load and warm the model"] * 8)
    out: dict[str, Any] = {}
    for fmt, write in writers.items():
        folder = tmp / f"formats-{fmt}"
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        pages = 0
        for i, (title, blocks) in enumerate(bodies):
            data = write(title, blocks)
            (folder / f"doc-{i:03d}.{fmt}").write_bytes(data)
            if fmt == "pdf":
                with pdfplumber.open(io.BytesIO(data)) as pdf:
                    pages += len(pdf.pages)
            else:
                pages += 1
        settings = Settings(corpus_dir=folder)
        extract_s = math.inf
        for _ in range(runs):
            shutil.rmtree(folder / EXTRACTED, ignore_errors=True)
            t0 = time.perf_counter()
            docs, skipped = load_corpus(folder, settings.max_file_bytes)
            extract_s = min(extract_s, time.perf_counter() - t0)
            assert len(docs) == files and not skipped, (fmt, len(docs), skipped)
        ingest_s = math.inf
        for _ in range(runs):
            shutil.rmtree(folder / EXTRACTED, ignore_errors=True)
            with tempfile.TemporaryDirectory(dir=tmp) as db:
                settings = Settings(corpus_dir=folder, db_dir=Path(db))
                store = Store(settings)
                store.open()  # opens (and checks) the index first
                t0 = time.perf_counter()
                report = ingest(settings, store=store, embedder=e)
                ingest_s = min(ingest_s, time.perf_counter() - t0)
            assert report.documents == files and not report.skipped, (fmt, report)
        out[fmt] = {
            "files": files,
            "articles_per_file": ARTICLES_PER_FILE,
            "pages": pages,
            "pages_counted": "real pages" if fmt == "pdf" else "one page per file",
            "passages": report.passages,
            "extract_s": round(extract_s, 3),
            "extract_pages_per_s": round(pages / extract_s, 1),
            "ingest_s": round(ingest_s, 2),
            "ingest_pages_per_s": round(pages / ingest_s, 1),
            "ingest_passages_per_s": round(report.passages / ingest_s, 1),
        }
    return out


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
    onnx = Embedder(64, "onnx")
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


def small(tmp: Path) -> dict[str, Any]:
    """Every measurement but the scale runs, into one results dict."""
    results: dict[str, Any] = {}
    results["interpreter_start_s"] = round(interpreter_start(), 3)
    results["ingest"] = ingest_real(tmp)
    results["ingest"]["warm_beyond_interpreter_s"] = round(
        results["ingest"]["warm_s"] - results["interpreter_start_s"], 2
    )
    print("ingest", json.dumps(results["ingest"]), flush=True)
    from bench.synthetic import make_corpus

    results["throughput"] = throughput(make_corpus(tmp / "tp", 1000))
    print("throughput", json.dumps(results["throughput"]), flush=True)
    results["formats"] = formats(tmp)
    print("formats", json.dumps(results["formats"]), flush=True)
    db = results["ingest"]["db"]
    results["query"] = query_latency(db)
    print("query", json.dumps(results["query"]), flush=True)
    results["batch"] = batch_from_outside(db, results["query"]["raw_encode_torch_p50_ms"])
    print("batch", json.dumps(results["batch"]), flush=True)
    results["langchain"] = langchain_recipe()
    print("langchain", json.dumps(results["langchain"]), flush=True)
    results["llm"] = llm_writer(db)
    print("llm", json.dumps(results["llm"]), flush=True)
    results["app"] = app_start(db)
    print("app", json.dumps(results["app"]), flush=True)
    return results


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem / 2**20, 1),
        "python": platform.python_version(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--no-server", action="store_true", help="skip the Chroma server runs")
    parser.add_argument(
        "--server-sizes", default=None, help="sizes also run on a Chroma server (default: all)"
    )
    parser.add_argument("--quick", action="store_true", help="only the small measurements")
    parser.add_argument(
        "--scale-only", action="store_true", help="only the scale runs (--sizes, --server-sizes)"
    )
    parser.add_argument(
        "--no-docs", action="store_true", help="do not write the tables into docs/performance.md"
    )
    args = parser.parse_args()
    os.environ.update(env())
    sizes = [] if args.quick else [int(s) for s in args.sizes.split(",") if s]
    results: dict[str, Any] = {"machine": machine(), "when": time.strftime("%Y-%m-%d %H:%M")}
    server_sizes = (
        set()
        if args.no_server
        else {int(x) for x in args.server_sizes.split(",") if x}
        if args.server_sizes is not None
        else set(sizes)
    )
    with tempfile.TemporaryDirectory(prefix="bench-") as d:
        tmp = Path(d)
        if not args.scale_only:
            results.update(small(tmp))
        from bench.scale import scale

        results["scale"] = scale(sizes, server_sizes, tmp)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    if args.scale_only and (out / "latest.json").is_file():  # the other figures stay
        results = json.loads((out / "latest.json").read_text()) | results
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    print()
    print(table(results) if "query" in results else "\n".join(scale_table(results["scale"])))
    if not args.no_docs:
        print(f"\nwrote {', '.join(write_docs(results))} into {DOCS.relative_to(ROOT)}")
    return 0


def tables(r: dict[str, Any]) -> dict[str, str]:
    """The run's markdown tables, by section: figures, formats, llm, scale (only scale when
    the run had nothing else)."""
    if "query" not in r:
        return {"scale": "\n".join(scale_table(r["scale"]))}
    q, t, b, lc, ing, app = (
        r["query"],
        r["throughput"],
        r["batch"],
        r["langchain"],
        r["ingest"],
        r["app"],
    )
    lines = [
        f"machine: {r['machine']['cpu']}, {r['machine']['cores']} cores, "
        f"{r['machine']['memory_gb']} GB, Python {r['machine']['python']}",
        "",
        "| measure | value | target |",
        "| --- | --- | --- |",
        f"| ingest, cold (2 articles, whole process) | {ing['cold_s']} s | |",
        f"| ingest, warm (nothing changed) | {ing['warm_s']} s = interpreter "
        f"{r['interpreter_start_s']} s + {ing['warm_beyond_interpreter_s']} s | ≤ 1.5 s beyond |",
        f"| embedding, raw sentence-transformers | {t['raw_torch_texts_per_s']} texts/s | floor |",
        f"| embedding, raw ONNX / ONNX int8 | {t['raw_onnx_texts_per_s']} / "
        f"{t['raw_onnx-int8_texts_per_s']} texts/s | |",
        f"| ingest throughput (whole pipeline, {t['passages']} passages) | "
        f"{t['ingest_texts_per_s']} texts/s, {t['ingest_passages_per_s']} passages/s; "
        f"{t['ratio_ingest_to_raw_torch']}× raw ST, {t['ratio_ingest_to_raw_onnx']}× raw ONNX "
        f"| ≥ 0.9× raw |",
        f"| one raw query encode, sentence-transformers / ONNX | "
        f"{q['raw_encode_torch_p50_ms']} / {q['raw_encode_onnx_p50_ms']} ms | floor |",
        f"| `Assistant.ask` warm p50 / p95 (ONNX) | {q['ask_onnx_p50_ms']} / "
        f"{q['ask_onnx_p95_ms']} ms; {q['ratio_p50_to_raw_torch_encode']}× raw ST encode, "
        f"{q['ratio_p50_to_raw_onnx_encode']}× raw ONNX encode | ≤ 2× |",
        f"| `Assistant.ask` warm p50 / p95 (torch backend) | {q['ask_torch_p50_ms']} / "
        f"{q['ask_torch_p95_ms']} ms | |",
        f"| `ask --json -` per question, from outside | {b['per_question_ms_from_outside']} ms = "
        f"{b['ratio_to_raw_torch_encode']}× raw ST encode | ≤ 2.5× |",
        f"| `ask` cold, one question, whole process | {b['cold_one_question_s']} s | ≤ 6 s |",
        f"| app: page served / first answer after it | {app['page_served_s']} s / "
        f"{app['first_answer_after_page_s']} s | ≤ 10 s / ≤ 3 s |",
        f"| app, {app['users']} users × {app['questions_each']} questions at once, per answer "
        f"(client side) | p50 {app['users_p50_ms']} ms, p95 {app['users_p95_ms']} ms, "
        f"{app['users_answers_per_s']} answers/s | no errors |",
        f"| peak RSS: ingest / app serving / CLI batch | {ing['peak_rss_mb']} / "
        f"{app['serving_peak_rss_mb']} / {b['serving_cli_peak_rss_mb']} MB | |",
        "",
        "| system (labelled set) | hit@1 | hit@3 | unanswerable refused | p50 | p95 |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| ours, ONNX | {q['ask_onnx_quality']['hit@1']} | {q['ask_onnx_quality']['hit@3']} | "
        f"{q['ask_onnx_quality']['refusal_acc_out']} | {q['ask_onnx_p50_ms']} ms | "
        f"{q['ask_onnx_p95_ms']} ms |",
        f"| ours, torch | {q['ask_torch_quality']['hit@1']} | {q['ask_torch_quality']['hit@3']} | "
        f"{q['ask_torch_quality']['refusal_acc_out']} | {q['ask_torch_p50_ms']} ms | "
        f"{q['ask_torch_p95_ms']} ms |",
        f"| ours, ONNX int8 (own index) | {q['ask_onnx-int8_quality']['hit@1']} | "
        f"{q['ask_onnx-int8_quality']['hit@3']} | {q['ask_onnx-int8_quality']['refusal_acc_out']} "
        f"| {q['ask_onnx-int8_p50_ms']} ms | {q['ask_onnx-int8_p95_ms']} ms |",
        f"| stock LangChain recipe (k=4, {lc['mean_quote_chars']}-char quotes) | {lc['hit@1']} | "
        f"{lc['hit@3']} | 0 | {lc['p50_ms']} ms | {lc['p95_ms']} ms |",
    ]
    sections = {"figures": lines}
    if r.get("formats"):
        sections["formats"] = lines = [
            "| format | files | pages | extract pages/s | ingest pages/s (whole pipeline) |",
            "| --- | --- | --- | --- | --- |",
        ]
        for name, f in r["formats"].items():
            lines.append(
                f"| {name} | {f['files']} | {f['pages']} | {f['extract_pages_per_s']} | "
                f"{f['ingest_pages_per_s']} |"
            )
        rows = list(r["formats"].values())
        per_file = sum(f["passages"] for f in rows) / sum(f["files"] for f in rows)
        lines += [
            "",
            f"Every file holds the same text ({rows[0]['articles_per_file']} synthetic articles, "
            f"about {per_file:.0f} passages); a PDF's pages are its real pages, an HTML, DOCX or "
            "TXT file counts as one page.",
        ]
    if r.get("llm"):
        sections["llm"] = lines = [
            "| language-model writer (SmolLM2-135M, labelled set) | per answer p50 / p95 | "
            "generation p50 | sentences kept | answers written by it | hit@1 / hit@3 | "
            "unanswerable refused |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for m in r["llm"]:
            lines.append(
                f"| {m['mode']} | {m['answers_p50_ms']} / {m['answers_p95_ms']} ms | "
                f"{m['write_p50_ms']} ms | {m['kept_share']} of {m['generated_sentences']} | "
                f"{m['written_by_model']} | {m['hit@1']} / {m['hit@3']} | "
                f"{m['refusal_acc_out']} |"
            )
    if r.get("scale"):
        sections["scale"] = scale_table(r["scale"])
    return {name: "\n".join(body) for name, body in sections.items()}


def table(r: dict[str, Any]) -> str:
    return "\n\n".join(tables(r).values())


DOCS = ROOT / "docs" / "performance.md"


def write_docs(r: dict[str, Any], path: Path = DOCS) -> list[str]:
    """Put this run's tables into docs/performance.md, each between its markers
    (`<!-- bench:NAME -->` ... `<!-- /bench:NAME -->`); sections this run did not measure (the
    scale runs under --quick) keep their last figures. The names of the sections written."""
    from tools.markers import fill

    return fill(path, "bench", tables(r))


if __name__ == "__main__":
    sys.exit(main())
