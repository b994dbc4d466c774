"""The ingest-scale harness on a small corpus: real `indexer ingest` processes, a real
SIGKILL, `indexer check`, resume, and equality with a clean ingest (the sizes the issue asks
for run in `python -m indexer.harness.perf.ingest_scale`, too long for a test)."""

from __future__ import annotations

from indexer.harness.perf.ingest_scale import measure
from indexer.harness.perf.suite import render


def test_small_scale_and_kill_resume_report() -> None:
    out = measure([40], kills=1, kill_size=60)
    [row] = out["scale"]
    assert row["documents"] == 40 and row["chunks"] >= 40
    assert row["peak_rss_mb"] > 50 and row["peak_tree_rss_mb"] >= row["peak_rss_mb"]
    assert row["noop_rerun_unchanged"] == 40 and row["noop_rerun_seconds"] > 0
    kill = out["kill_and_resume"]
    assert kill["all_checks_passed"] and kill["final_equals_clean"]
    assert kill["final_embedded_again"] >= 0
    table = render({"quick": True, "started": "x", "host": {"machine": "x86_64"},
                    "parts": {"ingest-scale": {"status": "ok", "seconds": 1.0,
                                               "result": out}}})
    assert "ingest 40 documents" in table and "kill -9 ×1" in table
    assert "rerun over unchanged files" in table
