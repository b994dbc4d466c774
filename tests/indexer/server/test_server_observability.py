"""Metrics that change with traffic, the access log's privacy, and the query-vector cache
shared by the thread pool (bounded, counted, race-free)."""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from serve_helpers import Running, httpx

from indexer.server import ServerSettings


def _metric(text: str, prefix: str) -> float:
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_change_with_traffic(server: Running) -> None:
    def count() -> float:
        return _metric(httpx.get(server.url + "/metrics").text,
                       'indexer_requests_total{endpoint="/v1/search",status="200"}')

    before = count()
    for _ in range(3):
        server.post("/v1/search", {"query": "breastfeeding how often", "k": 1})
    text = httpx.get(server.url + "/metrics").text
    assert count() == before + 3
    assert 'indexer_query_vector_cache_total{result="hit"}' in text  # repeats hit the cache
    assert "indexer_search_stage_seconds_bucket" in text and 'index="sample"' in text


def test_access_log_hashes_queries(server: Running, caplog: pytest.LogCaptureFixture) -> None:
    query = "my daughter Asha has a fever of 39"
    with caplog.at_level(logging.INFO, logger="indexer.server.access"):
        server.post("/v1/search", {"query": query, "k": 1})
        time.sleep(0.2)
    lines = [json.loads(r.getMessage()) for r in caplog.records
             if r.name == "indexer.server.access"]
    mine = [x for x in lines if x.get("path") == "/v1/search"]
    assert mine and mine[-1]["query_sha256"] == hashlib.sha256(query.encode()).hexdigest()
    assert all(query not in r.getMessage() and "Asha" not in r.getMessage()
               for r in caplog.records)


def test_query_vector_cache_under_concurrency(served: Path,
                                              start: Callable[..., Running]) -> None:
    """8 clients, 400 distinct dense queries and their repeats, with thread switches forced
    often: every answer is a 200 and right, the LRU stays within its bound, and its hit and
    miss counters add up to the lookups made. (The Embedder's own query memo is a plain dict:
    used from the pool, two evictions at once raised KeyError -> 500.)"""
    running = start(ServerSettings(indexes={"sample": str(served)}, query_cache=32,
                                   max_concurrent=16))
    queries = [f"question {i} about a fever, cough or rash" for i in range(400)]
    expected = {q: running.post("/v1/search", {"query": q, "k": 1, "mode": "dense"}
                                ).json()["hits"][0]["chunk_id"] for q in queries[:3]}
    before = httpx.get(running.url + "/metrics").text
    lookups_before = sum(_metric(before, f'indexer_query_vector_cache_total{{result="{r}"}}')
                         for r in ("hit", "miss"))
    failures: list[str] = []
    sent = [0]
    lock = threading.Lock()

    def client(offset: int) -> None:
        with httpx.Client(base_url=running.url, timeout=60) as http:
            for i in range(offset, len(queries), 8):
                for q in (queries[i], queries[i // 2]):  # a fresh one, then a repeat
                    r = http.post("/v1/search", json={"query": q, "k": 1, "mode": "dense"})
                    with lock:
                        sent[0] += 1
                        if r.status_code != 200:
                            failures.append(r.text[:200])
                        elif q in expected and r.json()["hits"][0]["chunk_id"] != expected[q]:
                            failures.append(f"wrong hit for {q!r}")

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # the server runs in this process: interleave it hard
    try:
        threads = [threading.Thread(target=client, args=(o,)) for o in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not failures, failures[:3]
    after = httpx.get(running.url + "/metrics").text
    lookups = sum(_metric(after, f'indexer_query_vector_cache_total{{result="{r}"}}')
                  for r in ("hit", "miss"))
    assert lookups - lookups_before == sent[0] == 800
    assert 0 < _metric(after, "indexer_query_vector_cache_entries") <= 32
    assert _metric(after, 'indexer_query_vector_cache_total{result="hit"}') > 0
