"""The FastAPI app: search, batch search, indexes, health, readiness and metrics.

CPU work (encoding, FAISS, BM25) runs in the thread pool, never on the event loop; at most
`max_concurrent` searches run at once and the next is shed with 429 straight away, so
accepted requests keep their latency under overload. Bodies are limited on the bytes that
arrive (`BodyLimit`), rerankers to the operator's allowed names, and hits to the fields of
`indexer search --json` (no metadata: it can hold PII findings). Access logs are JSON lines carrying a
sha256 of the query, never its text (caregivers' questions can hold health information)
unless `log_queries` is set.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from indexer.server.body_limit import BodyLimit
from indexer.server.errors import ApiError, envelope
from indexer.server.hit_fields import hit_json
from indexer.server.metrics import Metrics
from indexer.server.registry import Registry, json_line
from indexer.server.rerank_policy import check_rerank, validate_allowed
from indexer.server.settings import CONFIG_ENV, ServerSettings
from indexer.server.vectors import QueryVectors

log = logging.getLogger("indexer.server")
access = logging.getLogger("indexer.server.access")
API = "v1"


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1)
    k: int = Field(10, ge=1)
    mode: Literal["hybrid", "bm25", "dense"] = "hybrid"
    filters: dict[str, Any] | None = None
    rerank: str | None = None
    min_score: float | None = None
    feedback: bool = True  # query-vector feedback in hybrid search (indexer.dense.feedback)
    index: str | None = None


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queries: list[SearchRequest] = Field(min_length=1)


def create_app(settings: ServerSettings) -> FastAPI:
    validate_allowed(settings.allow_rerank)
    registry = Registry(settings.indexes, settings.refresh_seconds)
    vectors = QueryVectors(settings.query_cache)
    metrics = Metrics()
    slots = threading.BoundedSemaphore(settings.max_concurrent)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # noqa: ANN202
        opener = threading.Thread(target=registry.open_all, name="index-open", daemon=True)
        opener.start()  # /healthz answers at once; /readyz says 503 until this is done
        yield
        registry.close()

    app = FastAPI(title="indexer", version=API, lifespan=lifespan,
                  description="Hybrid (BM25 + dense) retrieval over indexer indexes.")
    app.state.registry, app.state.metrics, app.state.settings = registry, metrics, settings

    # -- errors: one envelope ---------------------------------------------------------
    @app.exception_handler(ApiError)
    async def api_error(_r: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(envelope(exc.status, exc.message, exc.code), exc.status,
                            headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_r: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return JSONResponse(envelope(422, f"{where or 'body'}: {first.get('msg', 'invalid')}"),
                            422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_r: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(envelope(exc.status_code, str(exc.detail)), exc.status_code)

    @app.exception_handler(Exception)
    async def internal(_r: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse(envelope(500, f"internal error ({type(exc).__name__})"), 500)

    # -- middleware: auth, access log, metrics (outer); body limit (inner) ---------------
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable) -> Response:
        started = time.perf_counter()
        endpoint = request.url.path
        response: Response
        if settings.api_key and endpoint.startswith(f"/{API}/") and not _authorized(
                request, settings.api_key):
            response = JSONResponse(envelope(401, "missing or wrong API key (send "
                                             "'Authorization: Bearer KEY')"), 401,
                                    headers={"WWW-Authenticate": "Bearer"})
        else:
            response = await call_next(request)
        seconds = time.perf_counter() - started
        known = endpoint if endpoint in KNOWN else "other"
        metrics.requests.labels(known, str(response.status_code)).inc()
        metrics.latency.labels(known).observe(seconds)
        line = {"method": request.method, "path": endpoint, "status": response.status_code,
                "ms": round(seconds * 1000, 2)}
        line.update(getattr(request.state, "log", {}))
        access.info(json_line("request", **line))
        return response

    # -- endpoints ------------------------------------------------------------------
    def search_one(req: SearchRequest, request: Request) -> dict[str, Any]:
        _check(req, settings)
        served = _served(registry, req.index)
        view = served.index.pinned()  # one generation for the whole response
        started = time.perf_counter()
        hits = _search(view, req, vectors, metrics)
        _note_query(request, req.query, settings)
        return {"hits": [hit_json(h) for h in hits], "index": _describe(served.name, view),
                "took_ms": round((time.perf_counter() - started) * 1000, 3)}

    async def shed(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        if not registry.started:
            raise ApiError(503, "not ready: indexes are still opening (see /readyz)",
                           headers={"Retry-After": "1"})
        if not slots.acquire(blocking=False):
            metrics.shed.inc()
            raise ApiError(429, f"busy: {settings.max_concurrent} searches are running; "
                                "retry shortly", headers={"Retry-After": "1"})
        metrics.in_flight.inc()
        try:
            return await run_in_threadpool(fn)
        finally:
            metrics.in_flight.dec()
            slots.release()

    @app.post(f"/{API}/search")
    async def search(req: SearchRequest, request: Request) -> dict[str, Any]:
        """Top-k hits for one query (the fields of `indexer search --json`)."""
        return await shed(lambda: search_one(req, request))

    @app.post(f"/{API}/search/batch")
    async def search_batch(batch: BatchRequest, request: Request) -> dict[str, Any]:
        """Many queries in one request; each index answers from one generation for all."""
        if len(batch.queries) > settings.max_batch:
            raise ApiError(400, f"{len(batch.queries)} queries in one batch; at most "
                                f"{settings.max_batch}")

        def run() -> dict[str, Any]:
            started = time.perf_counter()
            for q in batch.queries:
                _check(q, settings)
            views: dict[str, Any] = {}
            results = []
            for q in batch.queries:
                served = _served(registry, q.index)
                view = views.setdefault(served.name, served.index.pinned())
                one = time.perf_counter()
                hits = _search(view, q, vectors, metrics)
                results.append({"hits": [hit_json(h) for h in hits],
                                "index": _describe(served.name, view),
                                "took_ms": round((time.perf_counter() - one) * 1000, 3)})
            _note_query(request, "\x1f".join(q.query for q in batch.queries), settings)
            return {"results": results,
                    "took_ms": round((time.perf_counter() - started) * 1000, 3)}
        return await shed(run)

    @app.get(f"/{API}/indexes")
    async def indexes() -> dict[str, Any]:
        """Every served index: generation, counts, languages, model."""
        out = []
        for s in registry.served.values():
            row: dict[str, Any] = {"name": s.name, "path": str(s.path), "error": s.error}
            if s.index is not None:
                info = await run_in_threadpool(s.index.info)
                row.update({k: info[k] for k in ("generation", "documents", "chunks",
                                                 "languages", "model")})
            out.append(row)
        return {"indexes": out}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        """200 once every index is open and its query encoder warm; 503 before. A refused
        new generation shows in the detail (the old one is still served)."""
        detail = {s.name: {"ready": s.index is not None,
                           "generation": s.index.generation if s.index else None,
                           "error": s.error,
                           "warm_ms": {k: round(v * 1000, 2) for k, v in s.warm.items()}}
                  for s in registry.served.values()}
        ok = registry.ready
        return JSONResponse({"status": "ready" if ok else "not ready", "indexes": detail},
                            200 if ok else 503)

    @app.get("/metrics")
    async def metrics_endpoint() -> Response:
        """Prometheus text format."""
        metrics.cache.labels("hit").inc(0)
        metrics.cache_size.set(len(vectors))
        for s in registry.served.values():
            metrics.ready.labels(s.name).set(1 if s.index is not None and not s.error else 0)
            if s.index is not None:
                metrics.generation.labels(s.name).set(_generation_number(s.index.generation))
            for stage, seconds in s.warm.items():
                metrics.warmup.labels(s.name, stage).set(seconds)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    KNOWN = {f"/{API}/search", f"/{API}/search/batch", f"/{API}/indexes", "/healthz",
             "/readyz", "/metrics", "/docs", "/openapi.json"}
    return app


def _authorized(request: Request, key: str) -> bool:
    import hmac

    given = request.headers.get("x-api-key") or ""
    auth = request.headers.get("authorization") or ""
    if auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    return bool(given) and hmac.compare_digest(given.encode(), key.encode())


def _check(req: SearchRequest, settings: ServerSettings) -> None:
    check_rerank(req.rerank, settings.allow_rerank)
    if len(req.query) > settings.max_query_chars:
        raise ApiError(400, f"query of {len(req.query)} characters; at most "
                            f"{settings.max_query_chars}")
    if req.k > settings.max_k:
        raise ApiError(400, f"k={req.k}; at most {settings.max_k}")
    if not req.query.strip():
        raise ApiError(400, "query is blank")


def _served(registry: Registry, name: str | None) -> Any:
    try:
        served = registry.get(name)
    except KeyError as exc:
        known = ", ".join(sorted(registry.served))
        raise ApiError(404 if name is not None else 400,
                       f"unknown index {name!r}; served: {known}" if name is not None
                       else str(exc).strip('"')) from None
    if served.index is None:
        raise ApiError(503, f"index {served.name!r} is not open: {served.error or 'opening'}",
                       headers={"Retry-After": "1"})
    return served


def _search(view: Any, req: SearchRequest, vectors: QueryVectors, metrics: Metrics) -> list:
    timings: dict[str, float] = {}
    qv = None
    if req.mode != "bm25":
        started = time.perf_counter()
        qv, hit = vectors.get(view.embedder, req.query)
        metrics.cache.labels("hit" if hit else "miss").inc()
        metrics.stages.labels("embed").observe(time.perf_counter() - started)
    try:
        hits = view.search(req.query, k=req.k, mode=req.mode, filters=req.filters,
                           rerank=req.rerank, min_score=req.min_score, query_vector=qv,
                           timings=timings, feedback=req.feedback)
    except ValueError as exc:  # bad filter, unknown reranker option, min_score with bm25
        raise ApiError(400, str(exc)) from None
    except LookupError as exc:  # unknown reranker
        raise ApiError(400, str(exc)) from None
    except FileNotFoundError as exc:  # an untrained reranker
        raise ApiError(400, str(exc)) from None
    for stage, seconds in timings.items():
        metrics.stages.labels(stage).observe(seconds)
    return hits


def _describe(name: str, view: Any) -> dict[str, Any]:
    model = view.manifest["model"]
    return {"name": name, "generation": view.generation, "model": model.get("name"),
            "model_checksum": model.get("checksum")}


def _note_query(request: Request, query: str, settings: ServerSettings) -> None:
    entry: dict[str, Any] = {"query_sha256": hashlib.sha256(query.encode()).hexdigest()}
    if settings.log_queries:
        entry["query"] = query
    request.state.log = entry


def _generation_number(name: str) -> int:
    digits = "".join(c for c in name if c.isdigit())
    return int(digits) if digits else 0


def app_from_env() -> FastAPI:
    """For `uvicorn --factory` with several workers: settings from INDEXER_SERVE_CONFIG."""
    import os

    return create_app(ServerSettings.from_json(os.environ[CONFIG_ENV]))
