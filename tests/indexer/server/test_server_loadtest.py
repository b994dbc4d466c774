"""The load generator's pieces against a live server: its writer is a separate
`indexer ingest` process that commits a new generation while clients search."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from serve_helpers import Running

ROOT = Path(__file__).resolve().parents[3]


def test_ingest_process_commits_during_load(server: Running, served: Path,
                                            tmp_path: Path) -> None:
    """The load generator's writer: a separate `indexer ingest` process commits while 2
    clients search; no request fails and answers come from both generations."""
    from indexer.server.loadtest import commit_edit, query_texts, run_clients, swapped

    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpora" / "sample", corpus)
    writers = []
    report = run_clients(server.url, 2, 40, query_texts(),
                         during=lambda: writers.append(commit_edit(corpus, served)),
                         until=lambda gens: swapped(writers, gens))
    out, err = writers[0].communicate(timeout=300)
    assert writers[0].returncode == 0, err[-2000:]
    assert writers[0].pid != os.getpid()
    assert report["failed"] == 0 and report["shed"] == 0, report
    assert len(report["generations_answered"]) >= 2, report
    now = server.post("/v1/search", {"query": "changing a nappy", "k": 3, "mode": "bm25"})
    assert any("nappy" in h["text"] for h in now.json()["hits"])


def test_soak_reads_each_workers_memory_every_round(server: Running) -> None:
    """The soak run: requests in rounds, the worker's resident memory read after each round
    (this test's server runs in this process, so that worker is this pid)."""
    from indexer.server.loadtest import SOAK_ROUNDS, soak

    report = soak(server.url, 2 * SOAK_ROUNDS, ["hand washing", "हाथ धोना"], [os.getpid()])
    assert report["requests"] == 2 * SOAK_ROUNDS
    assert report["ok"] == report["requests"] and report["failed"] == 0, report
    series = report["rss_mb_after_each_round"][str(os.getpid())]
    assert len(series) == SOAK_ROUNDS and all(v is not None and v > 0 for v in series)
    growth = report["rss_growth_mb_first_to_last_round"][str(os.getpid())]
    assert growth == round(series[-1] - series[0], 1)
