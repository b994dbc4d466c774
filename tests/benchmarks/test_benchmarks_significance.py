"""Randomization test, bootstrap CIs and Holm correction."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from benchmarks import bootstrap_ci, holm, randomization_test
from benchmarks.significance import sign_flip_pvalues


def test_identical_systems_p_is_one() -> None:
    a = np.random.default_rng(0).random(200)
    r = randomization_test(a, a.copy())
    assert r.p_value == 1.0
    assert r.delta == 0.0
    assert not r.exact


def test_clearly_better_system() -> None:
    rng = np.random.default_rng(1)
    base = rng.random(100)
    better = np.clip(base + 0.1 + rng.normal(0, 0.05, 100), 0, 1.5)
    r = randomization_test(better, base)
    assert r.p_value < 0.01
    assert r.delta > 0
    assert r.p_value == randomization_test(base, better).p_value  # two-sided, symmetric


def test_deterministic_with_seed() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.random(80), rng.random(80)
    assert randomization_test(a, b, seed=3).p_value == randomization_test(a, b, seed=3).p_value


def test_exact_small_case_matches_scipy() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.random(10), rng.random(10) * 0.8
    ours = randomization_test(a, b)  # 2**10 <= 10_000: enumerated exactly
    assert ours.exact and ours.n_permutations == 1024
    ref = stats.permutation_test(
        (a, b), lambda x, y, axis: np.mean(x - y, axis=axis), permutation_type="samples",
        n_resamples=np.inf, alternative="two-sided", vectorized=True)
    assert ours.p_value == pytest.approx(ref.pvalue, abs=1e-12)


def test_monte_carlo_matches_scipy_within_tolerance() -> None:
    rng = np.random.default_rng(5)
    a = rng.random(40)
    b = a - 0.05 + rng.normal(0, 0.15, 40)
    ours = randomization_test(a, b, n_permutations=20_000)
    ref = stats.permutation_test(
        (a, b), lambda x, y, axis: np.mean(x - y, axis=axis), permutation_type="samples",
        n_resamples=20_000, alternative="two-sided", vectorized=True,
        random_state=np.random.default_rng(6))
    assert not ours.exact
    # Two Monte-Carlo estimates of the same p: binomial s.e. is at most ~0.0035 each.
    assert abs(ours.p_value - ref.pvalue) < 0.02


def test_dict_inputs_are_paired_by_query_id() -> None:
    a = {"q1": 1.0, "q2": 0.0, "q3": 0.5}
    b = {"q3": 0.5, "q1": 1.0, "q2": 0.0}
    assert randomization_test(a, b).p_value == 1.0
    with pytest.raises(ValueError, match="different queries"):
        randomization_test(a, {"q1": 1.0})
    with pytest.raises(ValueError, match="length"):
        randomization_test([1.0, 2.0], [1.0])


def test_batched_pvalues_equal_single_calls() -> None:
    rng = np.random.default_rng(7)
    d = rng.normal(0.02, 0.2, (3, 150))
    batched, _ = sign_flip_pvalues(d)
    for i in range(3):
        single, _ = sign_flip_pvalues(d[i])
        assert batched[i] == single[0]


def test_bootstrap_ci() -> None:
    rng = np.random.default_rng(8)
    a = rng.normal(0.5, 0.1, 300)
    b = a - 0.03 + rng.normal(0, 0.01, 300)
    r = bootstrap_ci(a, b)
    assert r.ci_a[0] < r.mean_a < r.ci_a[1]
    assert r.ci_b[0] < r.mean_b < r.ci_b[1]
    assert r.ci_delta[0] < r.delta < r.ci_delta[1]
    assert r.ci_delta[0] > 0  # a clearly better than b
    # paired: the difference CI is much narrower than either system's CI
    assert r.ci_delta[1] - r.ci_delta[0] < (r.ci_a[1] - r.ci_a[0]) / 3
    ref = stats.bootstrap((a,), np.mean, method="percentile", n_resamples=10_000,
                          random_state=np.random.default_rng(9)).confidence_interval
    assert r.ci_a[0] == pytest.approx(ref.low, abs=0.004)
    assert r.ci_a[1] == pytest.approx(ref.high, abs=0.004)
    single = bootstrap_ci(a)
    assert single.mean_b is None and single.ci_delta is None
    assert single.ci_a == pytest.approx(r.ci_a, abs=1e-12)  # same seed, same resamples


def test_bootstrap_constant_difference() -> None:
    a = np.linspace(0, 1, 50)
    r = bootstrap_ci(a + 0.1, a)
    assert r.ci_delta == pytest.approx((0.1, 0.1))


def test_holm() -> None:
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm({"a": 0.5, "b": 0.001}) == pytest.approx({"a": 0.5, "b": 0.002})
    assert holm([0.9, 0.8]) == [1.0, 1.0]  # capped at 1
    assert holm([0.011, 0.012, 0.5]) == pytest.approx([0.033, 0.033, 0.5])  # kept monotone
    assert holm([]) == []
    with pytest.raises(ValueError):
        holm([1.5])
