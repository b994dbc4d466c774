"""Turning paired per-query scores (dicts or sequences) into aligned numpy arrays."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

Scores = Mapping[str, float] | Sequence[float] | np.ndarray


def as_array(a: Scores) -> np.ndarray:
    """One system's per-query scores as a float vector (dict values in key order)."""
    if isinstance(a, Mapping):
        return np.asarray([a[k] for k in sorted(a)], dtype=float)
    return np.asarray(a, dtype=float).ravel()


def paired_arrays(a: Scores, b: Scores) -> tuple[np.ndarray, np.ndarray]:
    """Align two systems' per-query scores; dicts are paired by query id.

    Raises ValueError when the query sets differ: a paired test over different queries
    silently compares apples with oranges.
    """
    if isinstance(a, Mapping) != isinstance(b, Mapping):
        raise ValueError("pass both score sets as dicts (query id -> score) or both as arrays")
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        if a.keys() != b.keys():
            only = sorted(set(a) ^ set(b))[:5]
            raise ValueError(f"paired scores cover different queries, e.g. {only}")
        keys = sorted(a)
        return (np.asarray([a[k] for k in keys], dtype=float),
                np.asarray([b[k] for k in keys], dtype=float))
    x, y = as_array(a), as_array(b)
    if x.shape != y.shape:
        raise ValueError(f"paired scores differ in length: {x.size} vs {y.size}")
    return x, y
