"""What a search returns: a Hit per chunk, with the fields the CLI's JSON promises."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Hit:
    """One retrieved chunk. `scores` keeps each stage's score (bm25, dense, fused, rerank)."""

    chunk_id: str
    doc_id: str
    score: float
    text: str
    source: str | None
    page: int | None
    lang: str | None
    section: list[str]
    rank: int = 0
    scores: dict[str, float] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
