"""Paired two-sided randomization (sign-flip permutation) test on per-query scores.

Why this test: it assumes nothing about the score distribution (IR metrics are bounded,
skewed and full of ties), it is the test Smucker et al. (CIKM 2007) recommend for IR, and
it is what ranx uses. Under H0 each query's two scores are exchangeable, so the sign of
each per-query difference is flipped at random and the observed |mean difference| is
compared with the permutation distribution.

Deterministic: a fixed seed gives the same p-value on every machine. When
2**n_queries <= n_permutations all sign patterns are enumerated and the p-value is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks.significance._paired import Scores, paired_arrays

DEFAULT_PERMUTATIONS = 10_000
DEFAULT_SEED = 42
_CHUNK_ELEMENTS = 2_000_000  # bound on the temporary sign matrix (16 MB of float64)


@dataclass(frozen=True)
class RandomizationResult:
    """Outcome of one paired randomization test (``delta`` = mean(a) - mean(b))."""

    p_value: float
    mean_a: float
    mean_b: float
    delta: float
    n_queries: int
    n_permutations: int
    exact: bool


def sign_flip_pvalues(
    diffs: np.ndarray,
    n_permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
) -> tuple[np.ndarray, bool]:
    """Two-sided p-values for several difference vectors at once (rows of ``diffs``).

    All rows share the same sign patterns, so testing many systems/metrics over the same
    queries costs one pass. Returns (p-values, exact). Monte-Carlo p-values use the
    (count + 1) / (n + 1) estimator, which is never 0 and is a valid p-value.
    """
    d = np.atleast_2d(np.asarray(diffs, dtype=float))
    m, n = d.shape
    if n == 0:
        raise ValueError("no queries to test")
    observed = np.abs(d.mean(axis=1))
    # Tolerance so that float noise in equal statistics (summation order differs between
    # the observed and the permuted means) still counts as "as extreme".
    tol = 1e-10 * np.abs(d).max(axis=1, initial=0.0)
    threshold = observed - tol
    count = np.zeros(m, dtype=np.int64)
    exact = n <= 62 and 2**n <= n_permutations
    if exact:
        total = 2**n
        step = max(1, _CHUNK_ELEMENTS // n)
        bits = np.arange(n, dtype=np.int64)
        for start in range(0, total, step):
            codes = np.arange(start, min(total, start + step), dtype=np.int64)
            signs = 1.0 - 2.0 * ((codes[:, None] >> bits) & 1)
            perm = np.abs(signs @ d.T) / n
            count += (perm >= threshold).sum(axis=0)
        return count / total, True
    rng = np.random.default_rng(seed)
    step = max(1, _CHUNK_ELEMENTS // n)
    done = 0
    while done < n_permutations:
        c = min(step, n_permutations - done)
        # One random bit per query and permutation: 8 signs per random byte.
        bits = np.unpackbits(rng.integers(0, 256, size=(c, (n + 7) // 8), dtype=np.uint8),
                             axis=1, count=n)
        signs = 1.0 - 2.0 * bits
        perm = np.abs(signs @ d.T) / n
        count += (perm >= threshold).sum(axis=0)
        done += c
    return (count + 1) / (n_permutations + 1), False


def randomization_test(
    a: Scores,
    b: Scores,
    n_permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
) -> RandomizationResult:
    """Paired two-sided randomization test of mean(a) == mean(b).

    ``a`` and ``b`` are per-query scores of two systems: dicts keyed by query id (paired
    by key) or equal-length sequences. Identical systems give p = 1.
    """
    x, y = paired_arrays(a, b)
    p, exact = sign_flip_pvalues((x - y)[None, :], n_permutations, seed)
    return RandomizationResult(
        p_value=float(min(1.0, p[0])),
        mean_a=float(x.mean()),
        mean_b=float(y.mean()),
        delta=float((x - y).mean()),
        n_queries=int(x.size),
        n_permutations=2**x.size if exact else n_permutations,
        exact=exact,
    )
