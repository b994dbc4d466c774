"""Reciprocal rank fusion (Cormack et al. 2009): score = Σ w / (k + rank)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def rrf_fusion(
    rankings: Mapping[str, Sequence[int]],
    weights: Mapping[str, float] | None = None,
    k: int = 60,
) -> list[tuple[int, float]]:
    """Fuse ranked id lists; returns (id, score) best first.

    RRF produces many exact ties (a doc first in one list and absent from the other scores the
    same as one that is first in the other), so ties are broken deterministically: by the best
    rank the id reached in any list, then by the first list that ranked it (the order of
    `rankings`), then by the id. Without this, metrics move between runs of the same system.
    """
    weights = weights or {}
    scores: dict[int, float] = {}
    best: dict[int, tuple[int, int]] = {}
    for order, (name, ids) in enumerate(rankings.items()):
        w = weights.get(name, 1.0)
        for rank, doc in enumerate(ids, start=1):
            scores[doc] = scores.get(doc, 0.0) + w / (k + rank)
            key = (rank, order)
            if doc not in best or key < best[doc]:
                best[doc] = key
    return sorted(scores.items(), key=lambda item: (-item[1], best[item[0]], item[0]))
