"""Plain data shapes shared by every module: runs, qrels, per-query scores.

They are ordinary dicts so that any system (and trec_eval, ranx, pytrec_eval) can produce
or consume them without adapters.
"""

from __future__ import annotations

Run = dict[str, dict[str, float]]
"""query id -> document id -> retrieval score (higher is better)."""

Qrels = dict[str, dict[str, int]]
"""query id -> document id -> graded relevance (>= 1 relevant, 0 or less not relevant)."""

PerQuery = dict[str, dict[str, float]]
"""metric name -> query id -> value."""

RELEVANCE_LEVEL = 1
"""Minimum grade counted as relevant; trec_eval's default ``-l 1``."""
