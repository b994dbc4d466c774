"""Precision@k: the share of the top k that is relevant.

Same as trec_eval's ``P_k``: the denominator is always ``k``, even when fewer than k
documents were retrieved, so short runs are not rewarded. Without ``k`` the whole
retrieved list is the denominator (trec_eval's ``set_P``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from benchmarks.types import RELEVANCE_LEVEL


def precision(ranked: Sequence[str], rels: Mapping[str, int], k: int | None = None) -> float:
    """Precision of the ranked list cut at ``k``."""
    top = ranked if k is None else ranked[:k]
    denom = len(ranked) if k is None else k
    if denom == 0:
        return 0.0
    hits = sum(1 for d in top if rels.get(d, 0) >= RELEVANCE_LEVEL)
    return hits / denom
