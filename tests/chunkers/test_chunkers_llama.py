"""The LlamaIndex bridge, in a real IngestionPipeline (no embedding, no LLM)."""

from __future__ import annotations

import pytest

from chunkers import ApproximateCounter, ChunkerConfig, chunk_document
from chunkers.markdown import parse_markdown_blocks
from loaders import BlockKind

pytest.importorskip("llama_index.core")

from llama_index.core import Document as LlamaDocument  # noqa: E402
from llama_index.core.ingestion import IngestionPipeline  # noqa: E402
from llama_index.core.schema import MetadataMode, NodeRelationship  # noqa: E402

from chunkers.llama import (  # noqa: E402
    IndexerNodeParser,
    chunks_to_nodes,
    from_llama_document,
    node_parser,
)

MARKDOWN = """# Diabetes in pregnancy

Diabetes in pregnancy needs care. Check blood sugar often.

## Doses

Table 1: Starting doses
| Drug | Dose |
|---|---|
| Insulin | 10 IU |
| Metformin | 500 mg |

## Diet

- Eat vegetables every day.
- Drink clean water.

```
not code really
```
"""


def test_markdown_blocks_for_text_without_a_loader() -> None:
    blocks = parse_markdown_blocks(MARKDOWN)
    kinds = [b.kind for b in blocks]
    assert kinds == [BlockKind.HEADING, BlockKind.PARAGRAPH, BlockKind.HEADING,
                     BlockKind.CAPTION, BlockKind.TABLE, BlockKind.HEADING,
                     BlockKind.LIST_ITEM, BlockKind.LIST_ITEM, BlockKind.CODE]
    table = blocks[4]
    assert table.section == ["Diabetes in pregnancy", "Doses"]
    assert table.text.splitlines()[1] == "|---|---|"
    assert blocks[1].language == "en"
    assert parse_markdown_blocks("plain text\n\nsecond paragraph")[1].text == "second paragraph"


def test_from_llama_document_and_nodes() -> None:
    ldoc = LlamaDocument(text=MARKDOWN, id_="docs/diabetes.md",
                         metadata={"file_name": "diabetes.md", "language": "en"})
    doc = from_llama_document(ldoc)
    assert doc.id == "docs/diabetes.md"
    assert doc.title == "Diabetes in pregnancy"
    assert doc.source == "diabetes.md"
    assert doc.language == "en"
    chunks = chunk_document(doc, counter=ApproximateCounter())
    nodes = chunks_to_nodes(chunks, source=ldoc)
    assert [n.id_ for n in nodes] == [c.id for c in chunks]
    for node, chunk in zip(nodes, chunks, strict=True):
        assert node.ref_doc_id == "docs/diabetes.md"
        assert node.metadata["doc_id"] == "docs/diabetes.md"
        assert node.metadata["section"] == " > ".join(chunk.section)
        assert node.metadata["language"] == "en"
        assert all(isinstance(v, str | int | float | bool | type(None))
                   for v in node.metadata.values())
        # the embedding sees exactly what the budget was counted on
        assert node.get_content(metadata_mode=MetadataMode.EMBED) == chunk.context_text
    assert nodes[0].relationships[NodeRelationship.NEXT].node_id == nodes[1].id_
    table = next(n for n in nodes if n.metadata.get("table"))
    assert table.text.startswith("Table 1: Starting doses\n| Drug | Dose |")


def test_node_parser_in_ingestion_pipeline() -> None:
    parser = node_parser(ChunkerConfig(max_tokens=64), counter=ApproximateCounter())
    assert isinstance(parser, IndexerNodeParser)
    docs = [LlamaDocument(text=MARKDOWN, id_="a.md", metadata={"file_name": "a.md"}),
            LlamaDocument(text="साबुन से हाथ धोएँ। " * 30, id_="b.txt")]
    pipeline = IngestionPipeline(transformations=[parser])
    nodes = pipeline.run(documents=docs)
    assert {n.ref_doc_id for n in nodes} == {"a.md", "b.txt"}
    hindi = [n for n in nodes if n.ref_doc_id == "b.txt"]
    assert len(hindi) > 1 and all(n.metadata["language"] == "hi" for n in hindi)
    assert all(n.metadata["tokens"] <= 64 for n in nodes)
    for n in nodes:  # parent metadata merged in stays out of the embedded text
        assert "file_name" not in n.get_content(metadata_mode=MetadataMode.EMBED)
    # same input, same ids: a pipeline re-run upserts instead of duplicating
    again = IngestionPipeline(transformations=[parser]).run(documents=docs)
    assert [n.id_ for n in again] == [n.id_ for n in nodes]
    assert parser.to_dict()["config"]["max_tokens"] == 64
