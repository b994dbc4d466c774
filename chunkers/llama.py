"""LlamaIndex bridge, for llama-index-core only, imported lazily.

The rest of the toolkit never needs LlamaIndex; a LlamaIndex user gets:

- `chunks_to_nodes(chunks)`: TextNodes with id_ = chunk id, flat metadata (doc_id, section,
  pages, language, source...), SOURCE relationship to the document, PREVIOUS/NEXT links. The
  embedding sees exactly `Chunk.context_text` (heading trail, then text), which is what the
  token budget was counted on.
- `from_llama_document(doc)`: a LlamaIndex Document (or any text node) as a loaders.Document,
  its text parsed as Markdown (plain text is paragraphs).
- `IndexerNodeParser`: a NodeParser, so these chunkers go into an `IngestionPipeline`.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import TYPE_CHECKING, Any

from chunkers.config import ChunkerConfig
from chunkers.markdown import parse_markdown_blocks
from chunkers.model import Chunk
from chunkers.tokens import TokenCounter, counter_from, default_counter
from loaders import BlockKind, Document, detect_language
from loaders.extras import require

require("llama_index.core", "llama", "chunkers.llama (the LlamaIndex node parser)")

if TYPE_CHECKING:
    from llama_index.core.schema import BaseNode, TextNode

# Node metadata kept out of the embedded text: the embedding sees the heading trail only.
_SECTION_KEY = "section"


def _flat(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """Flat metadata (vector stores reject nested values): lists become ' > ' or ', ' strings."""
    meta: dict[str, Any] = {
        "chunk_id": chunk.id,
        "doc_id": chunk.doc_id,
        _SECTION_KEY: " > ".join(chunk.section),
        "page_start": chunk.page_start,
        "page_end": chunk.page_end,
        "language": chunk.language,
        "source": chunk.source,
    }
    for key, value in chunk.metadata.items():
        if key in meta:
            continue
        if _flat(value):
            meta[key] = value
        elif isinstance(value, list | tuple) and all(_flat(v) for v in value):
            meta[key] = ", ".join(str(v) for v in value)
    return meta


def _embed_like_context(node: TextNode) -> None:
    """Make the node's embed text equal `Chunk.context_text`: trail line, then text."""
    node.excluded_embed_metadata_keys = [k for k in node.metadata if k != _SECTION_KEY]
    node.excluded_llm_metadata_keys = [
        k for k in node.metadata if k not in (_SECTION_KEY, "source", "page_start", "page_end")]
    node.metadata_template = "{value}"
    node.metadata_separator = "\n"
    node.text_template = "{metadata_str}\n{content}"
    if not node.metadata.get(_SECTION_KEY):
        node.excluded_embed_metadata_keys = list(node.metadata)


def chunks_to_nodes(chunks: list[Chunk], source: BaseNode | None = None) -> list[TextNode]:
    """TextNodes for chunks, linked to their source document and to each other."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    nodes: list[TextNode] = []
    for chunk in chunks:
        node = TextNode(id_=chunk.id, text=chunk.text, metadata=chunk_metadata(chunk))
        if source is not None and source.node_id == chunk.doc_id:
            node.relationships[NodeRelationship.SOURCE] = source.as_related_node_info()
        else:
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=chunk.doc_id)
        _embed_like_context(node)
        nodes.append(node)
    for prev, nxt in zip(nodes, nodes[1:], strict=False):
        if prev.ref_doc_id == nxt.ref_doc_id:
            prev.relationships[NodeRelationship.NEXT] = nxt.as_related_node_info()
            nxt.relationships[NodeRelationship.PREVIOUS] = prev.as_related_node_info()
    return nodes


def from_llama_document(node: BaseNode) -> Document:
    """A loaders.Document from a LlamaIndex Document (or text node): its text as Markdown."""
    from llama_index.core.schema import MetadataMode

    text = node.get_content(metadata_mode=MetadataMode.NONE)
    meta = dict(node.metadata or {})
    language = meta.get("language") if isinstance(meta.get("language"), str) else None
    blocks = parse_markdown_blocks(text, language)
    heading = next((b.text for b in blocks if b.kind == BlockKind.HEADING), None)
    title = meta.get("title") or heading or meta.get("file_name")
    source = meta.get("file_path") or meta.get("source") or meta.get("file_name") or node.node_id
    return Document(
        id=node.node_id,
        source=str(source),
        checksum=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        title=str(title) if title else None,
        language=language or detect_language(text[:5000]),
        metadata={k: v for k, v in meta.items() if _flat(v)},
        blocks=blocks,
    )


@cache
def _parser_class() -> type:
    """Define the NodeParser subclass on first use, so importing this module stays cheap."""
    from llama_index.core.bridge.pydantic import Field, PrivateAttr
    from llama_index.core.node_parser import NodeParser
    from llama_index.core.utils import get_tqdm_iterable

    class IndexerNodeParser(NodeParser):
        """Structure-aware chunking, token budget in the embedding model's own tokens.

        `config` is a `ChunkerConfig.to_dict()` (so pipelines hash and serialize it);
        `tokenizer_path` a tokenizer.json, else the default model's (or the approximate
        counter when it is not installed).
        """

        config: dict[str, Any] = Field(default_factory=lambda: ChunkerConfig().to_dict())
        tokenizer_path: str | None = Field(default=None)
        _counter: Any = PrivateAttr(default=None)

        @classmethod
        def class_name(cls) -> str:
            return "IndexerNodeParser"

        @classmethod
        def from_defaults(cls, config: ChunkerConfig | None = None,
                          counter: TokenCounter | Any | None = None, **kwargs: Any
                          ) -> IndexerNodeParser:
            parser = cls(config=(config or ChunkerConfig()).to_dict(), **kwargs)
            if counter is not None:
                parser._counter = counter_from(counter)
            return parser

        def counter(self) -> TokenCounter:
            if self._counter is None:
                self._counter = (counter_from(self.tokenizer_path) if self.tokenizer_path
                                 else default_counter())
            return self._counter

        def _parse_nodes(self, nodes: Any, show_progress: bool = False, **kwargs: Any
                         ) -> list[Any]:
            from chunkers import chunk_document

            out: list[Any] = []
            for node in get_tqdm_iterable(nodes, show_progress, "Chunking"):
                doc = from_llama_document(node)
                chunks = chunk_document(doc, config=self.config, counter=self.counter())
                out.extend(chunks_to_nodes(chunks, source=node))
            return out

        def _postprocess_parsed_nodes(self, nodes: list[Any], parent_doc_map: dict[str, Any]
                                      ) -> list[Any]:
            nodes = super()._postprocess_parsed_nodes(nodes, parent_doc_map)
            for node in nodes:  # parent metadata was merged in: keep it out of the embedding
                _embed_like_context(node)
            return nodes

    return IndexerNodeParser


def __getattr__(name: str) -> Any:
    if name == "IndexerNodeParser":
        return _parser_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def node_parser(config: ChunkerConfig | None = None, counter: TokenCounter | Any | None = None,
                **kwargs: Any) -> Any:
    """An IndexerNodeParser ready for `IngestionPipeline(transformations=[...])`."""
    return _parser_class().from_defaults(config=config, counter=counter, **kwargs)
