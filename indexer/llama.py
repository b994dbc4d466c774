"""A LlamaIndex retriever over an `Index`, for services already built on LlamaIndex.

Only `llama-index-core` is needed; importing this module is what pulls it in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loaders.extras import require

require("llama_index.core", "llama", "indexer.llama (the LlamaIndex retriever)")

from llama_index.core.retrievers import BaseRetriever  # noqa: E402
from llama_index.core.schema import (  # noqa: E402
    NodeRelationship,
    NodeWithScore,
    QueryBundle,
    RelatedNodeInfo,
    TextNode,
)

from indexer.hits import Hit  # noqa: E402
from indexer.index import Index  # noqa: E402


def hit_to_node(hit: Hit) -> NodeWithScore:
    """A Hit as a scored TextNode: id = chunk id, source document as the SOURCE relation."""
    node = TextNode(
        id_=hit.chunk_id, text=hit.text,
        metadata={"doc_id": hit.doc_id, "source": hit.source, "page": hit.page,
                  "lang": hit.lang, "section": " > ".join(hit.section), "rank": hit.rank},
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=hit.doc_id)},
    )
    return NodeWithScore(node=node, score=hit.score)


class IndexRetriever(BaseRetriever):
    """`Index.search` as a LlamaIndex retriever (hybrid by default, filters and rerank too)."""

    def __init__(self, index: Index, k: int = 10, mode: str = "hybrid",
                 filters: Mapping[str, Any] | None = None, rerank: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._index, self._k, self._mode = index, k, mode
        self._filters, self._rerank = filters, rerank

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self._index.search(query_bundle.query_str, k=self._k, mode=self._mode,
                                  filters=self._filters, rerank=self._rerank)
        return [hit_to_node(h) for h in hits]


class ServerRetriever(BaseRetriever):
    """The same retriever over HTTP: a LlamaIndex app talking to `indexer serve`."""

    def __init__(self, client: Any, k: int = 10, mode: str = "hybrid",
                 filters: Mapping[str, Any] | None = None, rerank: str | None = None,
                 index: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client, self._k, self._mode = client, k, mode
        self._filters, self._rerank, self._name = filters, rerank, index

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self._client.search(query_bundle.query_str, k=self._k, mode=self._mode,
                                   filters=self._filters, rerank=self._rerank,
                                   index=self._name)
        return [hit_to_node(h) for h in hits]
