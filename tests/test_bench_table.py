"""The bench's Scale table: every row has every column, an older row a blank for new ones."""

from __future__ import annotations

import pytest

from bench.scale import table

pytestmark = pytest.mark.unit

ROW = {
    "passages": 100031,
    "mode": "server",
    "ingest_s": 1674.1,
    "killed_after_s": 1047.5,
    "resumed_embedded": 36019,
    "ingest_passages_per_s": 59.8,
    "ingest_peak_rss_mb": 767.2,
    "warm_ingest_s": 2.33,
    "first_answer_s": 1.42,
    "query_p50_ms": 23.03,
    "query_p95_ms": 53.66,
    "ask_peak_rss_mb": 354.3,
    "hit@1": 0.668,
    "hit@3": 0.77,
    "unanswerable_refused": 0.854,
}


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def test_a_row_has_a_cell_for_every_column_with_and_without_the_written_after_figures() -> None:
    fresh = ROW | {"fresh_hit@3": 0.8, "fresh_unanswerable_refused": 0.844}
    header, rule, new, old = table([fresh, ROW])
    assert len(_cells(header)) == len(_cells(rule)) == len(_cells(new)) == len(_cells(old))
    assert _cells(new)[-1] == "0.8 / 0.844" and _cells(old)[-1] == ""
    assert "killed at 1047.5 s; the rerun embedded 36,019" in _cells(new)[2]
