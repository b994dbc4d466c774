"""Route each query to the reranker that suits it.

An English-only similarity model can beat the multilingual cross-encoder on English
questions over English passages and collapse on everything else (issue 15: `minilm` gained
+.078/+.053 nDCG@10 on two English sets where `ce-multilingual` gained +.052/+.035, and lost
0.78 on Hindi and cross-lingual sets). A router takes the best of both: a `route` function
(query, candidates) → route name picks the reranker per query. The function comes from the
caller (the index knows languages; rerankers import nothing of the project).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from rerankers.base import Candidate, Reranker

Route = Callable[[str, Sequence[Candidate]], str]


class RoutedReranker(Reranker):
    """Delegates each query to `routes[route(query, candidates)]` (`default` when the name
    is not a route). Depth is each delegate's own."""

    name = "routed"

    def __init__(self, routes: Mapping[str, Reranker], route: Route, default: str) -> None:
        super().__init__(None)
        if default not in routes:
            raise ValueError(f"default route {default!r} is not among {sorted(routes)}")
        self.routes, self.route, self.default = dict(routes), route, default

    def choose(self, query: str, candidates: Sequence[Candidate]) -> Reranker:
        return self.routes.get(self.route(query, candidates), self.routes[self.default])

    def rerank(self, query: str, candidates: Sequence[Any], top_k: int | None = None
               ) -> list[Candidate]:
        from rerankers.base import as_candidates

        cands = as_candidates(candidates)
        return self.choose(query, cands).rerank(query, cands, top_k) if cands else []

    def score(self, query: str, candidates: Sequence[Candidate]) -> np.ndarray:
        return self.choose(query, candidates).score(query, candidates)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "default": self.default,
                "routes": {k: r.describe() for k, r in self.routes.items()}}
