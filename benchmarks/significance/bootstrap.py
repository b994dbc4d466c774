"""Paired bootstrap confidence intervals for system means and their difference.

Why: a p-value says whether a difference is likely real, a CI says how large it might
be. Queries are resampled with replacement; both systems use the same resampled queries
(paired), so the CI of the difference reflects per-query correlation between systems.
Percentile intervals; a fixed seed makes them reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks.significance._paired import Scores, as_array, paired_arrays

DEFAULT_RESAMPLES = 10_000
DEFAULT_SEED = 42
DEFAULT_CONFIDENCE = 0.95
_CHUNK_ELEMENTS = 2_000_000


@dataclass(frozen=True)
class BootstrapResult:
    """Means and percentile CIs; ``*_b`` and ``delta*`` are None for a single system.

    ``delta`` = mean(a) - mean(b).
    """

    mean_a: float
    ci_a: tuple[float, float]
    mean_b: float | None = None
    ci_b: tuple[float, float] | None = None
    delta: float | None = None
    ci_delta: tuple[float, float] | None = None
    confidence: float = DEFAULT_CONFIDENCE
    n_resamples: int = DEFAULT_RESAMPLES


def bootstrap_means(
    values: np.ndarray,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> np.ndarray:
    """Bootstrap means of several per-query vectors (rows) with shared resamples.

    Returns an array (n_resamples, n_rows). Sharing the resampled query multiset across
    rows is what makes differences of rows paired. Resampling is done through count
    weights so memory stays bounded for large query sets.
    """
    v = np.atleast_2d(np.asarray(values, dtype=float))
    m, n = v.shape
    if n == 0:
        raise ValueError("no queries to resample")
    rng = np.random.default_rng(seed)
    out = np.empty((n_resamples, m))
    step = max(1, _CHUNK_ELEMENTS // n)
    for start in range(0, n_resamples, step):
        c = min(step, n_resamples - start)
        idx = rng.integers(0, n, size=(c, n))
        flat = (idx + (np.arange(c)[:, None] * n)).ravel()
        weights = np.bincount(flat, minlength=c * n).reshape(c, n).astype(float)
        out[start:start + c] = weights @ v.T / n
    return out


def percentile_ci(samples: np.ndarray, confidence: float = DEFAULT_CONFIDENCE) -> np.ndarray:
    """Percentile interval per column: array (n_columns, 2)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), not {confidence}")
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(samples, [alpha, 1.0 - alpha], axis=0)
    return np.stack([np.atleast_1d(lo), np.atleast_1d(hi)], axis=-1)


def bootstrap_ci(
    a: Scores,
    b: Scores | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = DEFAULT_SEED,
) -> BootstrapResult:
    """Percentile bootstrap CI of mean(a) and, when ``b`` is given, of mean(b) and of the
    paired mean difference mean(a) - mean(b)."""
    if b is None:
        x = as_array(a)
        ci = percentile_ci(bootstrap_means(x[None, :], n_resamples, seed), confidence)[0]
        return BootstrapResult(float(x.mean()), (float(ci[0]), float(ci[1])),
                               confidence=confidence, n_resamples=n_resamples)
    x, y = paired_arrays(a, b)
    means = bootstrap_means(np.stack([x, y]), n_resamples, seed)
    samples = np.column_stack([means, means[:, 0] - means[:, 1]])
    ci = percentile_ci(samples, confidence)
    return BootstrapResult(
        mean_a=float(x.mean()), ci_a=(float(ci[0, 0]), float(ci[0, 1])),
        mean_b=float(y.mean()), ci_b=(float(ci[1, 0]), float(ci[1, 1])),
        delta=float((x - y).mean()), ci_delta=(float(ci[2, 0]), float(ci[2, 1])),
        confidence=confidence, n_resamples=n_resamples,
    )
