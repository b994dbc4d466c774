"""The LlamaIndex retriever returns the index's hits as scored nodes, in order."""

from __future__ import annotations

from pathlib import Path

from indexer import Index


def test_retriever_matches_index_search(sample_index: Path, embedder) -> None:  # noqa: ANN001
    from llama_index.core.schema import QueryBundle

    from indexer.llama import IndexRetriever

    index = Index.open(sample_index, embedder=embedder)
    query = "How long should I wash my hands?"
    retriever = IndexRetriever(index, k=4, filters={"language": "en"})
    nodes = retriever.retrieve(QueryBundle(query))
    hits = index.search(query, k=4, filters={"language": "en"})
    assert [n.node.node_id for n in nodes] == [h.chunk_id for h in hits]
    assert [n.score for n in nodes] == [h.score for h in hits]
    assert nodes[0].node.metadata["doc_id"] == "en/hand-washing.md"
    assert all(n.node.metadata["lang"] == "en" for n in nodes)
