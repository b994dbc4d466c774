"""Turning a query's score dict into a ranked list, exactly as trec_eval does.

trec_eval ignores the rank column of a run file and sorts by score descending, breaking
ties by document id descending (``strcmp``). Every metric, the TREC writer and the rank
analysis use this single function so that all numbers agree with trec_eval/pytrec_eval.
"""

from __future__ import annotations

from collections.abc import Mapping


def rank_documents(doc_scores: Mapping[str, float]) -> list[str]:
    """Document ids sorted by score descending, then id descending (trec_eval's order).

    NaN scores are dropped: they have no defined place in a ranking. Python compares
    ``str`` by code point, which is the same order as ``strcmp`` on UTF-8 bytes.
    """
    items = [(s, d) for d, s in doc_scores.items() if s == s]  # s != s only for NaN
    items.sort(reverse=True)
    return [d for _, d in items]


def ranks_of(doc_scores: Mapping[str, float]) -> dict[str, int]:
    """1-based rank of every document in trec_eval order."""
    return {d: i for i, d in enumerate(rank_documents(doc_scores), start=1)}
