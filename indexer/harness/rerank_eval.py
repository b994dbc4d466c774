"""Measure rerankers against the hybrid first stage on held-out queries.

    python -m indexer.harness.rerank_eval                       # mediqa-dev, flores-xling, xquad-hi
    python -m indexer.harness.rerank_eval --reranker ce-multilingual --depth 20 --out rerank.json

Per dataset: the held-out part of the fixed hash split (`benchmarks.split_by_hash`, the
split `indexer bench --split heldout` uses; for xquad-hi, never trained on, the same part
keeps the numbers comparable), the hybrid top `depth` computed once, then each reranker
over exactly those candidates, the path `Index.search(rerank=...)` takes. Reported:
nDCG@10 and MRR@10, the paired randomization test's p-value and a bootstrap CI of the
difference against hybrid, and the latency the reranker adds per query (also for exactly
50 candidates). A model trained on any evaluated query is refused.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import benchmarks
from indexer.defaults import DEFAULT_MODEL
from indexer.harness.bench import open_or_build, to_run
from indexer.harness.rerank_train import (
    default_cache_dir,
    judged_queries,
    stable_subset,
    trained_queries,
)
from indexer.paths import shared_datasets
from indexer.reranking.glue import (
    TRAINED_NAME,
    get_reranker,
    parse_spec,
    rerank_hits,
    trained_model_dir,
)
from loaders.extras import require
from rerankers.cross_encoder import DEFAULT_DEPTH

SHARED = shared_datasets()
DEFAULT_DATASETS = ("mediqa-dev", "flores-xling", "xquad-hi")
DEFAULT_RERANKERS = (TRAINED_NAME, "mmr", "minilm", "e5-cls")
METRICS = ("ndcg@10", "mrr@10")
LATENCY_CANDIDATES = 50

Log = Callable[[str], None]


@dataclass
class SystemScores:
    name: str
    per_query: dict[str, dict[str, float]]  # metric → query → value
    latencies: list[float] = field(default_factory=list)  # seconds added per query
    latency_50: list[float] = field(default_factory=list)

    def mean(self, metric: str) -> float:
        values = self.per_query[metric]
        return float(np.mean(list(values.values()))) if values else float("nan")


def heldout_queries(ds: benchmarks.Dataset, max_queries: int | None) -> list[str]:
    _, heldout = benchmarks.split_by_hash(judged_queries(ds))
    return stable_subset(heldout, max_queries)


def refuse_trained_on(name: str, dataset: str, qids: Sequence[str]) -> None:
    """A number on queries the model was trained on would be meaningless."""
    if parse_spec(name)[0] != TRAINED_NAME:
        return
    seen = trained_queries(trained_model_dir()).get(dataset, set()) & set(qids)
    if seen:
        raise ValueError(f"{TRAINED_NAME} was trained on {len(seen)} of the {dataset} queries "
                         f"being evaluated (e.g. {sorted(seen)[:3]}); evaluate on held-out ones")


def evaluate_dataset(path: Path, rerankers: Sequence[str], *, depth: int, max_queries: int | None,
                     latency_queries: int, embedder: Any, cache_dir: Path,
                     log: Log) -> dict[str, Any]:
    ds = benchmarks.load_beir(path)
    qids = heldout_queries(ds, max_queries)
    for name in rerankers:
        refuse_trained_on(name, ds.name, qids)
    index, _stats = open_or_build(ds, cache_dir, embedder)
    texts = {q: str(ds.queries[q]["text"]) for q in qids}
    vectors = dict(zip(qids, embedder.embed_queries(list(texts.values())), strict=True))
    first = max(depth, LATENCY_CANDIDATES)
    hits = {q: index.search(texts[q], k=first, depth=first, query_vector=vectors[q])
            for q in qids}
    qrels = {q: ds.qrels[q] for q in qids}
    runs = {"hybrid": {q: to_run(hits[q]) for q in qids}}
    systems = {"hybrid": SystemScores("hybrid", benchmarks.per_query(qrels, runs["hybrid"],
                                                                    METRICS))}
    timed = set(stable_subset(qids, latency_queries))
    for name in rerankers:
        log(f"{ds.name}: {name} over {len(qids)} queries × {depth} candidates")
        get_reranker(name)  # load outside the timings
        run, lat, lat50 = {}, [], []
        for q in qids:
            started = time.perf_counter()
            ranked = rerank_hits(texts[q], hits[q][:depth], name)
            lat.append(time.perf_counter() - started)
            run[q] = to_run(ranked)
            if q in timed and depth != LATENCY_CANDIDATES:
                started = time.perf_counter()
                rerank_hits(texts[q], hits[q][:LATENCY_CANDIDATES], name)
                lat50.append(time.perf_counter() - started)
        if depth == LATENCY_CANDIDATES:
            lat50 = [t for q, t in zip(qids, lat, strict=True) if q in timed]
        systems[name] = SystemScores(name, benchmarks.per_query(qrels, run, METRICS), lat, lat50)
    return {"dataset": ds.name, "queries": len(qids), "depth": depth,
            "languages": sorted({str(ds.queries[q].get("lang") or "?") for q in qids}),
            "systems": _compare(systems)}


def _compare(systems: dict[str, SystemScores]) -> dict[str, Any]:
    base = systems["hybrid"]
    out: dict[str, Any] = {}
    for name, s in systems.items():
        row: dict[str, Any] = {m: round(s.mean(m), 4) for m in METRICS}
        if name != "hybrid":
            for m in METRICS:
                test = benchmarks.randomization_test(s.per_query[m], base.per_query[m])
                ci = benchmarks.bootstrap_ci(s.per_query[m], base.per_query[m])
                row[f"{m}_delta"] = round(test.delta, 4)
                row[f"{m}_p"] = round(test.p_value, 4)
                row[f"{m}_delta_ci"] = [round(ci.ci_delta[0], 4), round(ci.ci_delta[1], 4)]
            row["latency_ms_median"] = round(1000 * statistics.median(s.latencies), 1)
            row["latency_ms_mean"] = round(1000 * statistics.fmean(s.latencies), 1)
            if s.latency_50:
                row["latency_ms_50_median"] = round(1000 * statistics.median(s.latency_50), 1)
        out[name] = row
    return out


def bf16_stability(name: str, dataset: Path, queries: int, depth: int, embedder: Any,
                   cache_dir: Path) -> dict[str, Any]:
    """Same candidates scored with and without bf16 autocast: does the order survive?"""
    from rerankers import CrossEncoderReranker

    reranker = get_reranker(name)
    if not isinstance(reranker, CrossEncoderReranker):
        return {}
    ds = benchmarks.load_beir(dataset)
    index, _ = open_or_build(ds, cache_dir, embedder)
    fp32 = CrossEncoderReranker(reranker.path, bf16=False, depth=reranker.depth)
    bf16 = CrossEncoderReranker(reranker.path, bf16=True, depth=reranker.depth,
                                model_object=fp32.model, max_length=reranker.max_length,
                                query_prefix=reranker.query_prefix,
                                passage_prefix=reranker.passage_prefix)
    diffs, same_top10, taus = [], [], []
    kendalltau = require("scipy.stats", "bench", "Kendall's tau").kendalltau

    from indexer.reranking.glue import passage_text

    for q in heldout_queries(ds, queries):
        text = str(ds.queries[q]["text"])
        passages = [passage_text(h) for h in index.search(text, k=depth, depth=depth)]
        a, b = fp32.raw_scores(text, passages), bf16.raw_scores(text, passages)
        diffs.append(float(np.max(np.abs(a - b))))
        same_top10.append(list(np.argsort(-a, kind="stable")[:10]) ==
                          list(np.argsort(-b, kind="stable")[:10]))
        taus.append(float(kendalltau(a, b).statistic))
    return {"dataset": ds.name, "queries": len(diffs), "max_abs_logit_diff": round(max(diffs), 4),
            "top10_identical": f"{sum(same_top10)}/{len(same_top10)}",
            "min_kendall_tau": round(min(taus), 4)}


def markdown(results: Sequence[dict[str, Any]]) -> str:
    lines = ["| dataset (held-out queries) | system | nDCG@10 | Δ (p) | MRR@10 | Δ (p) | "
             "added latency / query, median ms (50 cand.) |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        for name, row in r["systems"].items():
            def delta(m: str, row: dict[str, Any] = row) -> str:
                if f"{m}_delta" not in row:
                    return ""
                return f"{row[f'{m}_delta']:+.4f} ({row[f'{m}_p']:.3g})"
            latency = "" if name == "hybrid" else \
                f"{row['latency_ms_median']} ({row.get('latency_ms_50_median', '–')})"
            lines.append(f"| {r['dataset']} ({r['queries']}) | {name} | {row['ndcg@10']:.4f} | "
                         f"{delta('ndcg@10')} | {row['mrr@10']:.4f} | {delta('mrr@10')} | "
                         f"{latency} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexer.harness.rerank_eval",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", action="append", type=Path,
                        help="BEIR dataset directory (repeatable; default: ../shared sets)")
    parser.add_argument("--reranker", action="append",
                        help=f"reranker name or spec (repeatable; default: "
                             f"{', '.join(DEFAULT_RERANKERS)})")
    parser.add_argument("--depth", type=int, default=DEFAULT_DEPTH,
                        help="candidates reranked per query (default: the cross-encoder's "
                             "own default depth, what `Index.search(rerank=...)` reranks)")
    parser.add_argument("--max-queries", type=int, default=None,
                        help="held-out queries per dataset (a stable hash subset)")
    parser.add_argument("--latency-queries", type=int, default=10)
    parser.add_argument("--bf16-check", type=int, default=0, metavar="N",
                        help="compare bf16 and fp32 cross-encoder scores on N mediqa queries")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="write results JSON here")
    parser.add_argument("--update-card", action="store_true",
                        help=f"add the table to {TRAINED_NAME}'s model card")
    args = parser.parse_args(argv)

    from indexer.embedding.embedder import Embedder

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)

    def log(message: str) -> None:
        print(f"[rerank_eval] {message}", file=sys.stderr, flush=True)

    datasets = args.dataset or [SHARED / d for d in DEFAULT_DATASETS]
    names = args.reranker or [n for n in DEFAULT_RERANKERS if n != TRAINED_NAME or
                              (trained_model_dir() / "config.json").is_file()]
    cache = args.cache_dir or default_cache_dir()
    embedder = Embedder(DEFAULT_MODEL)
    results = []
    for path in datasets:
        if not path.is_dir():
            log(f"skip {path}: absent")
            continue
        results.append(evaluate_dataset(path, names, depth=args.depth,
                                        max_queries=args.max_queries,
                                        latency_queries=args.latency_queries,
                                        embedder=embedder, cache_dir=cache, log=log))
        log(json.dumps(results[-1]["systems"]))
    report: dict[str, Any] = {"results": results, "rerankers": names, "depth": args.depth}
    if args.bf16_check and TRAINED_NAME in names:
        report["bf16"] = bf16_stability(TRAINED_NAME, datasets[0], args.bf16_check, args.depth,
                                        embedder, cache)
    table = markdown(results)
    print(table)
    if report.get("bf16"):
        print(f"\nbf16 vs fp32: {json.dumps(report['bf16'])}")
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.update_card and TRAINED_NAME in names:
        from rerankers.model_card import add_evaluation

        add_evaluation(trained_model_dir(), f"{table}\n\nCandidates: hybrid top {args.depth}; "
                       "p: paired randomization test against hybrid.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
