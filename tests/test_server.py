"""The HTTP service over real HTTP on loopback: a real uvicorn server, the real model, real
indexes. Startup and readiness, search and batch, every error code, auth, load shedding,
hot swap under a concurrent writer, a damaged generation refused, metrics, privacy of the
access log, the Python client and the LlamaIndex retriever."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

from indexer.server import ServerSettings, create_app  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Running:
    def __init__(self, settings: ServerSettings) -> None:
        import uvicorn

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port,
                                log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not become ready")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def served(sample_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("served") / "sample"
    shutil.copytree(sample_index, path)
    return path


@pytest.fixture(scope="module")
def server(served: Path) -> Iterator[Running]:
    running = Running(ServerSettings(indexes={"sample": str(served)}, max_k=50,
                                     max_body_bytes=20_000, max_batch=80,
                                     refresh_seconds=0.2, max_concurrent=4))
    yield running
    running.stop()


def post(server: Running, path: str, body: object, **kw: object) -> httpx.Response:
    return httpx.post(server.url + path, json=body, timeout=60, **kw)


def test_health_readiness_and_openapi(server: Running) -> None:
    assert httpx.get(server.url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(server.url + "/readyz").json()
    assert ready["status"] == "ready" and ready["indexes"]["sample"]["ready"]
    spec = httpx.get(server.url + "/openapi.json").json()
    assert {"/v1/search", "/v1/search/batch", "/v1/indexes"} <= set(spec["paths"])


def test_search_returns_the_cli_fields(server: Running, served: Path) -> None:
    from indexer import Index

    r = post(server, "/v1/search", {"query": "how long should I wash my hands", "k": 3})
    assert r.status_code == 200, r.text
    data = r.json()
    assert len(data["hits"]) == 3 and data["took_ms"] > 0
    hit = data["hits"][0]
    assert set(hit) >= {"chunk_id", "doc_id", "score", "text", "source", "page", "lang",
                        "section", "scores"}
    local = Index.open(served).search("how long should I wash my hands", k=3)
    assert [h["chunk_id"] for h in data["hits"]] == [h.chunk_id for h in local]
    assert data["index"]["name"] == "sample"
    assert data["index"]["generation"] == Index.open(served).generation
    assert data["index"]["model_checksum"]
    bm25 = post(server, "/v1/search", {"query": "ORS", "mode": "bm25", "k": 2,
                                       "filters": {"language": ["en"]}}).json()
    assert all(h["lang"] == "en" for h in bm25["hits"])
    listed = httpx.get(server.url + "/v1/indexes").json()["indexes"][0]
    assert listed["name"] == "sample" and listed["chunks"] > 0 and "en" in listed["languages"]


def test_batch_answers_from_one_generation(server: Running) -> None:
    queries = [{"query": q, "k": 2} for q in ("hand washing", "fever", "नाल की देखभाल")]
    r = post(server, "/v1/search/batch", {"queries": queries})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert len(results) == 3 and all(len(x["hits"]) == 2 for x in results)
    assert len({x["index"]["generation"] for x in results}) == 1


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"query": "x", "k": "many"}, 422, "invalid"),
    ({"k": 3}, 422, "invalid"),
    ({"query": "x", "mode": "fuzzy"}, 422, "invalid"),
    ({"query": "x", "surprise": 1}, 422, "invalid"),
    ({"query": "x", "k": 500}, 400, "bad_request"),
    ({"query": "   "}, 400, "bad_request"),
    ({"query": "x", "mode": "bm25", "min_score": 0.5}, 400, "bad_request"),
    ({"query": "x", "rerank": "no-such-reranker"}, 400, "bad_request"),
    ({"query": "x", "index": "nope"}, 404, "not_found"),
])
def test_errors_share_one_envelope(server: Running, body: dict, status: int,
                                   code: str) -> None:
    r = post(server, "/v1/search", body)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code and r.json()["error"]["message"]


def test_body_too_large_and_malformed_json(server: Running) -> None:
    r = post(server, "/v1/search", {"query": "x" * 30_000})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    bad = httpx.post(server.url + "/v1/search", content=b"{not json",
                     headers={"content-type": "application/json"})
    assert bad.status_code == 422 and "error" in bad.json()
    assert httpx.get(server.url + "/v1/nothing").json()["error"]["code"] == "not_found"


def test_metrics_change_with_traffic(server: Running) -> None:
    def count() -> float:
        text = httpx.get(server.url + "/metrics").text
        for line in text.splitlines():
            if line.startswith('indexer_requests_total{endpoint="/v1/search",status="200"}'):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    before = count()
    for _ in range(3):
        post(server, "/v1/search", {"query": "breastfeeding how often", "k": 1})
    text = httpx.get(server.url + "/metrics").text
    assert count() == before + 3
    assert 'indexer_query_vector_cache_total{result="hit"}' in text  # repeats hit the cache
    assert "indexer_search_stage_seconds_bucket" in text and 'index="sample"' in text


def test_access_log_hashes_queries(server: Running, caplog: pytest.LogCaptureFixture) -> None:
    query = "my daughter Asha has a fever of 39"
    with caplog.at_level(logging.INFO, logger="indexer.server.access"):
        post(server, "/v1/search", {"query": query, "k": 1})
        time.sleep(0.2)
    lines = [json.loads(r.getMessage()) for r in caplog.records
             if r.name == "indexer.server.access"]
    mine = [x for x in lines if x.get("path") == "/v1/search"]
    assert mine and mine[-1]["query_sha256"] == hashlib.sha256(query.encode()).hexdigest()
    assert all(query not in r.getMessage() and "Asha" not in r.getMessage()
               for r in caplog.records)


def test_client_and_llama_retriever(server: Running) -> None:
    from indexer.client import IndexerClient, ServerError

    with IndexerClient(server.url) as client:
        assert client.ready()
        hits = client.search("cord stump care", k=2)
        assert len(hits) == 2 and hits[0].chunk_id and hits[0].rank == 1
        assert [len(h) for h in client.search_batch(["fever", "hand washing"], k=1)] == [1, 1]
        assert client.indexes()[0]["name"] == "sample"
        with pytest.raises(ServerError) as err:
            client.search("x", index="nope")
        assert err.value.status == 404 and err.value.code == "not_found"
        pytest.importorskip("llama_index.core")
        from indexer.llama import ServerRetriever

        nodes = ServerRetriever(client, k=2).retrieve("how do I wash my hands")
        direct = client.search("how do I wash my hands", k=2)
        assert [n.node.node_id for n in nodes] == [h.chunk_id for h in direct]
        assert nodes[0].node.metadata["doc_id"] == direct[0].doc_id
        assert nodes[0].score == pytest.approx(direct[0].score)


def test_hot_swap_under_a_concurrent_writer(server: Running, served: Path, embedder) -> None:  # noqa: ANN001
    from indexer import Index

    start = post(server, "/v1/search", {"query": "hand washing", "k": 1}).json()
    old = start["index"]["generation"]
    doc = start["hits"][0]["doc_id"]
    failures: list[str] = []
    seen: set[str] = set()
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            r = post(server, "/v1/search", {"query": "hand washing", "k": 5})
            if r.status_code != 200:
                failures.append(r.text)
                continue
            gens = {r.json()["index"]["generation"]}
            seen.update(gens)

    workers = [threading.Thread(target=load) for _ in range(2)]
    for w in workers:
        w.start()
    time.sleep(0.3)
    Index.open(served, embedder=embedder).delete([doc])  # another writer commits
    deadline = time.monotonic() + 10
    new = old
    while time.monotonic() < deadline and new == old:
        new = post(server, "/v1/search", {"query": "x", "k": 1}).json()["index"]["generation"]
        time.sleep(0.1)
    time.sleep(0.3)
    stop.set()
    for w in workers:
        w.join()
    assert new != old and not failures, failures[:3]
    after = post(server, "/v1/search", {"query": "hand washing", "k": 10}).json()
    assert all(h["doc_id"] != doc for h in after["hits"])
    assert seen <= {old, new}


def test_damaged_generation_refused_old_kept(server: Running, served: Path) -> None:
    from indexer.storage.manifest import read_manifest, write_manifest

    good = read_manifest(served)
    bad_dir = served / "gen-999990"
    shutil.copytree(served / good["generation_dir"], bad_dir)
    (bad_dir / "dense.faiss").write_bytes(b"not a faiss index")
    write_manifest(served, {**good, "generation_dir": bad_dir.name})
    try:
        deadline = time.monotonic() + 10
        detail: dict = {}
        while time.monotonic() < deadline:
            detail = httpx.get(server.url + "/readyz").json()["indexes"]["sample"]
            if detail["error"]:
                break
            time.sleep(0.1)
        assert "refused" in (detail["error"] or "") and detail["generation"] == \
            good["generation_dir"]
        r = post(server, "/v1/search", {"query": "hand washing", "k": 1})
        assert r.status_code == 200 and r.json()["index"]["generation"] == \
            good["generation_dir"]
    finally:
        write_manifest(served, good)
        shutil.rmtree(bad_dir, ignore_errors=True)


def test_auth_and_load_shedding(served: Path) -> None:
    running = Running(ServerSettings(indexes={"sample": str(served)}, api_key="s3cret",
                                     max_concurrent=1, max_batch=200))
    try:
        assert httpx.get(running.url + "/healthz").status_code == 200  # open
        denied = post(running, "/v1/search", {"query": "fever"})
        assert denied.status_code == 401 and denied.json()["error"]["code"] == "unauthorized"
        wrong = post(running, "/v1/search", {"query": "fever"},
                     headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = post(running, "/v1/search", {"query": "fever"},
                  headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        assert post(running, "/v1/search", {"query": "fever"},
                    headers={"X-API-Key": "s3cret"}).status_code == 200
        # one slot: a long batch holds it, the next request is shed at once
        slow = {"queries": [{"query": f"question number {i} about fever and cough",
                             "k": 50, "mode": "dense"} for i in range(200)]}
        holder = threading.Thread(target=lambda: post(
            running, "/v1/search/batch", slow, headers={"X-API-Key": "s3cret"}))
        holder.start()
        deadline = time.monotonic() + 20
        shed = None
        while time.monotonic() < deadline and holder.is_alive():
            r = post(running, "/v1/search", {"query": "fever"},
                     headers={"X-API-Key": "s3cret"})
            if r.status_code == 429:
                shed = r
                break
        holder.join()
        assert shed is not None, "no request was shed while the slot was held"
        assert shed.json()["error"]["code"] == "overloaded" and shed.headers["retry-after"]
    finally:
        running.stop()
