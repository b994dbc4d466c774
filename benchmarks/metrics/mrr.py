"""MRR@k: reciprocal rank of the first relevant document within the top k.

trec_eval's ``recip_rank`` has no cutoff; with ``k`` a first hit below rank k scores 0,
which is what "MRR@10" means in BEIR/MS MARCO style reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from benchmarks.types import RELEVANCE_LEVEL


def mrr(ranked: Sequence[str], rels: Mapping[str, int], k: int | None = None) -> float:
    """Reciprocal rank of the first relevant document (grade >= 1) in the top ``k``."""
    top = ranked if k is None else ranked[:k]
    for i, d in enumerate(top, start=1):
        if rels.get(d, 0) >= RELEVANCE_LEVEL:
            return 1.0 / i
    return 0.0
