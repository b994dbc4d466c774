"""Readiness and generations: warm before ready, hot swap under a concurrent writer, a
damaged generation refused and the refusal cleared, an index that failed to open retried
until it opens."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

from serve_helpers import Running, httpx, wait_for

from indexer.server import ServerSettings


def test_warmed_before_ready(served: Path, start: Callable[..., Running]) -> None:
    """/readyz says ready only after one real search through BM25 and dense per index (the
    first caller must not pay numba's compile or the first page-ins)."""
    running = start(ServerSettings(indexes={"sample": str(served)}), wait_ready=False)
    ready = wait_for(lambda: running.get("/readyz").status_code == 200, 120)
    assert ready
    warm = running.get("/readyz").json()["indexes"]["sample"]["warm_ms"]
    assert {"encoder", "bm25", "embed", "dense", "fuse", "fetch"} <= set(warm)
    text = running.get("/metrics").text
    assert 'indexer_warmup_seconds{index="sample",stage="bm25"}' in text
    assert 'indexer_warmup_seconds{index="sample",stage="dense"}' in text


def test_hot_swap_under_a_concurrent_writer(server: Running, served: Path, embedder) -> None:  # noqa: ANN001
    from indexer import Index

    start = server.post("/v1/search", {"query": "hand washing", "k": 1}).json()
    old = start["index"]["generation"]
    doc = start["hits"][0]["doc_id"]
    failures: list[str] = []
    seen: set[str] = set()
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            r = server.post("/v1/search", {"query": "hand washing", "k": 5})
            if r.status_code != 200:
                failures.append(r.text)
                continue
            seen.add(r.json()["index"]["generation"])

    workers = [threading.Thread(target=load) for _ in range(2)]
    for w in workers:
        w.start()
    time.sleep(0.3)
    Index.open(served, embedder=embedder).delete([doc])  # another writer commits
    deadline = time.monotonic() + 10
    new = old
    while time.monotonic() < deadline and new == old:
        new = server.post("/v1/search", {"query": "x", "k": 1}).json()["index"]["generation"]
        time.sleep(0.1)
    time.sleep(0.3)
    stop.set()
    for w in workers:
        w.join()
    assert new != old and not failures, failures[:3]
    after = server.post("/v1/search", {"query": "hand washing", "k": 10}).json()
    assert all(h["doc_id"] != doc for h in after["hits"])
    assert seen <= {old, new}


def _detail(running: Running) -> dict:
    return running.get("/readyz").json()["indexes"]["sample"]


def test_damaged_generation_refused_then_cleared(server: Running, served: Path) -> None:
    from indexer.storage.manifest import read_manifest, write_manifest

    good = read_manifest(served)
    bad_dir = served / "gen-999990"
    shutil.copytree(served / good["generation_dir"], bad_dir)
    (bad_dir / "dense.faiss").write_bytes(b"not a faiss index")
    write_manifest(served, {**good, "generation_dir": bad_dir.name})
    try:
        detail = wait_for(lambda: (d := _detail(server))["error"] and d, 10) or {}
        assert "refused" in (detail["error"] or "") and detail["generation"] == \
            good["generation_dir"]
        assert server.get("/readyz").status_code == 200  # the old one still serves
        r = server.post("/v1/search", {"query": "hand washing", "k": 1})
        assert r.status_code == 200 and r.json()["index"]["generation"] == \
            good["generation_dir"]
        flagged = server.get("/metrics").text
    finally:
        write_manifest(served, good)
        shutil.rmtree(bad_dir, ignore_errors=True)
    # the manifest names the served generation again: the refusal is history
    cleared = wait_for(lambda: _detail(server)["error"] is None, 10)
    assert cleared, _detail(server)
    assert 'indexer_index_ok{index="sample"} 0.0' in flagged
    assert 'indexer_index_ok{index="sample"} 1.0' in server.get("/metrics").text


def test_index_that_failed_to_open_is_retried(sample_index: Path, tmp_path: Path,
                                              start: Callable[..., Running]) -> None:
    from indexer.storage.manifest import read_manifest

    path = tmp_path / "sample"
    shutil.copytree(sample_index, path)
    faiss = path / read_manifest(path)["generation_dir"] / "dense.faiss"
    kept = faiss.read_bytes()
    faiss.write_bytes(b"damaged before the server started")
    running = start(ServerSettings(indexes={"sample": str(path)}, refresh_seconds=0.2),
                    wait_ready=False)
    failed = wait_for(lambda: (d := _detail(running))["error"] and d, 60)
    assert failed and "dense.faiss" in failed["error"] and not failed["ready"]
    assert running.get("/readyz").status_code == 503
    r = running.post("/v1/search", {"query": "fever"})
    assert r.status_code == 503 and r.json()["error"]["code"] == "unavailable"
    faiss.write_bytes(kept)  # repaired
    assert wait_for(lambda: running.get("/readyz").status_code == 200, 60), _detail(running)
    assert _detail(running)["error"] is None
    ok = running.post("/v1/search", {"query": "fever", "k": 1})
    assert ok.status_code == 200 and httpx.get(running.url + "/healthz").status_code == 200
