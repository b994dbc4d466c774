"""Load a Model2Vec-style static model folder (tokenlearn-static-model) in sentence-transformers.

The package stores a vocabulary-quantized table: ``embeddings`` (clusters × dim, int8),
``mapping`` (token → cluster) and ``weights`` (token → scale). Expanding it to one row per token
gives a ``StaticEmbedding`` (mean of token rows) that matches the package's Rust encoder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

_REQUIRED = ("tokenizer.json", "model.safetensors")


def is_static_model_dir(path: Path) -> bool:
    """A folder with a token table and a tokenizer but no sentence-transformers modules."""
    if (path / "modules.json").exists() or not all((path / f).is_file() for f in _REQUIRED):
        return False
    from safetensors import safe_open

    with safe_open(str(path / "model.safetensors"), framework="numpy") as f:
        return "embeddings" in set(f.keys())


def static_dim(path: Path) -> int:
    """The vector width, from the safetensors header alone (no table is read)."""
    from safetensors import safe_open

    with safe_open(str(path / "model.safetensors"), framework="numpy") as f:
        return int(f.get_slice("embeddings").get_shape()[1])


def token_table(path: Path) -> np.ndarray:
    """One float32 row per token id, with quantization mapping and per-token weights applied."""
    from safetensors.numpy import load_file

    tensors = load_file(str(path / "model.safetensors"))
    table = tensors["embeddings"].astype(np.float32)
    if "mapping" in tensors:
        table = table[tensors["mapping"]]
    if "weights" in tensors:
        table = table * tensors["weights"].astype(np.float32)[:, None]
    return np.ascontiguousarray(table)


def _config(path: Path) -> dict[str, Any]:
    cfg = path / "config.json"
    return json.loads(cfg.read_text(encoding="utf-8")) if cfg.is_file() else {}


def _st_modules() -> tuple[Any, Any]:
    """(Normalize, StaticEmbedding) from sentence-transformers 6's path, or the older one."""
    try:
        from sentence_transformers.sentence_transformer.modules import Normalize, StaticEmbedding
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import Normalize, StaticEmbedding
    return Normalize, StaticEmbedding


def load_static(path: str | Path, device: str | None = None) -> Any:
    """A SentenceTransformer of StaticEmbedding (+ Normalize when the config asks for it)."""
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

    Normalize, StaticEmbedding = _st_modules()

    path = Path(path)
    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    modules: list[Any] = [StaticEmbedding(tok, embedding_weights=token_table(path))]
    if _config(path).get("normalize", True):
        modules.append(Normalize())
    return SentenceTransformer(modules=modules, device=device)
