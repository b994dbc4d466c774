"""Read one committed generation's data without an embedder: its documents, chunk rows and
stored vectors. What the card and the drift report are computed from (never re-embedded)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from indexer.dense.index import DenseIndex
from indexer.errors import IndexOpenError
from indexer.lifecycle import holds
from indexer.storage.manifest import generation_dir, read_manifest, safe_file
from indexer.storage.store import Store

STORE_FILE, DENSE_FILE = "store.sqlite", "dense.faiss"  # as indexer.index names them


@dataclass
class Generation:
    """A sealed generation opened read-only (SQLite immutable), held against retention
    (a shared flock, as `Index.open` takes) until closed."""

    root: Path
    gen: Path
    manifest: dict[str, Any]
    store: Store
    hold: int | None = None

    @classmethod
    def open(cls, root: Path, gen: Path, manifest: dict[str, Any]) -> Generation:
        hold = holds.hold(gen)
        try:
            return cls(root, gen, manifest, Store.open_readonly(safe_file(gen, STORE_FILE)),
                       hold)
        except BaseException:
            holds.release(hold)
            raise

    @property
    def name(self) -> str:
        return self.gen.name

    def documents(self) -> list[dict[str, Any]]:
        """id, source, checksum, language, title and metadata of every document."""
        rows = self.store.db.execute(
            "SELECT id, source, checksum, language, title, metadata, chunk_count "
            "FROM documents ORDER BY id")
        return [{"id": i, "source": s, "checksum": c, "language": lang, "title": t,
                 "metadata": _json(m), "chunks": n} for i, s, c, lang, t, m, n in rows]

    def chunk_rows(self) -> Iterator[tuple[int, str, str, str | None]]:
        """(rowid, chunk id, text, language) of every chunk, in row order."""
        yield from self.store.db.execute(
            "SELECT rowid, id, text, language FROM chunks ORDER BY rowid")

    def texts_of(self, doc_ids: Sequence[str]) -> Iterator[tuple[str, str]]:
        """(doc id, chunk text) of the given documents' chunks."""
        ids = list(doc_ids)
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            marks = ",".join("?" * len(part))
            yield from self.store.db.execute(
                f"SELECT doc_id, text FROM chunks WHERE doc_id IN ({marks})", part)

    def vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(row ids, stored vectors) of every live chunk, read from the FAISS file."""
        dense = DenseIndex.load(safe_file(self.gen, DENSE_FILE), int(self.manifest["dim"]))
        ids = np.asarray([r for (r,) in self.store.db.execute(
            "SELECT rowid FROM chunks ORDER BY rowid")], dtype=np.int64)
        return ids, (dense.vectors(ids) if len(ids) else
                     np.zeros((0, dense.dim), np.float32))

    def close(self) -> None:
        self.store.close()
        if self.hold is not None:
            holds.release(self.hold)
            self.hold = None


def _json(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def resolve(spec: str | Path) -> tuple[Path, str | None]:
    """`DIR` (its current generation) or `DIR@gen-000003` / `DIR@3` (a kept one)."""
    text = str(spec)
    path, sep, gen = text.rpartition("@")
    if not sep or not gen or "/" in gen:
        return Path(text), None
    return Path(path), normalize_gen(gen)


def normalize_gen(gen: str | int) -> str:
    text = str(gen)
    if text.isdigit():
        return f"gen-{int(text):06d}"
    if text.startswith("gen-") and text[4:].isdigit():
        return f"gen-{int(text[4:]):06d}"
    raise IndexOpenError(f"{gen!r} is not a generation (use a number or gen-NNNNNN)")


def open_generation(root: Path, gen: str | None = None) -> Generation:
    """The current generation, or the named kept one (its recorded manifest)."""
    from indexer.lifecycle import history

    current = read_manifest(root)
    if gen is None or gen == current["generation_dir"]:
        manifest = current
    else:
        entry = history.committed(root, current).get(gen)
        if entry is None:
            raise IndexOpenError(f"{root}: no recorded generation {gen} (see `indexer "
                                 "generations`)")
        manifest = entry["manifest"]
    return Generation.open(root, generation_dir(root, manifest), manifest)
