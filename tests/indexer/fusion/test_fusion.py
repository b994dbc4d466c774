"""Fusion: reciprocal rank fusion and convex combination, with deterministic ties."""

from __future__ import annotations

import random

import numpy as np
import pytest

from indexer.fusion import convex_fusion, rrf_fusion
from indexer.fusion.convex import normalize


def test_rrf_scores_match_the_formula() -> None:
    fused = dict(rrf_fusion({"a": [1, 2, 3], "b": [3, 1]}, k=60))
    assert fused[1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[3] == pytest.approx(1 / 63 + 1 / 61)
    assert fused[2] == pytest.approx(1 / 62)


def test_rrf_ties_are_broken_the_same_way_whatever_the_input_order() -> None:
    # 10 and 20 are each first in one list only: an exact tie in RRF score.
    a = rrf_fusion({"bm25": [10, 30], "dense": [20, 40]})
    assert a[0][1] == a[1][1]
    assert [d for d, _ in a[:2]] == [10, 20]  # best rank equal; the first list wins
    b = rrf_fusion({"dense": [20, 40], "bm25": [10, 30]})
    assert [d for d, _ in b[:2]] == [20, 10]  # list order is the documented tie-break


def test_rrf_is_deterministic_over_many_runs() -> None:
    rng = random.Random(7)
    lists = {"bm25": rng.sample(range(200), 100), "dense": rng.sample(range(200), 100)}
    first = rrf_fusion(lists)
    for _ in range(5):
        shuffled = dict(lists)
        assert rrf_fusion(shuffled) == first


def test_rrf_weights_shift_the_order() -> None:
    lists = {"bm25": [1, 2], "dense": [2, 1]}
    assert rrf_fusion(lists, {"bm25": 2.0, "dense": 1.0})[0][0] == 1
    assert rrf_fusion(lists, {"bm25": 1.0, "dense": 2.0})[0][0] == 2


def test_normalize_minmax_and_zscore() -> None:
    x = np.array([1.0, 3.0, 5.0])
    assert normalize(x, "minmax").tolist() == [0.0, 0.5, 1.0]
    z = normalize(x, "zscore")
    assert z.mean() == pytest.approx(0.0) and z.std() == pytest.approx(1.0)
    assert normalize(np.array([2.0, 2.0]), "minmax").tolist() == [1.0, 1.0]
    with pytest.raises(ValueError):
        normalize(x, "nope")


def test_convex_fusion_weights_and_missing_docs() -> None:
    res = {"bm25": ([1, 2, 3], [10.0, 5.0, 0.0]), "dense": ([3, 1], [0.9, 0.1])}
    fused = dict(convex_fusion(res, {"bm25": 0.5, "dense": 0.5}))
    assert fused[1] == pytest.approx(0.5 * 1.0 + 0.5 * 0.0)
    assert fused[3] == pytest.approx(0.5 * 0.0 + 0.5 * 1.0)
    assert fused[2] == pytest.approx(0.5 * 0.5 + 0.5 * 0.0)  # absent from dense: its floor
    only_dense = convex_fusion(res, {"bm25": 0.0, "dense": 1.0})
    assert only_dense[0][0] == 3


class _Langs:
    def __init__(self, langs: dict[int, str]) -> None:
        self.langs = langs

    def languages_of(self, rowids):  # noqa: ANN001, ANN201
        return [self.langs.get(int(r)) for r in rowids]


def test_adaptive_share_follows_the_query_script() -> None:
    from indexer.fusion import adaptive_weights, default_weights

    store = _Langs({1: "en", 2: "en", 3: "hi", 4: "mr"})
    assert adaptive_weights("हाथ कैसे धोएं", [1, 2, 3, 4], store)["bm25"] == 0.5
    assert adaptive_weights("how to wash hands", [1, 2, 3, 4], store)["bm25"] == 0.5
    assert adaptive_weights("கை கழுவுதல்", [1, 2, 3, 4], store)["bm25"] == 0.0
    assert adaptive_weights("12345", [1, 2], store) == {"bm25": 1.0, "dense": 1.0}
    # The default: z-score weights, BM25 switched off only for a cross-script query.
    assert default_weights("हाथ कैसे धोएं", [1, 2, 3], store) == {"bm25": 0.2, "dense": 0.8}
    assert default_weights("हाथ कैसे धोएं", [1, 2], store) == {"bm25": 0.0, "dense": 0.8}


def _convex_reference(results, weights, norm):  # noqa: ANN001, ANN202
    """The plain dict-and-loop definition the vectorized convex_fusion must equal."""
    from indexer.fusion.convex import normalize

    normed, floor, best = {}, {}, {}
    for order, (name, (ids, scores)) in enumerate(results.items()):
        values = normalize(np.asarray(scores), norm)
        normed[name] = {int(i): float(v) for i, v in zip(ids, values, strict=True)}
        floor[name] = float(values.min()) if values.size else 0.0
        for rank, doc in enumerate(ids, start=1):
            if int(doc) not in best or (rank, order) < best[int(doc)]:
                best[int(doc)] = (rank, order)
    fused = {d: sum(weights.get(n, 0.0) * normed[n].get(d, floor[n]) for n in results)
             for d in best}
    return sorted(fused.items(), key=lambda item: (-item[1], best[item[0]], item[0]))


@pytest.mark.parametrize("seed", range(25))
def test_convex_fusion_equals_the_plain_definition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    results = {}
    for name in ("bm25", "dense"):
        n = int(rng.integers(0, 60))
        ids = rng.choice(80, size=n, replace=False)
        scores = np.round(rng.normal(size=n), 1) if seed % 2 else rng.normal(size=n)
        results[name] = (ids, np.sort(scores)[::-1])  # rounded: many exact ties
    weights = {"bm25": float(rng.uniform()), "dense": float(rng.uniform())}
    for norm in ("minmax", "zscore"):
        assert convex_fusion(results, weights, norm) == _convex_reference(results, weights, norm)


def test_fuse_names_each_method_and_refuses_unknown_ones() -> None:
    import numpy as np

    from indexer.fusion import METHODS, convex_fusion, fuse, rrf_fusion

    lists = {"bm25": (np.array([3, 1, 2]), np.array([9.0, 5.0, 1.0])),
             "dense": (np.array([1, 4]), np.array([0.9, 0.7]))}
    assert set(METHODS) == {"rrf", "minmax", "zscore"}
    assert fuse("rrf", lists) == rrf_fusion({"bm25": [3, 1, 2], "dense": [1, 4]})
    w = {"bm25": 0.3, "dense": 0.7}
    assert fuse("zscore", lists, w) == convex_fusion(lists, w, "zscore")
    with pytest.raises(ValueError, match="unknown fusion 'borda'"):
        fuse("borda", lists)
