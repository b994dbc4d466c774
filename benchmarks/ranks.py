"""Reranking analysis: metric uplift and how relevant documents' ranks moved.

A reranker can raise nDCG@10 by pulling one relevant document up while pushing others
out; looking at rank movements of every relevant document shows which is happening.
Ranks are 1-based in trec_eval order (:mod:`benchmarks.ranking`).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import numpy as np

from benchmarks.metrics import DEFAULT_METRICS, per_query
from benchmarks.ranking import ranks_of
from benchmarks.significance import sign_flip_pvalues
from benchmarks.types import RELEVANCE_LEVEL, PerQuery, Qrels, Run


@dataclass(frozen=True)
class Uplift:
    """Mean metric before/after reranking, the change, and its randomization p-value."""

    before: float
    after: float
    delta: float
    p_value: float


@dataclass(frozen=True)
class RankMovement:
    """Where relevant documents (grade >= 1) sit before and after reranking.

    ``mean_rank_*``/``median_rank_*`` are over relevant documents present in that run
    (None if none); ``moved_up``/``moved_down``/``unchanged`` count documents present in
    both runs; ``entered_top_k``/``left_top_k`` count documents crossing the rank-k line
    (absent counts as below it).
    """

    k: int
    n_relevant: int
    found_before: int
    found_after: int
    mean_rank_before: float | None
    mean_rank_after: float | None
    median_rank_before: float | None
    median_rank_after: float | None
    moved_up: int
    moved_down: int
    unchanged: int
    entered_top_k: int
    left_top_k: int
    in_top_k_before: int
    in_top_k_after: int


@dataclass(frozen=True)
class RerankAnalysis:
    """Uplift per metric plus relevant-document rank movement."""

    uplift: dict[str, Uplift] = field(default_factory=dict)
    ranks: RankMovement | None = None

    def to_dict(self) -> dict:
        return {"uplift": {m: asdict(u) for m, u in self.uplift.items()},
                "ranks": asdict(self.ranks) if self.ranks else None}


def _mean(x: list[int]) -> float | None:
    return statistics.fmean(x) if x else None


def _median(x: list[int]) -> float | None:
    return float(statistics.median(x)) if x else None


def rank_movement(first_stage: Run, reranked: Run, qrels: Qrels, k: int = 10) -> RankMovement:
    """Count how the relevant documents of every qrels query moved between two runs."""
    before_ranks: list[int] = []
    after_ranks: list[int] = []
    up = down = same = entered = left = top_before = top_after = n_rel = 0
    for qid, rels in qrels.items():
        rb = ranks_of(first_stage.get(qid, {}))
        ra = ranks_of(reranked.get(qid, {}))
        for did, grade in rels.items():
            if grade < RELEVANCE_LEVEL:
                continue
            n_rel += 1
            b, a = rb.get(did), ra.get(did)
            if b is not None:
                before_ranks.append(b)
            if a is not None:
                after_ranks.append(a)
            if a is not None and b is not None:
                up += a < b
                down += a > b
                same += a == b
            was_top = b is not None and b <= k
            is_top = a is not None and a <= k
            top_before += was_top
            top_after += is_top
            entered += is_top and not was_top
            left += was_top and not is_top
    return RankMovement(
        k=k, n_relevant=n_rel, found_before=len(before_ranks), found_after=len(after_ranks),
        mean_rank_before=_mean(before_ranks), mean_rank_after=_mean(after_ranks),
        median_rank_before=_median(before_ranks), median_rank_after=_median(after_ranks),
        moved_up=up, moved_down=down, unchanged=same, entered_top_k=entered, left_top_k=left,
        in_top_k_before=top_before, in_top_k_after=top_after,
    )


def rerank_analysis(
    first_stage: Run,
    reranked: Run,
    qrels: Qrels,
    metrics: Iterable[str] = DEFAULT_METRICS,
    k: int = 10,
    n_permutations: int = 10_000,
    seed: int = 42,
    per_query_before: PerQuery | None = None,
    per_query_after: PerQuery | None = None,
) -> RerankAnalysis:
    """Metric uplift of ``reranked`` over ``first_stage`` and rank movement at cutoff ``k``.

    Both runs are scored on every qrels query (missing queries score 0), unless their
    per-query tables are passed in (saves recomputing them in a report).
    """
    names = list(metrics)
    pb = per_query_before if per_query_before is not None else per_query(
        qrels, first_stage, names)
    pa = per_query_after if per_query_after is not None else per_query(
        qrels, reranked, names)
    missing = [m for m in names if m not in pb or m not in pa]
    if missing:
        raise ValueError(f"per-query tables lack metrics {missing}")
    names = [m for m in names if pb[m]]
    if not names:
        return RerankAnalysis(uplift={}, ranks=rank_movement(first_stage, reranked, qrels, k))
    qids = sorted(set(pb[names[0]]) & set(pa[names[0]]))
    after = np.asarray([[pa[m][q] for q in qids] for m in names])
    before = np.asarray([[pb[m][q] for q in qids] for m in names])
    p, _ = sign_flip_pvalues(after - before, n_permutations, seed)  # one pass, all metrics
    uplift = {
        m: Uplift(before=float(before[i].mean()), after=float(after[i].mean()),
                  delta=float((after[i] - before[i]).mean()), p_value=float(min(1.0, p[i])))
        for i, m in enumerate(names)
    }
    return RerankAnalysis(uplift=uplift, ranks=rank_movement(first_stage, reranked, qrels, k))
