"""Ranking metrics that agree with trec_eval / pytrec_eval, plus ``evaluate``/``per_query``.

Metric names are ``name@k`` (or bare ``name`` for no cutoff), case-insensitive:
``recall``, ``ndcg``, ``mrr``, ``map``, ``precision`` (alias ``p``). Every query's run is
ranked once with trec_eval's tie-break (score desc, doc id desc), see
:mod:`benchmarks.ranking`.

Which queries count: the qrels define the query set. Queries present in the run but not
in the qrels are ignored (as trec_eval). Queries in the qrels but absent from the run
score 0 with ``missing="zero"`` (the default, like ``trec_eval -c``: a system that
answers nothing must not look better); ``missing="skip"`` drops them, which is
trec_eval's and pytrec_eval's default behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from benchmarks.metrics.map import average_precision
from benchmarks.metrics.mrr import mrr
from benchmarks.metrics.ndcg import ndcg
from benchmarks.metrics.precision import precision
from benchmarks.metrics.recall import recall
from benchmarks.ranking import rank_documents
from benchmarks.types import PerQuery, Qrels, Run

MetricFn = Callable[[Sequence[str], Mapping[str, int], "int | None"], float]

METRICS: dict[str, MetricFn] = {
    "recall": recall,
    "ndcg": ndcg,
    "mrr": mrr,
    "map": average_precision,
    "precision": precision,
}
_ALIASES = {"p": "precision", "r": "recall", "rr": "mrr", "recip_rank": "mrr", "ap": "map"}

DEFAULT_METRICS: tuple[str, ...] = (
    "recall@1", "recall@5", "recall@10", "recall@100", "ndcg@10", "mrr@10", "map@100",
)

Missing = Literal["zero", "skip"]


@dataclass(frozen=True)
class MetricSpec:
    """A parsed metric name: function name and optional cutoff."""

    name: str
    k: int | None

    def __str__(self) -> str:
        return self.name if self.k is None else f"{self.name}@{self.k}"


def parse_metric(metric: str) -> MetricSpec:
    """Parse ``"ndcg@10"`` into ``MetricSpec("ndcg", 10)``; raise ValueError if unknown."""
    raw = metric.strip().lower()
    name, sep, cut = raw.partition("@")
    name = _ALIASES.get(name, name)
    if name not in METRICS:
        known = ", ".join(sorted(METRICS))
        raise ValueError(f"unknown metric {metric!r}; known: {known} (optionally @k)")
    if not sep:
        return MetricSpec(name, None)
    if not cut.isdigit() or int(cut) < 1:
        raise ValueError(f"bad cutoff in metric {metric!r}: expected a positive integer")
    return MetricSpec(name, int(cut))


def _query_ids(qrels: Qrels, run: Run, missing: Missing) -> list[str]:
    if missing not in ("zero", "skip"):
        raise ValueError(f"missing must be 'zero' or 'skip', not {missing!r}")
    if missing == "skip":
        return [q for q in qrels if q in run]
    return list(qrels)


def per_query(
    qrels: Qrels,
    run: Run,
    metrics: Iterable[str] = DEFAULT_METRICS,
    missing: Missing = "zero",
) -> PerQuery:
    """Each metric's value for each evaluated query: ``{metric: {query_id: value}}``.

    Keys are the metric strings as given. See the module docstring for which queries
    are evaluated.
    """
    names = list(metrics)
    specs = [parse_metric(m) for m in names]
    out: PerQuery = {m: {} for m in names}
    for qid in _query_ids(qrels, run, missing):
        rels = qrels[qid]
        ranked = rank_documents(run.get(qid, {}))
        for m, spec in zip(names, specs, strict=True):
            out[m][qid] = METRICS[spec.name](ranked, rels, spec.k)
    return out


def mean_scores(scores: PerQuery) -> dict[str, float]:
    """Arithmetic mean over queries of each metric in a per-query table."""
    out = {}
    for m, values in scores.items():
        if not values:
            raise ValueError(f"no queries to average for {m!r}")
        out[m] = sum(values.values()) / len(values)
    return out


def evaluate(
    qrels: Qrels,
    run: Run,
    metrics: Iterable[str] = DEFAULT_METRICS,
    missing: Missing = "zero",
) -> dict[str, float]:
    """Mean of each metric over the evaluated queries: ``{metric: value}``.

    ``missing="zero"`` (default) scores qrels queries absent from the run as 0;
    trec_eval/pytrec_eval by default skip them (``missing="skip"``), which flatters a
    system that fails on hard queries.

    Raises ValueError when no query is evaluated (empty qrels, or ``missing="skip"``
    and the run shares no query with the qrels): an empty average is a bug, not 0.
    """
    return mean_scores(per_query(qrels, run, metrics, missing))


__all__ = [
    "DEFAULT_METRICS", "METRICS", "MetricSpec", "average_precision", "evaluate",
    "mean_scores", "mrr", "ndcg", "parse_metric", "per_query", "precision", "recall",
]
