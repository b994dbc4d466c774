"""nDCG@k with graded relevance, trec_eval's ``ndcg_cut_k`` definition.

Gain is the grade itself (linear, trec_eval's default, not 2^g - 1), the discount is
log2(rank + 1), only positive grades contribute, and the ideal ranking is built from the
qrels' positive grades. Matching trec_eval keeps our numbers comparable with BEIR tables.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def _dcg(grades: Sequence[int]) -> float:
    total = 0.0
    for i, g in enumerate(grades):
        if g > 0:
            total += g / math.log2(i + 2)
    return total


def ndcg(ranked: Sequence[str], rels: Mapping[str, int], k: int | None = None) -> float:
    """Normalised DCG of the ranked list cut at ``k`` (0 when the ideal DCG is 0)."""
    top = ranked if k is None else ranked[:k]
    ideal = sorted((g for g in rels.values() if g > 0), reverse=True)
    if k is not None:
        ideal = ideal[:k]
    idcg = _dcg(ideal)
    if idcg == 0.0:
        return 0.0
    return _dcg([rels.get(d, 0) for d in top]) / idcg
