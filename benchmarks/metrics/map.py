"""MAP@k: average precision cut at k, as trec_eval's ``map_cut_k``.

The sum of precision at each relevant rank within the top k is divided by the number of
relevant documents in the qrels (not by min(k, R)), exactly like trec_eval, so MAP@k
values are comparable with published trec_eval numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from benchmarks.types import RELEVANCE_LEVEL


def average_precision(
    ranked: Sequence[str], rels: Mapping[str, int], k: int | None = None
) -> float:
    """Average precision of the ranked list cut at ``k``."""
    num_rel = sum(1 for g in rels.values() if g >= RELEVANCE_LEVEL)
    if num_rel == 0:
        return 0.0
    top = ranked if k is None else ranked[:k]
    hits = 0
    total = 0.0
    for i, d in enumerate(top, start=1):
        if rels.get(d, 0) >= RELEVANCE_LEVEL:
            hits += 1
            total += hits / i
    return total / num_rel
