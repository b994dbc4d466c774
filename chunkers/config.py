"""The chunker's settings: one dataclass the index manifest stores, so a rebuild is reproducible.

The budget counts what the embedding model actually sees: the prompt (`passage: `), the
heading trail `Chunk.context_text` puts first, the chunk text and the special tokens. A chunk
that fits the budget is therefore never truncated by the model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

STRATEGIES = ("structure", "paragraph")
OVERSIZE_ROWS = ("split", "keep")


@dataclass(frozen=True)
class ChunkerConfig:
    """How documents are cut into chunks.

    - `max_tokens`: hard budget per chunk in the model's tokens, everything included.
    - `overlap_sentences`: sentences repeated from the previous chunk of the same section.
    - `min_tokens`: a section smaller than this is merged with tiny siblings (and the intro
      text of their parent) while the merged text still fits the budget.
    - `max_context_tokens`: cap on the heading trail (and never more than half the budget);
      longer trails lose outer headings first.
    - `prompt` / `special_tokens`: what the embedding model adds around each passage.
    - `title_as_context`: chunks outside any heading get the document title as their trail.
    - `oversize_rows`: a table row bigger than the budget is split into cell groups
      ("split", the default) or kept whole and flagged `metadata["oversize"]` ("keep").
    - `strategy`: "structure" (this package's chunker) or "paragraph" (the baseline).

    Defaults measured with `python -m indexer.harness.measure.chunkers` and a BM25 proxy (document nDCG@10,
    best chunk per document) over budgets 128-512 and overlap 0/1: on mediqa-dev (long
    English answers) every budget beats whole documents (0.371) and 192-512 are within 1.5
    points of each other (256: 0.399); on xquad-hi/en (one paragraph per document) 128 loses
    1-1.5 points while 256 matches whole paragraphs. One sentence of overlap added ~10%
    chunks and gained nothing on either. So 256 (half the model's 512) and no overlap, until
    a dense-retrieval measurement says otherwise.
    """

    max_tokens: int = 256
    overlap_sentences: int = 0
    min_tokens: int = 64
    max_context_tokens: int = 64
    prompt: str = "passage: "
    special_tokens: int = 2
    title_as_context: bool = True
    oversize_rows: str = "split"
    strategy: str = "structure"
    version: int = 1  # bump when the same settings would cut differently

    def __post_init__(self) -> None:
        if self.max_tokens < 32:
            raise ValueError(f"max_tokens must be at least 32, got {self.max_tokens}")
        if self.overlap_sentences < 0:
            raise ValueError("overlap_sentences must be >= 0")
        if self.min_tokens < 0:
            raise ValueError("min_tokens must be >= 0")
        if self.max_context_tokens < 1:
            raise ValueError("max_context_tokens must be positive")
        if self.oversize_rows not in OVERSIZE_ROWS:
            raise ValueError(f"oversize_rows must be one of {OVERSIZE_ROWS}")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}")

    @property
    def context_cap(self) -> int:
        return min(self.max_context_tokens, self.max_tokens // 2)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChunkerConfig:
        """Build from a stored dict; unknown keys (from a newer version) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def replace(self, **changes: Any) -> ChunkerConfig:
        """A copy with some settings changed; unknown names are an error, not a silent no-op."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(f"unknown chunker option(s): {', '.join(unknown)}")
        return ChunkerConfig(**{**self.to_dict(), **changes})
