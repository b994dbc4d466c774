"""The reranker contract: a query and scored candidates in, the same candidates reordered out.

Rerankers see plain data only (texts, first-stage scores, optional vectors), so any retriever
can feed them and they never import the index. Every reranker sorts through `reorder`, which
fixes the three promises callers rely on: scores never increase down the list, equal scores
keep their input order, and NaN scores sink to the bottom.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Candidate:
    """One first-stage result. `score` is the first-stage score on the way in and the
    reranker's score on the way out; `first_stage_score` keeps the original either way."""

    id: str
    text: str
    score: float = 0.0
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)
    first_stage_score: float | None = None

    def rescored(self, score: float) -> Candidate:
        first = self.score if self.first_stage_score is None else self.first_stage_score
        return replace(self, score=float(score), first_stage_score=float(first))


def as_candidates(items: Sequence[Candidate | str | tuple[str, float]]) -> list[Candidate]:
    """Accept bare texts or (text, score) pairs too: ids become their input positions."""
    out: list[Candidate] = []
    for i, item in enumerate(items):
        if isinstance(item, Candidate):
            out.append(item)
        elif isinstance(item, str):
            out.append(Candidate(id=str(i), text=item, score=0.0))
        else:
            text, score = item
            out.append(Candidate(id=str(i), text=str(text), score=float(score)))
    return out


def reorder(candidates: Sequence[Candidate], scores: Sequence[float] | np.ndarray,
            top_k: int | None = None) -> list[Candidate]:
    """Candidates sorted by new score, descending; ties keep input order; NaN goes last."""
    if len(scores) != len(candidates):
        raise ValueError(f"{len(scores)} scores for {len(candidates)} candidates")
    values = [float(s) for s in scores]
    order = sorted(range(len(values)),
                   key=lambda i: (math.isnan(values[i]), -values[i] if not math.isnan(values[i])
                                  else 0.0, i))
    ranked = [candidates[i].rescored(values[i]) for i in order]
    return ranked if top_k is None else ranked[:top_k]


def minmax(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Scale to [0, 1] within one list (all-equal lists become all 1: nothing to prefer)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0:
        return arr
    lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
    if not math.isfinite(lo) or not math.isfinite(hi) or hi - lo < 1e-12:
        return np.ones_like(arr)
    return (arr - lo) / (hi - lo)


def zscore(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Standardize within one list, so two scorers' scales can be blended."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0:
        return arr
    std = float(np.std(arr))
    return (arr - float(np.mean(arr))) / std if std > 1e-12 else np.zeros_like(arr)


class Reranker(ABC):
    """Base class: subclasses implement `score`; `rerank` handles depth, order and ties.

    `depth` caps how many candidates (in first-stage order) are rescored; the rest are
    dropped, since their new score would not be comparable.
    """

    name: str = "reranker"

    def __init__(self, depth: int | None = None) -> None:
        if depth is not None and depth < 1:
            raise ValueError(f"depth must be positive, got {depth}")
        self.depth = depth

    @abstractmethod
    def score(self, query: str, candidates: Sequence[Candidate]) -> np.ndarray:
        """One new score per candidate, higher is better (order is decided by `rerank`)."""

    def rerank(self, query: str, candidates: Sequence[Candidate | str | tuple[str, float]],
               top_k: int | None = None) -> list[Candidate]:
        """The first `depth` candidates, rescored and sorted (best first)."""
        cands = as_candidates(candidates)
        if self.depth is not None:
            cands = cands[: self.depth]
        if not cands:
            return []
        return self._order(query, cands, top_k)

    def _order(self, query: str, cands: list[Candidate], top_k: int | None) -> list[Candidate]:
        return reorder(cands, self.score(query, cands), top_k)

    def describe(self) -> dict[str, Any]:
        """What a report or model card needs to say which reranker ran."""
        return {"name": self.name, "depth": self.depth}

    def __call__(self, query: str, candidates: Sequence[Candidate], top_k: int | None = None
                 ) -> list[Candidate]:
        return self.rerank(query, candidates, top_k)
