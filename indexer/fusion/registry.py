"""The fusion methods by name, and one verb: `fuse(method, lists, weights)`.

Like ranx, each method lives in its own file (`rrf.py`, `convex.py`) and registers here;
callers name a method instead of importing its function, so a new method is one file and
one line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from indexer.fusion.adaptive import BM25_WEIGHT, DENSE_WEIGHT
from indexer.fusion.convex import convex_fusion
from indexer.fusion.rrf import rrf_fusion

# (ids, scores) per retriever, best first
Lists = Mapping[str, tuple[Sequence[int], Sequence[float]]]
Method = Callable[[Lists, Mapping[str, float] | None], list[tuple[int, float]]]


def _rrf(lists: Lists, weights: Mapping[str, float] | None) -> list[tuple[int, float]]:
    return rrf_fusion({n: [int(i) for i in ids] for n, (ids, _) in lists.items()}, weights)


def _convex(norm: str) -> Method:
    def fuse(lists: Lists, weights: Mapping[str, float] | None) -> list[tuple[int, float]]:
        w = dict(weights or {"bm25": BM25_WEIGHT, "dense": DENSE_WEIGHT})
        return convex_fusion(lists, w, norm)
    return fuse


METHODS: dict[str, Method] = {"rrf": _rrf, "minmax": _convex("minmax"),
                              "zscore": _convex("zscore")}


def fuse(method: str, lists: Lists, weights: Mapping[str, float] | None = None
         ) -> list[tuple[int, float]]:
    """(id, score) best first; `weights` per retriever (RRF: 1 each; convex: the default's)."""
    try:
        return METHODS[method](lists, weights)
    except KeyError:
        raise ValueError(f"unknown fusion {method!r}: use {', '.join(METHODS)}") from None
