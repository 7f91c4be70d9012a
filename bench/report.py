"""The bench's tables: markdown for docs/performance.md, written between its markers.

Does not: measure anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.measure import ROOT
from bench.scale import table as scale_table


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
        f"{t['ratio_ingest_to_raw_torch']}× raw ST, {t['ratio_ingest_to_raw_onnx']}× raw ONNX; "
        f"{t.get('ratio_ingest_to_raw_onnx_everything', '–')}× raw ONNX of everything it "
        f"embeds (with {t.get('words', '–')} corpus words) | ≥ 0.9× raw |",
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
