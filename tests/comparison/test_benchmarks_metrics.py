"""Metrics agree with pytrec_eval (trec_eval) on random graded qrels and runs with ties."""

from __future__ import annotations

import math
import os
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import DEFAULT_METRICS, evaluate, parse_metric, per_query
from benchmarks.ranking import rank_documents

pytrec_eval = pytest.importorskip("pytrec_eval")

# metric -> (trec_eval measure family, result key)
TREC = {
    "ndcg@1": ("ndcg_cut.1,3,5,10,100,1000", "ndcg_cut_1"),
    "ndcg@3": ("ndcg_cut.1,3,5,10,100,1000", "ndcg_cut_3"),
    "ndcg@10": ("ndcg_cut.1,3,5,10,100,1000", "ndcg_cut_10"),
    "ndcg@100": ("ndcg_cut.1,3,5,10,100,1000", "ndcg_cut_100"),
    "ndcg": ("ndcg_cut.1,3,5,10,100,1000", "ndcg_cut_1000"),  # = trec_eval "ndcg" here
    "recall@1": ("recall.1,5,10,100", "recall_1"),
    "recall@5": ("recall.1,5,10,100", "recall_5"),
    "recall@10": ("recall.1,5,10,100", "recall_10"),
    "recall@100": ("recall.1,5,10,100", "recall_100"),
    "precision@1": ("P.1,5,10", "P_1"),
    "p@5": ("P.1,5,10", "P_5"),
    "P@10": ("P.1,5,10", "P_10"),
    "map@5": ("map_cut.5,10,100", "map_cut_5"),
    "map@10": ("map_cut.5,10,100", "map_cut_10"),
    "map@100": ("map_cut.5,10,100", "map_cut_100"),
    "map": ("map", "map"),
    "mrr": ("recip_rank", "recip_rank"),
}


def trec_eval(qrels, run) -> dict[str, dict[str, float]]:
    """pytrec_eval per query, one evaluator per measure family.

    pytrec_eval-terrier 0.5.11 hangs (in C) when evaluators using the plain "ndcg" measure
    are created repeatedly in one process, so "ndcg" (no cutoff) is checked against
    ndcg_cut_1000, which is the same number for runs and qrels shorter than 1000.
    """
    out: dict[str, dict[str, float]] = {}
    for family in sorted({f for f, _ in TREC.values()}):
        ev = pytrec_eval.RelevanceEvaluator(qrels, {family})
        for qid, values in ev.evaluate(run).items():
            out.setdefault(qid, {}).update(values)
    return out


def random_case(rng: random.Random, n_queries: int = 25, n_docs: int = 60):
    docs = [f"d{i}" for i in range(n_docs)] + ["é-doc", "Ω", "a/b.md", "Z", "z"]
    qrels = {}
    for i in range(n_queries):
        judged = rng.sample(docs, rng.randint(1, 12))
        qrels[f"q{i}"] = {d: rng.choice([-1, 0, 0, 1, 1, 2, 3]) for d in judged}
    run = {}
    for qid in qrels:
        coarse = rng.random() < 0.5  # coarse scores make many ties
        n = rng.randint(0, 50)
        run[qid] = {d: float(rng.randint(0, 4)) if coarse else rng.random()
                    for d in rng.sample(docs, n)}
    run = {q: v for q, v in run.items() if v}
    run["not-judged"] = {"d1": 1.0}
    return qrels, run


@pytest.mark.parametrize("seed", range(20))
def test_agrees_with_pytrec_eval(seed: int) -> None:
    qrels, run = random_case(random.Random(seed))
    ref = trec_eval(qrels, run)
    ours = per_query(qrels, run, list(TREC), missing="skip")
    for metric, (_, key) in TREC.items():
        assert set(ours[metric]) == set(ref)
        for qid in ref:
            assert ours[metric][qid] == pytest.approx(ref[qid][key], abs=1e-9), (metric, qid)


def test_missing_queries_zero_vs_skip() -> None:
    qrels, run = random_case(random.Random(99))
    del run["q0"], run["q1"]
    ref = trec_eval(qrels, run)
    skip = evaluate(qrels, run, ["ndcg@10"], missing="skip")["ndcg@10"]
    zero = evaluate(qrels, run, ["ndcg@10"], missing="zero")["ndcg@10"]
    ref_mean = sum(v["ndcg_cut_10"] for v in ref.values()) / len(ref)
    assert skip == pytest.approx(ref_mean, abs=1e-12)
    assert zero == pytest.approx(ref_mean * len(ref) / len(qrels), abs=1e-12)
    assert zero < skip


def test_hand_computed() -> None:
    qrels = {"q": {"a": 2, "b": 1, "c": 0}}
    run = {"q": {"x": 3.0, "a": 2.0, "c": 1.0, "b": 0.5}}  # ranked x, a, c, b
    r = evaluate(qrels, run, ["recall@1", "recall@2", "recall@4", "precision@2", "mrr@10",
                              "mrr@1", "map@10", "map@2", "ndcg@10", "ndcg@2"])
    assert r["recall@1"] == 0.0
    assert r["recall@2"] == 0.5
    assert r["recall@4"] == 1.0
    assert r["precision@2"] == 0.5
    assert r["mrr@10"] == 0.5
    assert r["mrr@1"] == 0.0
    assert r["map@10"] == pytest.approx((1 / 2 + 2 / 4) / 2)
    assert r["map@2"] == pytest.approx((1 / 2) / 2)
    dcg = 2 / math.log2(3) + 1 / math.log2(5)
    idcg = 2 + 1 / math.log2(3)
    assert r["ndcg@10"] == pytest.approx(dcg / idcg)
    assert r["ndcg@2"] == pytest.approx((2 / math.log2(3)) / (2 + 1 / math.log2(3)))


def test_ties_broken_by_doc_id_descending() -> None:
    assert rank_documents({"a": 1.0, "b": 1.0, "c": 2.0, "B": 1.0}) == ["c", "b", "a", "B"]
    qrels = {"q": {"a": 1}}
    r = evaluate(qrels, {"q": {"a": 1.0, "b": 1.0}}, ["mrr@10", "recall@1"])
    assert r == {"mrr@10": 0.5, "recall@1": 0.0}


def test_no_relevant_and_empty_cases() -> None:
    qrels = {"q1": {"a": 0}, "q2": {"b": 1}}
    pq = per_query(qrels, {"q1": {"a": 1.0}}, ["ndcg@10", "recall@10", "map@10"])
    assert pq["ndcg@10"] == {"q1": 0.0, "q2": 0.0}
    with pytest.raises(ValueError, match="no queries"):
        evaluate(qrels, {}, ["ndcg@10"], missing="skip")


def test_default_metrics_and_parsing() -> None:
    assert DEFAULT_METRICS == ("recall@1", "recall@5", "recall@10", "recall@100", "ndcg@10",
                               "mrr@10", "map@100")
    assert str(parse_metric("NDCG@10")) == "ndcg@10"
    assert parse_metric("P@5").name == "precision"
    assert parse_metric("map").k is None
    for bad in ("bleu@10", "ndcg@0", "ndcg@x"):
        with pytest.raises(ValueError):
            parse_metric(bad)


@settings(max_examples=60, deadline=None)
@given(
    grades=st.dictionaries(st.sampled_from("abcdefgh"), st.integers(-1, 3), min_size=1),
    scores=st.dictionaries(st.sampled_from("abcdefghij"), st.sampled_from([0.0, 0.5, 1.0]),
                           min_size=1),
)
def test_property_against_pytrec_eval(grades, scores) -> None:
    qrels, run = {"q": grades}, {"q": scores}
    ref = trec_eval(qrels, run)["q"]
    ours = per_query(qrels, run, list(TREC))
    for metric, (_, key) in TREC.items():
        assert ours[metric]["q"] == pytest.approx(ref[key], abs=1e-9)
        assert 0.0 <= ours[metric]["q"] <= 1.0 + 1e-12


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("BENCHMARKS_RANX"),
                    reason="ranx compiles with numba (30 s to minutes); set BENCHMARKS_RANX=1")
def test_agrees_with_ranx() -> None:
    ranx = pytest.importorskip("ranx")
    rng = random.Random(7)
    qrels, run = random_case(rng)
    # ranx's tie order differs from trec_eval's: use distinct scores.
    run = {q: {d: rng.random() for d in docs} for q, docs in run.items() if q in qrels}
    metrics = ["ndcg@10", "recall@10", "mrr@10", "map@100", "precision@5"]
    ref = ranx.evaluate(ranx.Qrels(qrels), ranx.Run(run), metrics)
    ours = evaluate(qrels, run, metrics, missing="skip")
    for m in metrics:
        assert ours[m] == pytest.approx(float(ref[m]), abs=1e-6), m
