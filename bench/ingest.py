"""Ingest figures: the seed collection cold and warm, embedding throughput next to raw
sentence-transformers and raw ONNX on the same texts, and ingest per document format.

Does not: write any table (report.py).
"""

from __future__ import annotations

import io
import json
import math
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.measure import BATCH, measured


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


def timed_ingest(
    corpus: Path, embedder: Any, where: Path | None = None
) -> tuple[float, Any, list[str]]:
    """Seconds to ingest `corpus` into a fresh index (model loaded and index opened before the
    clock), the ingest report, and the corpus words it embedded (for the meaning of words a
    question uses and the articles lack: lexical_files.py)."""
    from assistant.ingest.indexing import ingest
    from assistant.settings import Settings
    from assistant.store import Store

    with tempfile.TemporaryDirectory(dir=where) as db:
        settings = Settings(corpus_dir=corpus, db_dir=Path(db))
        store = Store(settings)
        store.open()  # opens (and checks) the index first
        t0 = time.perf_counter()
        report = ingest(settings, store=store, embedder=embedder)
        took = time.perf_counter() - t0
        words = json.loads((settings.lexical_dir / "words.json").read_text(encoding="utf-8"))
        return took, report, words


def throughput(corpus: Path, runs: int = 2) -> dict[str, Any]:
    """Texts per second: raw sentence-transformers, raw ONNX, and our whole ingest; each the
    best of `runs` (single runs on this shared 2-core machine vary by about ±10%). Start-up
    (loading the model, importing Chroma and opening the index) is outside the clock for
    all three; the cold-ingest row measures it."""
    from assistant.chunking import chunk, sentences
    from assistant.corpus import load_corpus
    from assistant.embedding import Embedder, embed_text, sentence_text

    docs, _ = load_corpus(corpus, 10**8)
    passages = [p for d in docs for p in chunk(d)]
    texts = [embed_text(p) for p in passages] + [
        sentence_text(s) for p in passages for s in sentences(p)
    ]
    out: dict[str, Any] = {"texts": len(texts), "passages": len(passages)}
    for backend in ("torch", "onnx", "onnx-int8"):
        e = Embedder(BATCH, backend)
        e.encode_array(texts[:64])  # load and warm
        best = math.inf
        for _ in range(runs):
            t0 = time.perf_counter()
            e.encode_array(texts)
            best = min(best, time.perf_counter() - t0)
        out[f"raw_{backend}_texts_per_s"] = round(len(texts) / best, 1)
    seconds = math.inf
    e = Embedder(BATCH, "onnx")
    _ = e.model
    for _ in range(runs):
        took, report, words = timed_ingest(corpus, e)
        seconds = min(seconds, took)
    # Ingest embeds the corpus's words too: the same model on everything it embeds.
    everything = math.inf
    for _ in range(runs):
        t0 = time.perf_counter()
        e.encode_array(texts)
        e.encode_array(words)
        everything = min(everything, time.perf_counter() - t0)
    out["words"] = len(words)
    out["ratio_ingest_to_raw_onnx_everything"] = round(everything / seconds, 2)
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
    from assistant.settings import Settings
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
    e = Embedder(BATCH, "onnx")
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
            took, report, _ = timed_ingest(folder, e, tmp)
            ingest_s = min(ingest_s, took)
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
