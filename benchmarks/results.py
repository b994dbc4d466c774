"""What a benchmark run hands to the report: plain dataclasses holding plain dicts.

The indexer (``indexer bench``) fills one :class:`SystemResult` per (dataset, system)
and wraps them in :class:`BenchResults`; :func:`benchmarks.write_report` does the rest
(metrics, per-language breakdown, significance, speed, rerank uplift, files). Example::

    res = BenchResults(baseline="bm25", qrels={"golden": ds.qrels},
                       query_langs={"golden": ds.query_langs},
                       skipped={"mediqa-dev": "../shared missing"})
    res.systems.append(SystemResult(
        dataset="golden", system="bm25", run=run,            # qid -> docid -> score
        latencies_by_stage={"total": [0.004, ...]},          # seconds, one per query
        build_seconds=1.7, peak_memory_mb=312.0))
    res.systems.append(SystemResult(
        dataset="golden", system="hybrid+rerank", run=run2, first_stage="hybrid",
        latencies_by_stage={"retrieve": [...], "rerank": [...], "total": [...]}))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from benchmarks.metrics import DEFAULT_METRICS
from benchmarks.types import PerQuery, Qrels, Run


@dataclass
class SystemResult:
    """One system evaluated on one dataset.

    dataset, system: names as they should appear in the report (system names are free
        text; the baseline is found by name, ``BenchResults.baseline``).
    run: query id -> doc id -> score, for every query the system was asked. Needed for
        metrics unless ``per_query`` is given, and for rerank rank analysis.
    per_query: optional precomputed ``{metric: {qid: value}}``; metrics it lacks are
        computed from ``run`` and the dataset's qrels.
    latencies_by_stage: stage name -> per-query latencies in **seconds**. Use the stage
        ``"total"`` for end-to-end query latency (QPS is computed from it; without it,
        from the element-wise sum of all stages when they have equal lengths).
    build_seconds, peak_memory_mb: index build wall time and peak RSS (None = unknown).
    query_langs: query id -> language, overriding ``BenchResults.query_langs``.
    first_stage: name of another system on the same dataset whose run this system
        reranks; or give that run directly as ``first_stage_run``. Either one turns on
        the rerank section (uplift + relevant-document rank movement).
    info: free-form facts copied into the report (model names, index size, k, ...).
    """

    dataset: str
    system: str
    run: Run = field(default_factory=dict)
    per_query: PerQuery = field(default_factory=dict)
    latencies_by_stage: dict[str, list[float]] = field(default_factory=dict)
    build_seconds: float | None = None
    peak_memory_mb: float | None = None
    query_langs: dict[str, str] = field(default_factory=dict)
    first_stage: str | None = None
    first_stage_run: Run | None = None
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class BenchResults:
    """Everything one ``indexer bench`` invocation measured, across datasets.

    qrels: dataset -> qrels (required to compute metrics from runs and for rerank ranks).
    query_langs: dataset -> query id -> language, for the per-language breakdown.
    query_groups: dataset -> facet -> query id -> label, for other breakdowns, e.g.
        ``{"adversarial": {"kind": ds.query_field("kind")}}`` (queries.jsonl's "kind").
    skipped: dataset -> reason, for datasets that could not be run (e.g. ../shared
        missing); they appear in the report with ``status: "skipped"`` so optional gates
        can tell "skipped" from "not measured".
    dataset_info: dataset -> free-form facts (fingerprint, path, n_docs, ...).
    baseline: system name every other system is compared with (significance, deltas).
    metrics: metric names (see :mod:`benchmarks.metrics`).
    meta: free-form run facts (git commit, host, command line, ...).
    Statistics settings: n_permutations, n_resamples, seed, confidence, alpha; rerank_k
    is the cutoff for "entered/left the top k".
    """

    systems: list[SystemResult] = field(default_factory=list)
    qrels: dict[str, Qrels] = field(default_factory=dict)
    query_langs: dict[str, dict[str, str]] = field(default_factory=dict)
    query_groups: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    dataset_info: dict[str, dict[str, Any]] = field(default_factory=dict)
    baseline: str = "bm25"
    metrics: tuple[str, ...] = DEFAULT_METRICS
    meta: dict[str, Any] = field(default_factory=dict)
    n_permutations: int = 10_000
    n_resamples: int = 10_000
    seed: int = 42
    confidence: float = 0.95
    alpha: float = 0.05
    rerank_k: int = 10

    def datasets(self) -> list[str]:
        """Dataset names in first-seen order (measured ones, then skipped ones)."""
        names = list(dict.fromkeys(s.dataset for s in self.systems))
        return names + [d for d in self.skipped if d not in names]
