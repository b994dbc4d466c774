"""The "afternoon version" every report shows beside the product (issue 15): what a user
builds in an afternoon with the same model. Each document embedded whole (title and text,
truncated at the model's limit, `passage: ` prompt), exact search; bm25s over whole
documents with an Indic-safe regex; and a plain reciprocal-rank fusion (k=60) of the two.

It ranks documents, not chunks, and shares nothing with the index but the embedding model
(whose on-disk cache makes a rerun free).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import regex

from indexer.embedding.embedder import Embedder
from loaders import Document
from loaders.extras import require

SYSTEMS = ("whole-dense", "whole-bm25", "whole-rrf")
RRF_K = 60
# Letters, combining marks (Indic vowel signs, virama) and digits: `\w+` alone splits
# Devanagari words at their vowel signs.
TOKEN = regex.compile(r"[\p{L}\p{M}\p{N}]+")


def tokenize(text: str) -> list[str]:
    return TOKEN.findall(text.lower())


@dataclass
class WholeDocuments:
    """Whole-document dense and BM25 rankings over one corpus."""

    ids: list[str]
    vectors: np.ndarray
    bm25: object

    @classmethod
    def build(cls, documents: Sequence[Document], embedder: Embedder) -> WholeDocuments:
        bm25s = require("bm25s", "bench", "the whole-document BM25 baseline")
        docs = [d for d in documents if d.text.strip() or (d.title or "").strip()]
        texts = [_whole_text(d) for d in docs]
        vectors = embedder.embed_passages(texts) if texts else np.zeros((0, embedder.dim))
        retriever = bm25s.BM25()
        retriever.index([tokenize(t) for t in texts], show_progress=False)
        return cls([d.id for d in docs], np.asarray(vectors, np.float32), retriever)

    def dense(self, query_vector: np.ndarray, k: int) -> dict[str, float]:
        scores = self.vectors @ np.asarray(query_vector, np.float32).reshape(-1)
        order = np.lexsort((np.arange(len(scores)), -scores))[:k]
        return {self.ids[i]: float(scores[i]) for i in order}

    def lexical(self, query: str, k: int) -> dict[str, float]:
        tokens = tokenize(query)
        if not tokens or not self.ids:
            return {}
        scores = np.asarray(self.bm25.get_scores(tokens), dtype=np.float64)
        order = np.lexsort((np.arange(len(scores)), -scores))[:k]
        return {self.ids[i]: float(scores[i]) for i in order if scores[i] > 0}

    def run(self, system: str, query: str, query_vector: np.ndarray, k: int
            ) -> dict[str, float]:
        """A document ranking (id → score, higher first) for one of `SYSTEMS`."""
        if system == "whole-dense":
            return self.dense(query_vector, k)
        if system == "whole-bm25":
            return self.lexical(query, k)
        if system == "whole-rrf":
            return rrf([self.lexical(query, k), self.dense(query_vector, k)], k)
        raise ValueError(f"unknown baseline {system!r}: use one of {', '.join(SYSTEMS)}")


def rrf(rankings: Sequence[Mapping[str, float]], k: int, c: int = RRF_K) -> dict[str, float]:
    """Plain reciprocal-rank fusion: sum of 1 / (c + rank) over the lists."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, doc_id in enumerate(ranking, start=1):
            fused[doc_id] = fused.get(doc_id, 0.0) + 1.0 / (c + rank)
    return dict(sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:k])


def _whole_text(doc: Document) -> str:
    title = (doc.title or "").strip()
    return f"{title}\n{doc.text}".strip() if title else doc.text.strip()
