"""Significance testing for paired per-query scores: randomization test, bootstrap CIs,
Holm correction."""

from benchmarks.significance.bootstrap import (
    BootstrapResult,
    bootstrap_ci,
    bootstrap_means,
    percentile_ci,
)
from benchmarks.significance.correction import holm
from benchmarks.significance.randomization import (
    RandomizationResult,
    randomization_test,
    sign_flip_pvalues,
)

__all__ = [
    "BootstrapResult", "RandomizationResult", "bootstrap_ci", "bootstrap_means", "holm",
    "percentile_ci", "randomization_test", "sign_flip_pvalues",
]
