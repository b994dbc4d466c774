"""Build the ``report.json`` document (a plain dict) from :class:`BenchResults`.

Schema ``indexer.harness.bench.report``, version 1 (bump ``SCHEMA_VERSION`` on any breaking
change; adding keys is not breaking)::

    {
      "schema": "indexer.harness.bench.report", "schema_version": 1,
      "created": "2025-01-01T00:00:00+00:00",     # UTC, ISO 8601
      "meta": {...},                              # BenchResults.meta, verbatim
      "baseline": "bm25",
      "metrics": ["recall@1", ...],
      "settings": {"test": "paired randomization (sign flip), two-sided",
                   "n_permutations": 10000, "bootstrap": "paired percentile",
                   "n_resamples": 10000, "confidence": 0.95, "seed": 42,
                   "correction": "holm", "holm_family": "all (system, metric) pairs
                   vs the baseline within one dataset", "alpha": 0.05, "rerank_k": 10},
      "datasets": {
        "<dataset>": {
          "status": "ok" | "skipped",
          "skip_reason": null | "...",
          "info": {...},                          # BenchResults.dataset_info
          "n_queries": 40,
          "query_langs": {"en": 10, "hi": 5, ...},   # query counts per language
          "baseline_present": true,
          "systems": {
            "<system>": {
              "n_queries": 40,
              "metrics": {"ndcg@10": 0.61, ...},               # mean over queries
              "ci": {"ndcg@10": [0.55, 0.67], ...},            # bootstrap CI of the mean
              "by_lang": {"hi": {"n_queries": 5, "metrics": {...}}, ...},
              "by_group": {"kind": {"typo": {"n_queries": 10, "metrics": {...}}}},
                                        # from BenchResults.query_groups; {} if none
              "significance": {                                # absent for the baseline
                "ndcg@10": {"baseline": "bm25", "baseline_value": 0.52, "delta": 0.09,
                            "ci_delta": [0.03, 0.15], "p_value": 0.004,
                            "p_holm": 0.02, "significant": true,
                            "direction": "better" | "worse" | "same",
                            "n_queries": 40}, ...},
              "speed": {"build_seconds": 1.7, "peak_memory_mb": 312.0, "qps": 240.1,
                        "latency_ms": {"total": {"n", "mean_ms", "p50_ms", "p95_ms",
                                                 "p99_ms", "max_ms", "qps"}, ...}},
              "rerank": null | {"first_stage": "hybrid", "k": 10,
                        "uplift": {"ndcg@10": {"before", "after", "delta", "p_value"}},
                        "ranks": {"n_relevant", "found_before", "found_after",
                                  "mean_rank_before", "mean_rank_after",
                                  "median_rank_before", "median_rank_after",
                                  "moved_up", "moved_down", "unchanged",
                                  "entered_top_k", "left_top_k",
                                  "in_top_k_before", "in_top_k_after", "k"}},
              "info": {...}                                   # SystemResult.info
            }
          }
        }
      }
    }

Non-finite floats are written as null (JSON has no NaN/Infinity).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from benchmarks.latency import summarize_latencies
from benchmarks.metrics import parse_metric, per_query
from benchmarks.ranks import rerank_analysis
from benchmarks.results import BenchResults, SystemResult
from benchmarks.significance import bootstrap_means, holm, percentile_ci, sign_flip_pvalues
from benchmarks.types import PerQuery

SCHEMA = "indexer.harness.bench.report"
SCHEMA_VERSION = 1


def _clean(x: Any) -> Any:
    """JSON-safe copy: numpy scalars to Python, non-finite floats to None, tuples to lists."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def system_per_query(res: BenchResults, sr: SystemResult) -> PerQuery:
    """The system's per-query table for the report's metrics (given or computed)."""
    metrics = list(res.metrics)
    have = {m: v for m, v in sr.per_query.items() if m in metrics}
    todo = [m for m in metrics if m not in have]
    if todo:
        qrels = res.qrels.get(sr.dataset)
        if qrels is None:
            raise ValueError(f"dataset {sr.dataset!r}: no qrels to compute {todo} for "
                             f"system {sr.system!r}; set BenchResults.qrels or per_query")
        have.update(per_query(qrels, sr.run, todo))
    return {m: have[m] for m in metrics}


def _means(pq: PerQuery) -> dict[str, float | None]:
    return {m: (sum(v.values()) / len(v) if v else None) for m, v in pq.items()}


def _by_label(pq: PerQuery, labels: dict[str, str]) -> dict[str, Any]:
    """Mean metrics per label (language, query kind, ...); unlabelled -> "unknown"."""
    groups: dict[str, list[str]] = {}
    any_metric = next(iter(pq.values()), {})
    for qid in any_metric:
        groups.setdefault(str(labels.get(qid) or "unknown"), []).append(qid)
    return {
        lang: {"n_queries": len(qids),
               "metrics": {m: sum(v[q] for q in qids) / len(qids) for m, v in pq.items()}}
        for lang, qids in sorted(groups.items())
    }


def _speed(sr: SystemResult) -> dict[str, Any]:
    stages = {s: list(v) for s, v in sr.latencies_by_stage.items() if len(v) > 0}
    latency = {s: summarize_latencies(v).to_dict() for s, v in stages.items()}
    qps = None
    if "total" in stages:
        qps = latency["total"]["qps"]
    elif stages and len({len(v) for v in stages.values()}) == 1:
        qps = summarize_latencies(np.sum([np.asarray(v) for v in stages.values()],
                                         axis=0)).qps
    return {"build_seconds": sr.build_seconds, "peak_memory_mb": sr.peak_memory_mb,
            "qps": qps, "latency_ms": latency}


class _Batch:
    """Rows that share one query list, so one resampling pass serves them all.

    Sign patterns and bootstrap resamples depend only on the seed and the number of
    queries, so a batched row gets exactly the numbers a separate call would give.
    """

    def __init__(self) -> None:
        self.groups: dict[tuple[str, ...], list[tuple[Any, np.ndarray]]] = {}

    def add(self, qids: list[str], key: Any, row: np.ndarray) -> None:
        self.groups.setdefault(tuple(qids), []).append((key, row))

    def bootstrap_cis(self, res: BenchResults) -> dict[Any, list[float]]:
        out = {}
        for rows in self.groups.values():
            boot = bootstrap_means(np.stack([r for _, r in rows]), res.n_resamples, res.seed)
            for (key, _), ci in zip(rows, percentile_ci(boot, res.confidence), strict=True):
                out[key] = [float(ci[0]), float(ci[1])]
        return out

    def pvalues(self, res: BenchResults) -> dict[Any, float]:
        out = {}
        for rows in self.groups.values():
            p, _ = sign_flip_pvalues(np.stack([r for _, r in rows]), res.n_permutations,
                                     res.seed)
            for (key, _), pv in zip(rows, p, strict=True):
                out[key] = float(min(1.0, pv))
        return out


def _significance(res: BenchResults, systems: dict[str, PerQuery]) -> dict[str, dict]:
    """Tests and CIs for one dataset: {system: {"ci": ..., "significance": ...}}.

    Each system's CI is over its own queries; a comparison with the baseline is over
    the queries both have (normally all of them).
    """
    metrics = list(res.metrics)
    base = systems.get(res.baseline)
    boot, flip = _Batch(), _Batch()
    compared: dict[str, list[str]] = {}
    for name, pq in systems.items():
        own = sorted(set.intersection(*(set(pq[m]) for m in metrics)))
        if own:
            for m in metrics:
                boot.add(own, ("ci", name, m), np.asarray([pq[m][q] for q in own]))
        if base is None or name == res.baseline:
            continue
        qids = sorted(set(own).intersection(*(set(base[m]) for m in metrics)))
        if not qids:
            continue
        compared[name] = qids
        for m in metrics:
            d = np.asarray([pq[m][q] - base[m][q] for q in qids])
            boot.add(qids, ("delta", name, m), d)
            flip.add(qids, ("p", name, m), d)
    cis, pvals = boot.bootstrap_cis(res), flip.pvalues(res)
    out: dict[str, dict] = {}
    for name, pq in systems.items():
        entry: dict[str, Any] = {
            "ci": {m: cis[("ci", name, m)] for m in metrics if ("ci", name, m) in cis},
            "significance": {},
        }
        out[name] = entry
        qids = compared.get(name)
        if not qids:
            continue
        for m in metrics:
            a = float(np.mean([pq[m][q] for q in qids]))
            b = float(np.mean([base[m][q] for q in qids]))
            entry["significance"][m] = {
                "baseline": res.baseline, "baseline_value": b, "delta": a - b,
                "ci_delta": cis[("delta", name, m)], "p_value": pvals[("p", name, m)],
                "n_queries": len(qids),
            }
    family = {(s, m): e["significance"][m]["p_value"]
              for s, e in out.items() for m in e["significance"]}
    for (s, m), p_adj in holm(family).items():
        sig = out[s]["significance"][m]
        sig["p_holm"] = p_adj
        sig["significant"] = p_adj <= res.alpha
        if not sig["significant"] or sig["delta"] == 0:
            sig["direction"] = "same"
        else:
            sig["direction"] = "better" if sig["delta"] > 0 else "worse"
    return out


def _dataset(res: BenchResults, name: str, srs: Sequence[SystemResult]) -> dict[str, Any]:
    seen: dict[str, SystemResult] = {}
    for sr in srs:
        if sr.system in seen:
            raise ValueError(f"dataset {name!r}: system {sr.system!r} appears twice")
        seen[sr.system] = sr
    order = sorted(seen, key=lambda s: (s != res.baseline,))  # baseline first, rest as given
    pqs = {s: system_per_query(res, seen[s]) for s in order}
    stats = _significance(res, pqs)
    ds_langs = res.query_langs.get(name, {})
    all_qids: set[str] = set()
    all_langs = dict(ds_langs)
    systems: dict[str, Any] = {}
    for s in order:
        sr, pq = seen[s], pqs[s]
        langs = {**ds_langs, **sr.query_langs}
        all_langs.update(sr.query_langs)
        qids = set(next(iter(pq.values()), {}))
        all_qids |= qids
        entry: dict[str, Any] = {
            "n_queries": len(qids),
            "metrics": _means(pq),
            "ci": stats[s]["ci"],
            "by_lang": _by_label(pq, langs),
            "by_group": {facet: _by_label(pq, labels) for facet, labels
                         in res.query_groups.get(name, {}).items()},
        }
        if stats[s]["significance"]:
            entry["significance"] = stats[s]["significance"]
        entry["speed"] = _speed(sr)
        entry["rerank"] = _rerank(res, name, sr, seen, pqs)
        entry["info"] = dict(sr.info)
        systems[s] = entry
    lang_counts: dict[str, int] = {}
    for q in sorted(all_qids):
        lang = all_langs.get(q) or "unknown"
        lang_counts[lang] = lang_counts.get(lang, 0) + 1
    return {
        "status": "ok", "skip_reason": None, "info": dict(res.dataset_info.get(name, {})),
        "n_queries": len(all_qids), "query_langs": dict(sorted(lang_counts.items())),
        "baseline_present": res.baseline in seen, "systems": systems,
    }


def _rerank(res: BenchResults, dataset: str, sr: SystemResult,
            seen: dict[str, SystemResult], pqs: dict[str, PerQuery]) -> dict[str, Any] | None:
    first = sr.first_stage_run
    first_name = sr.first_stage or "(given run)"
    before = None
    if first is None and sr.first_stage is not None:
        if sr.first_stage not in seen:
            raise ValueError(f"dataset {dataset!r}: system {sr.system!r} names first stage "
                             f"{sr.first_stage!r}, which is not among {sorted(seen)}")
        first = seen[sr.first_stage].run
        before = pqs[sr.first_stage]
    if first is None:
        return None
    qrels = res.qrels.get(dataset)
    if qrels is None:
        raise ValueError(f"dataset {dataset!r}: rerank analysis of {sr.system!r} needs qrels")
    analysis = rerank_analysis(first, sr.run, qrels, res.metrics, k=res.rerank_k,
                               n_permutations=res.n_permutations, seed=res.seed,
                               per_query_before=before, per_query_after=pqs[sr.system])
    return {"first_stage": first_name, "k": res.rerank_k, **analysis.to_dict()}


def build_report(results: BenchResults) -> dict[str, Any]:
    """The report as a JSON-ready dict (see the module docstring for the schema)."""
    if not results.metrics:
        raise ValueError("BenchResults.metrics is empty")
    for m in results.metrics:
        parse_metric(m)
    datasets: dict[str, Any] = {}
    for name in results.datasets():
        srs = [s for s in results.systems if s.dataset == name]
        if srs:
            datasets[name] = _dataset(results, name, srs)
        else:
            datasets[name] = {
                "status": "skipped", "skip_reason": results.skipped.get(name, "no systems run"),
                "info": dict(results.dataset_info.get(name, {})), "n_queries": 0,
                "query_langs": {}, "baseline_present": False, "systems": {},
            }
    report = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "meta": dict(results.meta),
        "baseline": results.baseline,
        "metrics": list(results.metrics),
        "settings": {
            "test": "paired randomization (sign flip), two-sided",
            "n_permutations": results.n_permutations,
            "bootstrap": "paired percentile", "n_resamples": results.n_resamples,
            "confidence": results.confidence, "seed": results.seed,
            "correction": "holm",
            "holm_family": "all (system, metric) comparisons with the baseline in a dataset",
            "alpha": results.alpha, "rerank_k": results.rerank_k,
        },
        "datasets": datasets,
    }
    return _clean(report)
