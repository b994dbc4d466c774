"""Pseudo-relevance feedback on the query vector (Rocchio, as vector PRF does it).

A caregiver's question and the passage that answers it rarely share their words, and a
small encoder places them less close than the passage sits to its neighbours. The first
hybrid ranking, which BM25 and dense agree on, is usually right at the top, so the query
vector is moved toward its best few passages and dense retrieval runs once more:

    q' = normalize(q + beta * mean(vectors of the fused top-k chunks))

then the new dense list is fused with the same BM25 list and weights. Hybrid search only:
the seed is the fused list, which carries BM25's evidence (dense alone seeds itself with
its own errors). Cost: one more dense search per query.

Measured (benchmarks/SWEEP.md, nDCG@10 judged-only, `python -m indexer.harness.sweep` over
six dev sets, 48 feedback variants beside the 69 without): the worst-case rule chose k=1,
beta=0.25 with the unchanged z-score fusion (dense 0.8 / BM25 0.2); against the same fusion
without feedback golden .701 -> .726, adversarial .715 -> .726, mediqa-dev .616 -> .622,
xquad-hi .971 -> .970, xquad-en .979 -> .978, flores-xling .997 -> .997; its worst loss
against any set's own best fell from .0108 to .0089, and the other sets chose k=1 in 5 of 6
leave-one-dataset-out rounds. Larger k and beta help mediqa-dev more (k=2: up to .631) and
golden less: the rule, not one set, decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Feedback:
    """`k`: how many of the fused top chunks seed the new query; `beta`: their mean's weight
    against the query's own vector (0 leaves the query as it is)."""

    k: int = 1
    beta: float = 0.25

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"feedback k must be at least 1, got {self.k}")
        if not 0.0 <= self.beta <= 10.0:
            raise ValueError(f"feedback beta must be in [0, 10], got {self.beta}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Feedback:
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown feedback settings: {sorted(unknown)}")
        return cls(**dict(data))

    def expand(self, query_vector: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        """The moved, unit-length query vector; the query itself when there are no seeds."""
        q = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        seeds = np.asarray(seeds, dtype=np.float32).reshape(-1, q.shape[0])[:self.k]
        if len(seeds) == 0 or self.beta == 0.0:
            return q
        moved = q + np.float32(self.beta) * seeds.mean(axis=0)
        norm = float(np.linalg.norm(moved))
        return (moved / norm).astype(np.float32) if norm > 0 else q


DEFAULT_FEEDBACK = Feedback()


def resolve(feedback: Feedback | Mapping[str, Any] | bool | None) -> Feedback | None:
    """A search's `feedback` argument: True (the default settings), False/None (off), a
    Feedback, or its dict (what the HTTP API and JSON configs carry)."""
    if feedback is True:
        return DEFAULT_FEEDBACK
    if feedback is None or feedback is False:
        return None
    if isinstance(feedback, Feedback):
        return feedback
    if isinstance(feedback, Mapping):
        return Feedback.from_dict(feedback)
    raise TypeError(f"feedback must be a Feedback, a dict, True or None, not "
                    f"{type(feedback).__name__}")
