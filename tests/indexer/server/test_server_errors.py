"""Every error code in one envelope: validation, limits (body size whatever the framing),
unknown index, the reranker policy, auth and load shedding."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from serve_helpers import Running, httpx

from indexer.server import ServerSettings, create_app


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
    r = server.post("/v1/search", body)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code and r.json()["error"]["message"]


def test_body_too_large_and_malformed_json(server: Running) -> None:
    r = server.post("/v1/search", {"query": "x" * 30_000})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    bad = httpx.post(server.url + "/v1/search", content=b"{not json",
                     headers={"content-type": "application/json"})
    assert bad.status_code == 422 and "error" in bad.json()
    assert httpx.get(server.url + "/v1/nothing").json()["error"]["code"] == "not_found"


def _chunked(body: bytes, piece: int = 1000) -> Iterator[bytes]:
    for i in range(0, len(body), piece):
        yield body[i:i + piece]


def test_chunked_body_is_limited_too(server: Running) -> None:
    """No Content-Length (Transfer-Encoding: chunked): the limit holds on what arrives."""
    small = b'{"query": "hand washing", "k": 1}'
    ok = httpx.post(server.url + "/v1/search", content=_chunked(small, 8),
                    headers={"content-type": "application/json"}, timeout=60)
    assert ok.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in ok.request.headers
    assert ok.status_code == 200, ok.text
    big = b'{"query": "' + b"a" * 30_000 + b'"}'  # over the 20 000-byte limit
    r = httpx.post(server.url + "/v1/search", content=_chunked(big),
                   headers={"content-type": "application/json"}, timeout=60)
    assert r.request.headers.get("transfer-encoding") == "chunked"
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "too_large" and "20000" in r.json()["error"]["message"]
    assert server.get("/healthz").status_code == 200  # and the server is fine


@pytest.mark.parametrize(("rerank", "why"), [
    ("mmr", "not enabled"),                              # a real reranker, not allowed here
    ("mmr:lam=0.5", "options"),
    ("cross-encoder:model=/etc", "options"),
    ("ce-multilingual:models_dir=/tmp", "options"),
    ("/root/.local/share/indexer/models/multilingual-e5-small", "path"),
    ("../models", "path"),
])
def test_rerank_only_allowed_names(server: Running, rerank: str, why: str) -> None:
    r = server.post("/v1/search", {"query": "fever", "k": 2, "rerank": rerank})
    assert r.status_code == 400, r.text
    message = r.json()["error"]["message"]
    assert r.json()["error"]["code"] == "bad_request" and why in message
    assert "allowed: identity" in message
    batch = server.post("/v1/search/batch", {"queries": [{"query": "fever", "rerank": rerank}]})
    assert batch.status_code == 400 and why in batch.json()["error"]["message"]


def test_rerank_allowed_by_the_operator(server: Running, served: Path,
                                        start: Callable[..., Running]) -> None:
    ok = server.post("/v1/search", {"query": "fever", "k": 2, "rerank": "identity"})
    assert ok.status_code == 200 and ok.json()["hits"][0]["scores"]["rerank"] is not None
    with pytest.raises(ValueError, match="not a reranker name"):
        create_app(ServerSettings(indexes={"sample": str(served)}, allow_rerank=("/tmp/m",)))
    mmr = start(ServerSettings(indexes={"sample": str(served)}, allow_rerank=("mmr",)))
    r = mmr.post("/v1/search", {"query": "fever", "k": 3, "rerank": "mmr"})
    assert r.status_code == 200, r.text
    assert all("rerank" in h["scores"] and "first_stage" in h["scores"] for h in r.json()["hits"])
    tuned = mmr.post("/v1/search", {"query": "fever", "rerank": "mmr:lam=0.1"})
    assert tuned.status_code == 400 and "allowed: mmr" in tuned.json()["error"]["message"]
    assert mmr.post("/v1/search", {"query": "fever", "rerank": "identity"}).status_code == 400


def test_auth_and_load_shedding(served: Path, start: Callable[..., Running]) -> None:
    running = start(ServerSettings(indexes={"sample": str(served)}, api_key="s3cret",
                                   max_concurrent=1, max_batch=200))
    assert httpx.get(running.url + "/healthz").status_code == 200  # open
    denied = running.post("/v1/search", {"query": "fever"})
    assert denied.status_code == 401 and denied.json()["error"]["code"] == "unauthorized"
    wrong = running.post("/v1/search", {"query": "fever"},
                         headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    ok = running.post("/v1/search", {"query": "fever"},
                      headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200
    assert running.post("/v1/search", {"query": "fever"},
                        headers={"X-API-Key": "s3cret"}).status_code == 200
    # one slot: a long batch holds it, the next request is shed at once. A probe that
    # takes the slot first sheds the batch instead, so the batch retries until it runs.
    slow = {"queries": [{"query": f"question number {i} about fever and cough",
                         "k": 50, "mode": "dense"} for i in range(200)]}
    deadline = time.monotonic() + 20
    held: list[int] = []

    def hold() -> None:
        while time.monotonic() < deadline:
            held.append(running.post("/v1/search/batch", slow,
                                     headers={"X-API-Key": "s3cret"}).status_code)
            if held[-1] != 429:
                return

    holder = threading.Thread(target=hold)
    holder.start()
    shed = None
    while time.monotonic() < deadline and holder.is_alive():
        r = running.post("/v1/search", {"query": "fever"}, headers={"X-API-Key": "s3cret"})
        if r.status_code == 429:
            shed = r
            break
    holder.join()
    assert shed is not None, "no request was shed while the slot was held"
    assert held[-1] == 200, held  # the batch itself ran once it had the slot
    assert shed.json()["error"]["code"] == "overloaded" and shed.headers["retry-after"]
