"""Weights for fusion that follow the query's script and the candidates' languages.

BM25 only matches what is written the same way. When a Hindi query meets English passages
(cross-lingual retrieval), BM25's list is noise — names and numbers at best — and a fixed
50/50 fusion lets that noise push good dense hits down. The dense retriever's top candidates
show which languages can answer; BM25's weight is the share of them written in the query's
script, so same-language queries get ordinary fusion and cross-script ones get dense alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from loaders.script import dominant_script

LANGUAGE_SCRIPT = {"en": "Latin", "id": "Latin", "hi": "Devanagari", "mr": "Devanagari",
                   "ne": "Devanagari", "bn": "Bengali", "ta": "Tamil", "te": "Telugu",
                   "kn": "Kannada"}


class _ChunkLanguages(Protocol):
    def languages_of(self, rowids: Sequence[int]) -> list[str | None]: ...


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
