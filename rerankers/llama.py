"""LlamaIndex bridge: any reranker of this package as a `NodePostprocessor`.

Imported only by those who use it (llama-index-core is optional for the rest):

    from rerankers.llama import RerankerPostprocessor
    engine = index.as_query_engine(node_postprocessors=[
        RerankerPostprocessor.of("/models/reranker-ce-multilingual", top_n=5)])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

try:
    from llama_index.core.bridge.pydantic import Field, PrivateAttr
    from llama_index.core.postprocessor.types import BaseNodePostprocessor
    from llama_index.core.schema import MetadataMode, NodeWithScore, QueryBundle
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("rerankers.llama needs llama-index-core, which is not installed: "
                      "pip install 'indexer[llama]'") from exc

from rerankers.base import Candidate, Reranker
from rerankers.registry import get


class RerankerPostprocessor(BaseNodePostprocessor):
    """Reorders retrieved nodes with a `Reranker`; node scores become the reranker's."""

    top_n: int | None = Field(default=None, description="Nodes kept after reranking.")
    _reranker: Reranker = PrivateAttr()

    def __init__(self, reranker: Reranker, top_n: int | None = None, **kwargs: Any) -> None:
        super().__init__(top_n=top_n, **kwargs)
        self._reranker = reranker

    @classmethod
    def of(cls, name_or_path: str | Path, top_n: int | None = None,
           **options: Any) -> RerankerPostprocessor:
        """Build the reranker from a registered name or a cross-encoder directory."""
        return cls(get(name_or_path, **options), top_n=top_n)

    @classmethod
    def class_name(cls) -> str:
        return "RerankerPostprocessor"

    @property
    def reranker(self) -> Reranker:
        return self._reranker

    def _postprocess_nodes(self, nodes: list[NodeWithScore],
                           query_bundle: QueryBundle | None = None) -> list[NodeWithScore]:
        if query_bundle is None:
            raise ValueError("reranking needs the query: pass query_bundle or query_str")
        if not nodes:
            return []
        by_id = {str(i): n for i, n in enumerate(nodes)}
        candidates = [
            Candidate(id=str(i), score=float(n.score or 0.0),
                      text=n.node.get_content(metadata_mode=MetadataMode.EMBED),
                      vector=_vector(n))
            for i, n in enumerate(nodes)]
        ranked = self._reranker.rerank(query_bundle.query_str, candidates, top_k=self.top_n)
        return [NodeWithScore(node=by_id[c.id].node, score=c.score) for c in ranked]


def _vector(node: NodeWithScore) -> Any:
    import numpy as np

    emb = getattr(node.node, "embedding", None)
    return None if emb is None else np.asarray(emb, dtype=np.float32)
