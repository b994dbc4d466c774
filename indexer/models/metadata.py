"""The install record (``indexer_model.json``) and the weight checksum an index pins.

The checksum is the sha256 of a ``sha256sum``-style manifest of the weight files (one line
``<file sha256>  <relative path>`` per file, sorted by path), so it can be reproduced with
``sha256sum`` and does not depend on config or README edits. The record keeps the file sizes
and mtimes it was computed from; while they are unchanged the stored value is reused, so opening
an index does not re-hash ~240 MB.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from indexer.models.static_tiny import is_static_model_dir, static_dim
from indexer.storage.manifest import file_sha256

RECORD_NAME = "indexer_model.json"
RECORD_VERSION = 1
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".onnx")


def weight_files(path: str | Path) -> list[Path]:
    """Weight files under ``path`` (recursively), sorted by relative path."""
    root = Path(path)
    found = [p for p in root.rglob("*") if p.is_file() and p.suffix in WEIGHT_SUFFIXES
             and not any(part.startswith(".") for part in p.relative_to(root).parts)]
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def _fingerprint(root: Path, files: list[Path]) -> list[dict[str, Any]]:
    """Cheap identity of the weight files: relative path, size, mtime."""
    out = []
    for f in files:
        st = f.stat()
        out.append({"path": f.relative_to(root).as_posix(), "size": st.st_size,
                    "mtime_ns": st.st_mtime_ns})
    return out


@lru_cache(maxsize=32)
def _hash_manifest(root: str, fingerprint: str) -> str:
    del fingerprint  # part of the cache key only: a changed file invalidates the entry
    base = Path(root)
    lines = [f"{file_sha256(f)}  {f.relative_to(base).as_posix()}\n" for f in weight_files(base)]
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def model_checksum(path: str | Path, *, use_record: bool = True) -> str:
    """sha256 over the model's weight files (see module docstring for the exact definition)."""
    root = Path(path).resolve()
    files = weight_files(root)
    if not files:
        raise FileNotFoundError(f"no weight files ({', '.join(WEIGHT_SUFFIXES)}) in {root}")
    fingerprint = _fingerprint(root, files)
    if use_record:
        record = read_record(root)
        if record and record.get("weights") == fingerprint and record.get("checksum"):
            return str(record["checksum"])
    return _hash_manifest(str(root), json.dumps(fingerprint, sort_keys=True))


MEAN_PIPELINES = (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"])


def read_json(path: Path) -> Any:
    """A small JSON file's content, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def st_pipeline(path: str | Path) -> tuple[list[str], dict[str, Any] | None]:
    """A sentence-transformers folder's module kinds (``modules.json``) and, when they are
    one of `MEAN_PIPELINES`, the Pooling module's config (None when unreadable). What the
    ONNX export and `declared_dim` both need to know without loading the model."""
    root = Path(path)
    modules = read_json(root / "modules.json")
    try:
        kinds = [str(m["type"]).rsplit(".", 1)[-1] for m in modules]
    except (KeyError, TypeError):
        return [], None
    if kinds not in MEAN_PIPELINES:
        return kinds, None
    pooling = read_json(root / str(modules[1].get("path", "")) / "config.json")
    return kinds, pooling if isinstance(pooling, dict) else None


def declared_dim(path: str | Path) -> int | None:
    """The vector width a model folder declares without loading it, or None when only
    loading it can tell: a static token table (its header), or Transformer + Pooling
    (+ Normalize), whose width is the pooling config's. Reopening an index with a model that
    has no install record must not import torch to learn one number."""
    root = Path(path)
    if is_static_model_dir(root):
        return static_dim(root)
    _, pooling = st_pipeline(root)
    width = (pooling or {}).get("word_embedding_dimension")
    return width if isinstance(width, int) else None


def read_record(path: str | Path) -> dict[str, Any] | None:
    """The install record of a model folder, or None when absent or unreadable."""
    data = read_json(Path(path) / RECORD_NAME)
    return data if isinstance(data, dict) else None


def write_record(path: str | Path, **fields: Any) -> dict[str, Any]:
    """Compute the checksum afresh and write ``indexer_model.json`` next to the weights."""
    root = Path(path).resolve()
    files = weight_files(root)
    record = {
        "record_version": RECORD_VERSION,
        **fields,
        "checksum": model_checksum(root, use_record=False),
        "weights": _fingerprint(root, files),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    tmp = root / (RECORD_NAME + ".tmp")
    tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, root / RECORD_NAME)
    return record
