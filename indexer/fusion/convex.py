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
    list's minimum normalized score. Ties: best rank in any list, list order, then id."""
    fused: dict[int, float] = {}
    best: dict[int, tuple[int, int]] = {}
    names = list(results)
    normed: dict[str, dict[int, float]] = {}
    floor: dict[str, float] = {}
    for order, name in enumerate(names):
        ids, scores = results[name]
        values = normalize(np.asarray(scores), norm)
        normed[name] = {int(i): float(v) for i, v in zip(ids, values, strict=True)}
        floor[name] = float(values.min()) if values.size else 0.0
        for rank, doc in enumerate(ids, start=1):
            key = (rank, order)
            if int(doc) not in best or key < best[int(doc)]:
                best[int(doc)] = key
    for doc in best:
        fused[doc] = sum(weights.get(n, 0.0) * normed[n].get(doc, floor[n]) for n in names)
    return sorted(fused.items(), key=lambda item: (-item[1], best[item[0]], item[0]))
