"""Maximal marginal relevance: stop near-duplicate passages (the same guideline paragraph
copied into three leaflets) from filling the top of the list.

Relevance is the first-stage score scaled to [0, 1] within the list; redundancy is the
cosine to the passages already chosen. Vectors come from the candidates or from the
`embed` function (texts → vectors) given at construction, never from a model of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rerankers.base import Candidate, Reranker, minmax

EmbedFn = Callable[[list[str]], np.ndarray]


class MMRReranker(Reranker):
    """Greedy MMR: each step picks argmax `lam * rel - (1 - lam) * max cos(chosen)`.

    A candidate at least `duplicate_threshold` cosine-similar to a chosen one is a
    near-duplicate: it goes after every non-duplicate, whatever its relevance. The output
    order is the selection order; the score is the MMR value at selection, clipped so it
    never rises down the list.
    """

    name = "mmr"

    def __init__(self, embed: EmbedFn | None = None, *, lam: float = 0.7,
                 duplicate_threshold: float | None = 0.95, depth: int | None = None) -> None:
        super().__init__(depth)
        if not 0.0 <= lam <= 1.0:
            raise ValueError(f"lam must be in [0, 1], got {lam}")
        self.embed = embed
        self.lam = lam
        self.duplicate_threshold = duplicate_threshold

    def vectors(self, candidates: Sequence[Candidate]) -> np.ndarray:
        if all(c.vector is not None for c in candidates):
            vecs = np.stack([np.asarray(c.vector, dtype=np.float32) for c in candidates])
        elif self.embed is not None:
            vecs = np.asarray(self.embed([c.text for c in candidates]), dtype=np.float32)
        else:
            raise ValueError("MMR needs vectors: give candidates a .vector or pass embed=")
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-12)

    def score(self, query: str, candidates: Sequence[Candidate]) -> np.ndarray:
        """MMR values in input order (the order itself comes from `_order`)."""
        order, values = self._select(candidates)
        out = np.empty(len(candidates))
        out[order] = values
        return out

    def _order(self, query: str, cands: list[Candidate], top_k: int | None
               ) -> list[Candidate]:
        order, values = self._select(cands)
        ranked = [cands[i].rescored(v) for i, v in zip(order, values, strict=True)]
        return ranked if top_k is None else ranked[:top_k]

    def _select(self, cands: Sequence[Candidate]) -> tuple[list[int], list[float]]:
        n = len(cands)
        rel = minmax([c.score for c in cands])
        vecs = self.vectors(cands)
        sims = vecs @ vecs.T
        max_sim = np.full(n, -np.inf)
        left = list(range(n))
        order: list[int] = []
        values: list[float] = []
        floor = np.inf
        while left:
            redundancy = np.where(np.isfinite(max_sim[left]), max_sim[left], 0.0)
            mmr = self.lam * rel[left] - (1.0 - self.lam) * redundancy
            if self.duplicate_threshold is not None:
                mmr = mmr - 2.0 * (max_sim[left] >= self.duplicate_threshold)
            pick = int(np.argmax(mmr))  # first maximum: ties keep input order
            i = left.pop(pick)
            floor = min(floor, float(mmr[pick]))
            order.append(i)
            values.append(floor)
            max_sim = np.maximum(max_sim, sims[i])
        return order, values

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "lam": self.lam,
                "duplicate_threshold": self.duplicate_threshold}
