"""The service's limits and options: one dataclass, read once, with safe defaults.

Every field can come from the environment as INDEXER_SERVE_<FIELD> (e.g.
INDEXER_SERVE_MAX_CONCURRENT=16, INDEXER_SERVE_ALLOW_RERANK=identity,mmr); `indexer serve`
flags override. Several uvicorn workers
each read the same settings from INDEXER_SERVE_CONFIG (JSON), which the CLI writes.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from typing import Any

CONFIG_ENV = "INDEXER_SERVE_CONFIG"
SAFE_RERANKERS: tuple[str, ...] = ("identity",)  # no model, no cost: first-stage order


@dataclass(frozen=True)
class ServerSettings:
    """`indexes`: name → index directory. Limits: characters per query, hits per query,
    queries per batch, request body bytes (however the body is framed), searches running at
    once (more are shed with 429 at once rather than queued), and the query-vector cache
    size. `allow_rerank`: the reranker NAMES a request may ask for (no paths, no options: a
    request must never make the server load a model of its choosing); `identity` costs
    nothing and loads nothing, so it is the only one allowed unless the operator says so."""

    indexes: dict[str, str] = field(default_factory=dict)
    max_query_chars: int = 2000
    max_k: int = 100
    max_batch: int = 64
    max_body_bytes: int = 1_000_000
    max_concurrent: int = 8
    query_cache: int = 2048
    refresh_seconds: float = 1.0
    api_key: str | None = None
    log_queries: bool = False
    allow_rerank: tuple[str, ...] = SAFE_RERANKERS

    def __post_init__(self) -> None:
        object.__setattr__(self, "allow_rerank", tuple(self.allow_rerank))  # JSON gives a list

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ServerSettings:
        return cls(**json.loads(text))

    @classmethod
    def from_env(cls, **overrides: Any) -> ServerSettings:
        """Defaults, then INDEXER_SERVE_* variables, then `overrides` (None = not given)."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = os.environ.get(f"INDEXER_SERVE_{f.name.upper()}")
            if raw is None or f.name in ("indexes", "api_key"):
                continue
            kind = type(getattr(cls(), f.name))
            if kind is tuple:  # INDEXER_SERVE_ALLOW_RERANK=identity,mmr
                values[f.name] = tuple(x.strip() for x in raw.split(",") if x.strip())
            elif kind is bool:
                values[f.name] = raw.lower() in ("1", "true", "yes")
            else:
                values[f.name] = kind(raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
