"""A stand-in embedder: deterministic vectors from text hashes, no torch, no model load.

Index tests about files, generations and concurrency need an embedder only to fill the
dense index; the real one costs seconds to load in every process. Chunking still uses the
real model's tokenizer.json when it is installed (the chunker needs a token counter).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def _model_dir() -> Path | None:
    try:
        from indexer import models

        return Path(models.resolve("multilingual-e5-small"))
    except Exception:  # noqa: BLE001 - not installed: approximate token counts are fine
        return None


class StubEmbedder:
    """Quacks like `indexer.embedding.embedder.Embedder` for Index.create/open/add/search."""

    def __init__(self, dim: int = 16, checksum: str = "stub-model-v1",
                 name: str = "stub") -> None:
        self.dim = dim
        self.checksum = checksum
        self.model_name = name
        self.prompts: dict[str, str] = {}
        self.path = _model_dir() or Path("/nonexistent-stub-model")
        self.computed = 0

    @property
    def model(self) -> Any:
        raise AttributeError("the stub embedder has no model")

    def describe(self) -> dict[str, Any]:
        return {"name": self.model_name, "path": str(self.path), "checksum": self.checksum,
                "dim": self.dim, "prompts": {}}

    def _vec(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8", "replace")).digest()[:8],
                              "little")
        v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
        return v / np.linalg.norm(v)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.computed += len(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([self._vec(t) for t in texts])

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vec(text)
