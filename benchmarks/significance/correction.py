"""Holm–Bonferroni correction for many comparisons against one baseline.

Why: a report compares several systems on several metrics; at alpha = 0.05 some of those
comparisons would look "significant" by chance. Holm controls the family-wise error rate
like Bonferroni but is uniformly more powerful, and needs no independence assumption.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar, overload

K = TypeVar("K")


def _holm(p: Sequence[float]) -> list[float]:
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        if not 0.0 <= p[i] <= 1.0:
            raise ValueError(f"p-value out of [0, 1]: {p[i]}")
        running = max(running, min(1.0, (m - rank) * p[i]))  # step-down, kept monotone
        adjusted[i] = running
    return adjusted


@overload
def holm(pvalues: Mapping[K, float]) -> dict[K, float]: ...
@overload
def holm(pvalues: Sequence[float]) -> list[float]: ...


def holm(pvalues):
    """Holm-adjusted p-values, in the same shape (list or dict) as given.

    Reject H0_i at level alpha when adjusted p_i <= alpha.
    """
    if isinstance(pvalues, Mapping):
        keys = list(pvalues)
        return dict(zip(keys, _holm([float(pvalues[k]) for k in keys]), strict=True))
    return _holm([float(p) for p in pvalues])
