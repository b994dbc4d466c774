"""Text → normalized vectors with a sentence-transformers model, through an on-disk cache.

Sorting by length before batching keeps padding low; the model's own prompts (`query: `,
`passage: ` for e5) come from its configuration, so a model brought by a user just works.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from indexer.defaults import DEFAULT_MODEL
from indexer.embedding.cache import EmbeddingCache
from indexer.embedding.device import autocast as device_autocast
from indexer.embedding.device import choose_device, default_batch_size, has_amx
from indexer.settings import settings


class Embedder:
    """Embeds passages and queries; vectors are float32 and L2-normalized."""

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        device: str | None = None,
        batch_size: int | None = None,
        models_dir: str | Path | None = None,
        cache: EmbeddingCache | bool | None = True,
        progress: bool = False,
    ) -> None:
        from indexer import models

        self.model_name = model
        self.path = models.resolve(model, models_dir=models_dir)
        self._device_request = device
        self._device: str | None = None
        self._batch_size = batch_size
        self.checksum = models.model_checksum(self.path)
        self._record = models.read_record(self.path)
        self._declared_dim: int | None = None  # from the folder, when it has no record
        # True: the shared on-disk cache (INDEXER_CACHE_DIR); False/None: no cache.
        self.cache = EmbeddingCache() if cache is True else (cache or None)
        self.progress = progress
        self._model: Any = None
        self._query_encoder: Any = None  # OnnxQueryEncoder, False when not usable
        self.computed = 0  # texts actually encoded (not served from the cache)
        self._recent: dict[str, np.ndarray] = {}  # small LRU of query vectors

    @property
    def device(self) -> str:
        """Chosen on first use: asking torch about CUDA costs its import (seconds)."""
        if self._device is None:
            self._device = choose_device(self._device_request)
        return self._device

    @property
    def batch_size(self) -> int:
        return self._batch_size or default_batch_size(self.device)

    @property
    def model(self) -> Any:
        """The SentenceTransformer, loaded on first use (opening an index should stay fast)."""
        if self._model is None:
            from indexer import models

            self._model = models.load(self.path, device=self.device)
            if self.device.startswith("cuda"):
                self._model.half()
        return self._model

    @property
    def dim(self) -> int:
        """From the install record when there is one: opening an index, or re-ingesting
        unchanged files, must not pay for loading the model."""
        if self._record and isinstance(self._record.get("dim"), int):
            return int(self._record["dim"])
        if self._model is None:
            if self._declared_dim is None:
                from indexer.models.metadata import declared_dim

                self._declared_dim = declared_dim(self.path) or 0  # 0: only loading can tell
            if self._declared_dim:
                return self._declared_dim
        get_dim = getattr(self.model, "get_embedding_dimension", None) or \
            self.model.get_sentence_embedding_dimension
        return int(get_dim())

    @property
    def prompts(self) -> dict[str, str]:
        if self._record and isinstance(self._record.get("prompts"), dict):
            return dict(self._record["prompts"])
        return dict(getattr(self.model, "prompts", {}) or {})

    def describe(self) -> dict[str, Any]:
        """What the index manifest records to refuse a different model later."""
        return {"name": self.model_name, "path": str(self.path), "checksum": self.checksum,
                "dim": self.dim, "prompts": self.prompts}

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, "passage")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Queries skip the disk cache (a write per query would cost more than it saves) and
        run on ONNX Runtime when the model has an exported query encoder (see onnx_query)."""
        encoder = self._onnx()
        if encoder is None or not texts:
            return self._embed(texts, "query", use_cache=False)
        prompt = self.prompts.get("query", "")
        self.computed += len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # little padding
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), 32):
            part = order[start:start + 32]
            out[part] = encoder.encode([prompt + texts[i] for i in part])
        return out

    @property
    def query_backend(self) -> str:
        """"onnxruntime" or "sentence-transformers": what encodes queries."""
        return "onnxruntime" if self._onnx() is not None else "sentence-transformers"

    def _onnx(self) -> Any:
        if self._query_encoder is None:
            self._query_encoder = False
            choice = settings().query_backend.lower()
            wants_gpu = (self._device_request or settings().device).lower().startswith("cuda")
            if choice in ("auto", "onnx") and not wants_gpu:
                from indexer.embedding import onnx_query
                if onnx_query.available(self.path, self.checksum):
                    self._query_encoder = onnx_query.OnnxQueryEncoder(self.path)
        return self._query_encoder or None

    def embed_query(self, text: str) -> np.ndarray:
        hit = self._recent.get(text)
        if hit is None:
            hit = self.embed_queries([text])[0]
            if len(self._recent) >= 256:
                self._recent.pop(next(iter(self._recent)))
            self._recent[text] = hit
        return hit

    def forget_queries(self) -> None:
        """Drop remembered query vectors (benchmarks time each query's real encoding)."""
        self._recent.clear()

    def _embed(self, texts: Sequence[str], kind: str, use_cache: bool = True) -> np.ndarray:
        prompt = self.prompts.get(kind, "")
        keys = [_key(prompt + t) for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        cache = self.cache if use_cache else None
        cached = cache.get_many(self.checksum, keys) if cache else {}
        todo = [i for i, k in enumerate(keys) if k not in cached]
        for i, k in enumerate(keys):
            if k in cached:
                out[i] = cached[k]
        if todo:
            vectors = self._encode([texts[i] for i in todo], prompt)
            out[todo] = vectors
            self.computed += len(todo)
            if cache:
                cache.put_many(self.checksum, [keys[i] for i in todo], vectors)
        return out

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        with autocast(self.device):
            vecs = self.model.encode(
                [texts[i] for i in order], prompt=prompt or None, batch_size=self.batch_size,
                normalize_embeddings=True, convert_to_numpy=True,
                show_progress_bar=self.progress and len(texts) > self.batch_size,
            )
        out = np.empty_like(vecs, dtype=np.float32)
        out[order] = vecs
        return out


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def autocast(device: str) -> contextlib.AbstractContextManager[None]:
    """bf16 autocast on CPUs with AMX (about 2x faster, cosine >= 0.99999 to fp32); fp32
    elsewhere, so GPU vectors match the CPU path's."""
    return device_autocast(device, device == "cpu" and has_amx())
