"""The do-nothing reranker: first-stage order and scores. A baseline for reports and the
simplest thing that satisfies the contract in tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rerankers.base import Candidate, Reranker


class IdentityReranker(Reranker):
    name = "identity"

    def score(self, query: str, candidates: Sequence[Candidate]) -> np.ndarray:
        return np.asarray([c.score for c in candidates], dtype=np.float64)
