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
