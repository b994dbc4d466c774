"""Report writing (JSON schema, Markdown tables, PNG plots), rerank analysis, latency."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from benchmarks import (
    SCHEMA_VERSION,
    BenchResults,
    SystemResult,
    build_report,
    load_report,
    peak_memory_mb,
    rank_movement,
    rerank_analysis,
    summarize_latencies,
    timed,
    write_report,
)
from tests.paths import ROOT

LANGS = ["en", "hi", "bn", "ta"]


def make_results(n_queries: int = 60, seed: int = 0) -> BenchResults:
    rng = random.Random(seed)
    docs = [f"d{i}" for i in range(80)]
    qrels = {f"q{i}": {docs[i]: 2, docs[(i + 1) % 80]: 1, docs[(i + 2) % 80]: 0}
             for i in range(n_queries)}
    langs = {q: LANGS[i % len(LANGS)] for i, q in enumerate(qrels)}

    def system_run(skill: float) -> dict[str, dict[str, float]]:
        run = {}
        for q, rels in qrels.items():
            scores = {d: rng.random() for d in rng.sample(docs, 30)}
            for d, g in rels.items():
                scores[d] = rng.random() + skill * g
            run[q] = scores
        return run

    bm25, dense = system_run(0.3), system_run(0.8)
    rerank = {q: {d: s + 2.0 * qrels[q].get(d, 0) for d, s in dense[q].items()}
              for q in dense}
    lat = {n: [rng.lognormvariate(-5, 0.5) for _ in qrels] for n in ("bm25", "dense", "r")}
    return BenchResults(
        systems=[
            SystemResult("golden", "dense", dense, latencies_by_stage={"total": lat["dense"]},
                         build_seconds=3.5, peak_memory_mb=512.0, info={"model": "e5"}),
            SystemResult("golden", "bm25", bm25, latencies_by_stage={"total": lat["bm25"]},
                         build_seconds=0.4, peak_memory_mb=128.0),
            SystemResult("golden", "dense+rerank", rerank, first_stage="dense",
                         latencies_by_stage={"retrieve": lat["dense"], "rerank": lat["r"]}),
        ],
        qrels={"golden": qrels},
        query_langs={"golden": langs},
        query_groups={"golden": {"kind": {q: "typo" if i % 3 else "paraphrase"
                                          for i, q in enumerate(qrels)}}},
        skipped={"mediqa-dev": "../shared/datasets/mediqa-dev is absent"},
        dataset_info={"golden": {"fingerprint": "abc"}},
        meta={"git": "deadbeef"},
        n_permutations=2000, n_resamples=2000,
    )


def test_build_report_schema() -> None:
    report = build_report(make_results())
    assert report["schema"] == "indexer.harness.bench.report"
    assert report["schema_version"] == SCHEMA_VERSION
    assert report["baseline"] == "bm25"
    golden = report["datasets"]["golden"]
    assert golden["status"] == "ok" and golden["n_queries"] == 60
    assert golden["query_langs"] == {"bn": 15, "en": 15, "hi": 15, "ta": 15}
    assert list(golden["systems"]) == ["bm25", "dense", "dense+rerank"]  # baseline first
    bm25, dense = golden["systems"]["bm25"], golden["systems"]["dense"]
    assert "significance" not in bm25
    for m in report["metrics"]:
        lo, hi = dense["ci"][m]
        assert lo <= dense["metrics"][m] <= hi
        sig = dense["significance"][m]
        assert sig["p_holm"] >= sig["p_value"]
        assert sig["delta"] == pytest.approx(dense["metrics"][m] - bm25["metrics"][m])
    assert dense["significance"]["ndcg@10"]["direction"] == "better"
    assert set(dense["by_lang"]) == set(LANGS)
    assert dense["by_lang"]["hi"]["n_queries"] == 15
    assert dense["by_group"]["kind"]["paraphrase"]["n_queries"] == 20
    assert set(dense["by_group"]["kind"]["typo"]["metrics"]) == set(report["metrics"])
    assert dense["speed"]["build_seconds"] == 3.5 and dense["speed"]["qps"] > 0
    assert set(dense["speed"]["latency_ms"]["total"]) >= {"p50_ms", "p95_ms", "p99_ms"}
    assert dense["info"] == {"model": "e5"}
    rr = golden["systems"]["dense+rerank"]
    assert rr["speed"]["qps"] > 0  # from the sum of stages
    assert rr["rerank"]["first_stage"] == "dense"
    assert rr["rerank"]["uplift"]["ndcg@10"]["delta"] > 0
    assert rr["rerank"]["ranks"]["moved_up"] > 0
    assert dense["rerank"] is None
    skipped = report["datasets"]["mediqa-dev"]
    assert skipped["status"] == "skipped" and "absent" in skipped["skip_reason"]
    json.dumps(report, allow_nan=False)


def test_report_errors() -> None:
    res = make_results()
    res.systems[2].first_stage = "nope"
    with pytest.raises(ValueError, match="first stage 'nope'"):
        build_report(res)
    res = make_results()
    res.qrels = {}
    with pytest.raises(ValueError, match="no qrels"):
        build_report(res)
    res = make_results()
    res.systems.append(res.systems[0])
    with pytest.raises(ValueError, match="appears twice"):
        build_report(res)


def test_per_query_given_and_no_baseline() -> None:
    pq = {"ndcg@10": {"q1": 1.0, "q2": 0.0}}
    report = build_report(BenchResults(
        systems=[SystemResult("d", "dense", per_query=pq)], metrics=("ndcg@10",)))
    ds = report["datasets"]["d"]
    assert ds["systems"]["dense"]["metrics"] == {"ndcg@10": 0.5}
    assert ds["baseline_present"] is False


def test_write_report(tmp_path: Path) -> None:
    paths = write_report(make_results(), tmp_path / "out", trec_depth=10, per_query=True)
    report = load_report(paths["json"])
    assert report["datasets"]["golden"]["systems"]["dense"]["metrics"]["ndcg@10"] > 0
    md = paths["markdown"].read_text(encoding="utf-8")
    assert "| system | recall@1 | recall@5 |" in md
    assert "| **bm25** (baseline) |" in md
    assert "### ndcg@10 by query language" in md and "| system | all | bn | en | hi | ta |" in md
    assert "▲" in md and "### Speed" in md and "### Reranking" in md
    assert "### ndcg@10 by kind" in md and "| system | paraphrase | typo |" in md
    assert "`mediqa-dev`: ../shared/datasets/mediqa-dev is absent" in md
    plots = {k: p for k, p in paths.items() if k.startswith("plot:")}
    assert set(plots) == {"plot:golden-ndcg-10-by-lang", "plot:golden-recall-10-by-lang",
                          "plot:golden-latency"}
    for p in plots.values():
        data = p.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    run_lines = paths["trec:golden/dense"].read_text().splitlines()
    assert len(run_lines) == 60 * 10
    assert paths["trec:golden/qrels"].exists()
    table = json.loads(paths["per_query"].read_text())
    assert len(table["golden"]["bm25"]["ndcg@10"]) == 60
    with pytest.raises(ValueError, match="not an indexer.harness.bench.report"):
        (tmp_path / "x.json").write_text("{}")
        load_report(tmp_path / "x.json")


def test_rank_movement_hand_case() -> None:
    qrels = {"q": {"a": 1, "b": 2, "c": 1, "n": 0}}
    first = {"q": {"x": 5, "a": 4, "y": 3, "b": 2, "n": 1}}      # a@2 b@4, c absent
    second = {"q": {"b": 9, "x": 8, "n": 7, "y": 6, "a": 5}}    # b@1 a@5
    r = rank_movement(first, second, qrels, k=3)
    assert (r.n_relevant, r.found_before, r.found_after) == (3, 2, 2)
    assert (r.moved_up, r.moved_down, r.unchanged) == (1, 1, 0)
    assert (r.entered_top_k, r.left_top_k) == (1, 1)
    assert (r.in_top_k_before, r.in_top_k_after) == (1, 1)
    assert r.mean_rank_before == 3.0 and r.mean_rank_after == 3.0
    a = rerank_analysis(first, second, qrels, ["mrr@10"], k=3, n_permutations=100)
    assert a.uplift["mrr@10"].before == 0.5 and a.uplift["mrr@10"].after == 1.0
    assert a.to_dict()["ranks"]["k"] == 3


def test_latency_summary() -> None:
    s = summarize_latencies([0.001] * 98 + [0.010, 0.100])
    assert s.n == 100 and s.p50_ms == pytest.approx(1.0)
    assert s.max_ms == pytest.approx(100.0) and s.p99_ms > s.p95_ms
    assert s.qps == pytest.approx(100 / (0.098 + 0.110))
    with pytest.raises(ValueError):
        summarize_latencies([])
    with pytest.raises(ValueError):
        summarize_latencies([-1.0])
    with timed() as t:
        sum(range(1000))
    assert t.seconds > 0
    assert peak_memory_mb() > 1.0
    with pytest.raises(RuntimeError):
        peak_memory_mb("tracemalloc")


def test_house_rule_imports_nothing_else_of_the_project() -> None:
    import subprocess
    import sys

    code = ("import sys, benchmarks, benchmarks.report.plots, benchmarks.gates; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'indexer', 'loaders', 'chunkers', 'rerankers'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_trec_export_skips_unwritable_ids(tmp_path: Path) -> None:
    res = BenchResults(systems=[SystemResult("d", "bm25", {"q": {"a b.md": 1.0, "c": 0.5}})],
                       qrels={"d": {"q": {"c": 1}}}, metrics=("ndcg@10",))
    with pytest.warns(UserWarning, match="whitespace"):
        paths = write_report(res, tmp_path, plots=False, trec_depth=5)
    assert "trec:d/bm25" not in paths and not (tmp_path / "trec" / "d" / "bm25.run").exists()
    assert paths["trec:d/qrels"].exists() and paths["json"].exists()
