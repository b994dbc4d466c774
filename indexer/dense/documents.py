"""Document-aware dense scoring: a chunk is scored with its own cosine *and* its document's.

Chunking loses the document: on mediqa-dev the best chunk of each answer ranks answers worse
(nDCG@10 .548) than one vector of the whole answer does (.586), while the mean of the two is
better than either (.601; issue 15). So the index keeps one vector per document (its lead
window: title and opening text, `chunkers.lead_window`) beside the chunk vectors, and a
chunk's dense score is `(1 - weight) * cos(query, chunk) + weight * cos(query, document)`.
Documents whose lead window matches the query well but none of whose chunks reached the
candidate list bring their chunks in (`inject`), so document evidence can also recall.

Measured (benchmarks/SWEEP.md, nDCG@10 judged-only): dense on mediqa-dev .551 (chunks alone)
→ .600 (weight 0.5), golden .713 → .705, adversarial .697 → .707, flores-xling unchanged;
weight 0.5 is what the sweep's worst-case rule chose together with the fusion (0.25 and
0.75 each lose more somewhere).

Search still returns chunks (a RAG service needs passages); `Hit.scores` keeps `chunk` and
`document` beside the combined `dense`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from chunkers import Chunk, ChunkerConfig, TokenCounter, lead_windows
from loaders import Document


@dataclass(frozen=True)
class DocumentScoring:
    """Settings stored in the manifest (`documents`), so a rebuild scores the same way.

    - `window_tokens`: budget of the document's lead window (model tokens, prompt included);
    - `weight`: the document cosine's share of a chunk's dense score (0 = chunks alone);
    - `inject`: the top documents (by their own vector) whose chunks join the candidates.
    """

    window_tokens: int = 256
    weight: float = 0.5
    inject: int = 20

    def __post_init__(self) -> None:
        if self.window_tokens < 16:
            raise ValueError(f"window_tokens must be at least 16, got {self.window_tokens}")
        if not 0.0 <= self.weight <= 1.0:
            raise ValueError(f"weight must be in [0, 1], got {self.weight}")
        if self.inject < 0:
            raise ValueError("inject must be >= 0")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DocumentScoring:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown document-scoring settings: {sorted(unknown)}")
        return cls(**dict(data))

    def replace(self, **changes: Any) -> DocumentScoring:
        return DocumentScoring(**{**self.to_dict(), **changes})


def combine(chunk_scores: Mapping[int, float], doc_of: Mapping[int, int],
            doc_scores: Mapping[int, float], weight: float, depth: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """Chunks ranked by the blend of their cosine and their document's, best first; ties
    keep the lower row id first (deterministic)."""
    rowids = np.fromiter(chunk_scores, dtype=np.int64, count=len(chunk_scores))
    if len(rowids) == 0:
        return rowids, np.zeros(0, np.float32)
    own = np.fromiter(chunk_scores.values(), dtype=np.float64, count=len(rowids))
    doc = np.asarray([doc_scores.get(doc_of.get(int(r), -1), np.nan) for r in rowids])
    doc = np.where(np.isnan(doc), own, doc)  # a chunk without a document vector: its own
    blended = (1.0 - weight) * own + weight * doc
    order = np.lexsort((rowids, -blended))[:depth]
    return rowids[order], blended[order].astype(np.float32)


def window_texts(batch: Sequence[tuple[Document, Sequence[Chunk]]], counter: TokenCounter,
                 scoring: DocumentScoring, chunker: ChunkerConfig) -> list[str]:
    """The text each document's vector is made from (its lead window): one home for the
    local build, the Ray stages and the harness, so their cache keys agree.

    A document whose only chunk is the whole window, with the chunker's own token count
    (`metadata["tokens"]`, prompt and special tokens included) within the budget, reuses
    that chunk's text uncounted: most short documents, and at a million documents the
    recount was minutes of the build (issue 17). The rest are cut by `lead_windows`.
    """
    out: list[str | None] = [_whole_chunk(doc, chunks, scoring.window_tokens)
                             for doc, chunks in batch]
    rest = [i for i, text in enumerate(out) if text is None]
    cut = lead_windows([batch[i][0] for i in rest], counter, scoring.window_tokens,
                       prompt=chunker.prompt, special_tokens=chunker.special_tokens)
    for i, text in zip(rest, cut, strict=True):
        out[i] = text
    return [t or "" for t in out]  # every slot is filled by now


def _whole_chunk(doc: Document, chunks: Sequence[Chunk], budget: int) -> str | None:
    if len(chunks) != 1:
        return None
    tokens = chunks[0].metadata.get("tokens")
    if not isinstance(tokens, int) or tokens > budget:
        return None
    title = (doc.title or "").strip()
    window = ((f"{title}\n" if title else "") + doc.text).strip()
    return window if chunks[0].context_text == window else None
