"""Rerankers: a query and first-stage candidates in, the same candidates reordered out.

    import rerankers
    ranked = rerankers.get("/models/my-cross-encoder").rerank(query, candidates, top_k=10)

This package works on plain data and imports nothing else from the project; torch and
sentence-transformers load only when a model-based reranker first scores.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rerankers.base import Candidate, Reranker, as_candidates, reorder
from rerankers.registry import UnknownRerankerError, available, get, register, unregister

__all__ = [
    "Candidate", "CrossEncoderReranker", "EncoderSimilarityReranker", "IdentityReranker",
    "MMRReranker", "Reranker", "TrainConfig", "TrainPair", "TrainReport",
    "UnknownRerankerError", "as_candidates", "available", "get", "register", "reorder",
    "train_cross_encoder", "unregister",
]

_LAZY = {
    "CrossEncoderReranker": "rerankers.cross_encoder",
    "EncoderSimilarityReranker": "rerankers.similarity",
    "IdentityReranker": "rerankers.identity",
    "MMRReranker": "rerankers.mmr",
    "TrainConfig": "rerankers.training",
    "TrainPair": "rerankers.training",
    "TrainReport": "rerankers.training",
    "train_cross_encoder": "rerankers.training",
}

if TYPE_CHECKING:  # pragma: no cover
    from rerankers.cross_encoder import CrossEncoderReranker
    from rerankers.identity import IdentityReranker
    from rerankers.mmr import MMRReranker
    from rerankers.similarity import EncoderSimilarityReranker
    from rerankers.training import TrainConfig, TrainPair, TrainReport, train_cross_encoder


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'rerankers' has no attribute {name!r}")
