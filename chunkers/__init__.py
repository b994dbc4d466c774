"""Chunkers: `Document`s in, `Chunk`s sized for the embedding model out.

`chunk_document` is the one entry point the index and the CLI use; the budget is counted in
the embedding model's own tokens (see tokens.py) and every setting lives in `ChunkerConfig`,
which the index manifest stores.
"""

from __future__ import annotations

from typing import Any

from chunkers.config import ChunkerConfig
from chunkers.model import Chunk, chunk_id
from chunkers.paragraph import chunk_paragraphs
from chunkers.sentences import split_sentences
from chunkers.structure import chunk_structure
from chunkers.tokens import (
    ApproximateCounter,
    HFTokenizerCounter,
    TokenCounter,
    TokenizersCounter,
    counter_from,
    default_counter,
    default_tokenizer_path,
)
from chunkers.window import lead_window, lead_windows
from loaders import Document

__all__ = [
    "ApproximateCounter", "Chunk", "ChunkerConfig", "HFTokenizerCounter", "TokenCounter",
    "TokenizersCounter", "chunk_document", "chunk_id", "chunk_paragraphs", "chunk_structure",
    "counter_from", "default_counter", "default_tokenizer_path", "lead_window", "lead_windows",
    "split_sentences",
]


def chunk_document(doc: Document, config: ChunkerConfig | dict[str, Any] | None = None,
                   counter: TokenCounter | Any | None = None, **options: Any) -> list[Chunk]:
    """Chunk a document with the configured strategy.

    `config` may be a stored dict (the index manifest's); `options` override single settings
    (`chunk_document(doc, max_tokens=128)`). `counter` may be a TokenCounter, a tokenizer.json
    path or a tokenizer object; without one, the default model's tokenizer is used when
    installed, else an approximate counter (with a one-time warning).
    """
    if isinstance(config, dict):
        config = ChunkerConfig.from_dict(config)
    config = config or ChunkerConfig()
    if options:
        config = config.replace(**options)
    if config.strategy == "paragraph":
        return chunk_paragraphs(doc)
    tokens = counter_from(counter) if counter is not None else default_counter()
    return chunk_structure(doc, config, tokens)
