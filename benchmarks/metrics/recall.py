"""Recall@k: the share of a query's relevant documents found in the top k.

Same as trec_eval's ``recall_k``: the denominator is every relevant document in the
qrels (retrieved or not), and a query with no relevant document scores 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from benchmarks.types import RELEVANCE_LEVEL


def recall(ranked: Sequence[str], rels: Mapping[str, int], k: int | None = None) -> float:
    """Recall of the ranked list cut at ``k`` (whole list when ``k`` is None)."""
    num_rel = sum(1 for g in rels.values() if g >= RELEVANCE_LEVEL)
    if num_rel == 0:
        return 0.0
    top = ranked if k is None else ranked[:k]
    hits = sum(1 for d in top if rels.get(d, 0) >= RELEVANCE_LEVEL)
    return hits / num_rel
