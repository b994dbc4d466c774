"""Rerank by a second encoder's cosine similarity: a cheap second opinion from a model
trained differently (MiniLM for English, or e5 read out with another pooling), optionally
blended with the first-stage score."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rerankers.base import Candidate, Reranker, zscore
from rerankers.device import autocast, choose_device, use_bf16

POOLINGS = ("mean", "cls", "max", "lasttoken", "weightedmean")


class EncoderSimilarityReranker(Reranker):
    """Cosine between the query's and each passage's vector from a SentenceTransformer dir.

    `pooling` replaces the model's own pooling; prompts default to the model's configured
    `query`/`passage` prompts; `blend` adds that much of the z-scored first-stage score.
    """

    name = "encoder-sim"

    def __init__(self, model: str | Path, *, pooling: str | None = None,
                 query_prompt: str | None = None, passage_prompt: str | None = None,
                 blend: float = 0.0, depth: int | None = None, batch_size: int = 32,
                 device: str | None = None, bf16: bool | None = None,
                 cache_size: int = 20_000) -> None:
        super().__init__(depth)
        if pooling is not None and pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r}: use one of {', '.join(POOLINGS)}")
        self.path = Path(model).expanduser()
        if not (self.path / "modules.json").is_file():
            raise FileNotFoundError(f"{self.path}: not a sentence-transformers model directory")
        self.pooling = pooling
        self.blend = blend
        self.batch_size = batch_size
        self.device = choose_device(device)
        self.bf16 = use_bf16(self.device, bf16)
        self._prompts = (query_prompt, passage_prompt)
        self._model: Any = None
        self.cache_size = cache_size
        self._cache: dict[str, np.ndarray] = {}  # passage text → vector (passages recur)

    @property
    def model(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(str(self.path), device=self.device,
                                        local_files_only=True)
            if self.pooling is not None:
                model = _repooled(model, self.pooling, self.device)
            self._model = model
        return self._model

    def _prompt(self, kind: str) -> str:
        given = self._prompts[0 if kind == "query" else 1]
        return given if given is not None else (getattr(self.model, "prompts", {}) or {}
                                                ).get(kind, "")

    def _encode(self, texts: list[str], kind: str) -> np.ndarray:
        with autocast(self.device, self.bf16):
            vecs = self.model.encode(texts, prompt=self._prompt(kind) or None,
                                     batch_size=self.batch_size, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Passage vectors, each text encoded once while it stays in the cache."""
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if todo and len(self._cache) + len(todo) > self.cache_size:
            self._cache.clear()
            todo = list(dict.fromkeys(texts))
        if todo:
            self._cache.update(zip(todo, self._encode(todo, "passage"), strict=True))
        return np.stack([self._cache[t] for t in texts])

    def score(self, query: str, candidates: Sequence[Candidate]) -> np.ndarray:
        q = self._encode([query], "query")[0]
        cos = (self.passages([c.text for c in candidates]) @ q).astype(np.float64)
        if self.blend <= 0 or len(candidates) < 2:
            return cos
        first = [c.score if c.first_stage_score is None else c.first_stage_score
                 for c in candidates]
        return zscore(cos) + self.blend * zscore(first)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "model": str(self.path), "pooling": self.pooling,
                "blend": self.blend}


def _repooled(model: Any, pooling: str, device: str) -> Any:
    """The same transformer with another pooling module (and L2 normalization)."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling

    first = model[0]
    get_dim = getattr(model, "get_embedding_dimension", None) or \
        model.get_sentence_embedding_dimension
    dim = int(get_dim())
    pool = Pooling(dim, pooling_mode=pooling)
    return SentenceTransformer(modules=[first, pool, Normalize()], device=device,
                               prompts=dict(getattr(model, "prompts", {}) or {}))
