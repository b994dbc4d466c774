"""Weights for fusion that follow the query's script and the candidates' languages.

BM25 only matches what is written the same way. When a Hindi query meets English passages
(cross-lingual retrieval), BM25's list is noise — names and numbers at best — and a fixed
50/50 fusion lets that noise push good dense hits down. The dense retriever's top candidates
show which languages can answer; `share` is the part of them written in the query's script.

The default (`default_weights`: z-score fusion, dense 0.8 / BM25 0.2, BM25 off when no dense
candidate is in the query's script) was re-chosen with document-aware dense scoring by
`python -m indexer.harness.sweep` over six dev sets (benchmarks/SWEEP.md): among 36 fused
variants it has the smallest worst loss against any set's own best (0.011 nDCG@10, on
mediqa-dev) and the best mean, and the other sets pick it in 5 of 6 leave-one-out rounds.
Plain RRF loses 0.03-0.09 on the cross-lingual golden sets; scaling BM25 by `share` cost
0.006 on the adversarial set (2026-11-22 sweep), so BM25 is only switched off at share 0.
The 2026-12-07 sweep, with query-vector feedback (indexer.dense.feedback) among the
variants, kept these weights and added feedback at k=1, beta=0.25.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from loaders.languages import LANGUAGE_SCRIPT
from loaders.script import dominant_script

DENSE_WEIGHT = 0.8
BM25_WEIGHT = 0.2



class _ChunkLanguages(Protocol):
    def languages_of(self, rowids: Sequence[int]) -> list[str | None]: ...


def default_weights(query: str, dense_ids: Sequence[int], store: _ChunkLanguages
                    ) -> dict[str, float]:
    """Weights of the default z-score fusion: BM25 off for cross-script queries."""
    share = adaptive_weights(query, dense_ids, store)["bm25"]
    return {"bm25": BM25_WEIGHT if share > 0 else 0.0, "dense": DENSE_WEIGHT}


def adaptive_weights(query: str, dense_ids: Sequence[int], store: _ChunkLanguages,
                     top: int = 10, floor: float = 0.0) -> dict[str, float]:
    """{"bm25": share of the dense top candidates in the query's script, "dense": 1.0}."""
    script = dominant_script(query)
    ids = [int(i) for i in list(dense_ids)[:top]]
    if script is None or not ids:
        return {"bm25": 1.0, "dense": 1.0}
    langs = store.languages_of(ids)
    known = [LANGUAGE_SCRIPT.get(lang or "") for lang in langs]
    known = [k for k in known if k]
    if not known:
        return {"bm25": 1.0, "dense": 1.0}
    share = sum(k == script for k in known) / len(known)
    return {"bm25": max(floor, share), "dense": 1.0}
