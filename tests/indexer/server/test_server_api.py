"""Search, batch, indexes, health/readiness/OpenAPI, the Python client and the LlamaIndex
retriever, over real HTTP against a live server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from serve_helpers import Running, httpx


def test_health_readiness_and_openapi(server: Running) -> None:
    assert httpx.get(server.url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(server.url + "/readyz").json()
    assert ready["status"] == "ready" and ready["indexes"]["sample"]["ready"]
    spec = httpx.get(server.url + "/openapi.json").json()
    assert {"/v1/search", "/v1/search/batch", "/v1/indexes"} <= set(spec["paths"])


def test_search_returns_the_cli_fields(server: Running, served: Path) -> None:
    from indexer import Index

    r = server.post("/v1/search", {"query": "how long should I wash my hands", "k": 3})
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
    bm25 = server.post("/v1/search", {"query": "ORS", "mode": "bm25", "k": 2,
                                      "filters": {"language": ["en"]}}).json()
    assert all(h["lang"] == "en" for h in bm25["hits"])
    listed = httpx.get(server.url + "/v1/indexes").json()["indexes"][0]
    assert listed["name"] == "sample" and listed["chunks"] > 0 and "en" in listed["languages"]


def test_feedback_can_be_turned_off_per_request(server: Running, served: Path) -> None:
    from indexer import Index

    q = "what should I give a child with loose stools"
    off = server.post("/v1/search", {"query": q, "k": 5, "feedback": False})
    assert off.status_code == 200, off.text
    local = Index.open(served).search(q, k=5, feedback=None)
    assert [h["chunk_id"] for h in off.json()["hits"]] == [h.chunk_id for h in local]
    assert [h["scores"]["dense"] for h in off.json()["hits"]] == pytest.approx(
        [h.scores["dense"] for h in local], abs=1e-5)
    bad = server.post("/v1/search", {"query": q, "feedback": "sometimes"})
    assert bad.status_code in (400, 422) and "feedback" in bad.text


def test_hits_carry_exactly_the_cli_json_fields(server: Running, served: Path) -> None:
    """No `metadata` (it can hold PII findings): a hit is what `search --json` prints."""
    from click.testing import CliRunner

    from indexer import Index
    from indexer.cli import main

    query = "how long should I wash my hands"
    assert any(h.metadata for h in Index.open(served).search(query, k=3))  # there is some
    printed = CliRunner().invoke(main, ["search", str(served), query, "-k", "3", "--json"])
    assert printed.exit_code == 0, printed.output
    cli_fields = {frozenset(h) for h in json.loads(printed.output)}
    assert len(cli_fields) == 1
    single = server.post("/v1/search", {"query": query, "k": 3}).json()["hits"]
    batch = server.post("/v1/search/batch", {"queries": [{"query": query, "k": 3}]}).json()
    for hits in (single, batch["results"][0]["hits"]):
        assert {frozenset(h) for h in hits} == cli_fields
        assert all("metadata" not in h for h in hits)


def test_batch_answers_from_one_generation(server: Running) -> None:
    queries = [{"query": q, "k": 2} for q in ("hand washing", "fever", "नाल की देखभाल")]
    r = server.post("/v1/search/batch", {"queries": queries})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert len(results) == 3 and all(len(x["hits"]) == 2 for x in results)
    assert len({x["index"]["generation"] for x in results}) == 1


def test_client_and_llama_retriever(server: Running) -> None:
    from indexer.client import IndexerClient, ServerError

    with IndexerClient(server.url) as client:
        assert client.ready()
        hits = client.search("cord stump care", k=2)
        assert len(hits) == 2 and hits[0].chunk_id and hits[0].rank == 1
        assert hits[0].metadata == {}  # never sent
        assert [len(h) for h in client.search_batch(["fever", "hand washing"], k=1)] == [1, 1]
        assert client.indexes()[0]["name"] == "sample"
        with pytest.raises(ServerError) as err:
            client.search("x", index="nope")
        assert err.value.status == 404 and err.value.code == "not_found"
        with pytest.raises(ServerError) as err:
            client.search("fever", rerank="mmr:lam=0.5")
        assert err.value.status == 400 and "options" in err.value.message
        pytest.importorskip("llama_index.core")
        from indexer.llama import ServerRetriever

        nodes = ServerRetriever(client, k=2).retrieve("how do I wash my hands")
        direct = client.search("how do I wash my hands", k=2)
        assert [n.node.node_id for n in nodes] == [h.chunk_id for h in direct]
        assert nodes[0].node.metadata["doc_id"] == direct[0].doc_id
        assert nodes[0].score == pytest.approx(direct[0].score)
