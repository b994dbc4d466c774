"""Shards back on the driver: parquet files of per-file rows → report rows, documents, chunks
and the vectors the actors made.

Shards are read one at a time in discovery order (each shard's smallest `seq`), so the driver
commits documents in the order a local ingest would and holds one shard in memory, not the
corpus.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from chunkers import Chunk
from indexer.embedding.cache import EmbeddingCache
from indexer.ingestion.pipeline import FileResult
from loaders import Document


@dataclass
class ShardFile:
    """One file's outcome as the cluster left it."""

    seq: int
    result: FileResult
    documents: list[Document] = field(default_factory=list)
    chunks: list[list[Chunk]] = field(default_factory=list)  # per document
    keys: list[str] = field(default_factory=list)
    vectors: np.ndarray | None = None  # one row per key


def read_shards(folder: Path) -> Iterator[ShardFile]:
    """Every file row of every shard under `folder`, in `seq` order within and across
    shards (Ray writes each shard from one ordered block)."""
    shards = sorted(folder.rglob("*.parquet"))
    first = {p: _min_seq(p) for p in shards}
    for path in sorted(shards, key=lambda p: first[p]):
        table = pq.read_table(path)
        for row in sorted(table.to_pylist(), key=lambda r: r["seq"]):
            yield _row(row)


def _min_seq(path: Path) -> int:
    seqs = pq.read_table(path, columns=["seq"]).column("seq").to_pylist()
    return min(seqs) if seqs else -1


def _row(row: dict) -> ShardFile:
    result = FileResult(**json.loads(row["result"]))
    dim = int(row["dim"])
    vectors = np.frombuffer(row["vectors"], dtype=np.float32).reshape(-1, dim) if dim \
        else np.zeros((0, 0), np.float32)
    keys = json.loads(row["keys"])
    if len(keys) != len(vectors):
        raise ValueError(f"shard row for {result.path}: {len(keys)} keys, {len(vectors)} "
                         "vectors")
    return ShardFile(
        seq=int(row["seq"]), result=result,
        documents=[Document.from_dict(d) for d in json.loads(row["documents"])],
        chunks=[[Chunk.from_dict(c) for c in cs] for cs in json.loads(row["chunks"])],
        keys=keys, vectors=vectors)


class ShardVectors:
    """The embedding cache the driver's `Index.add` reads through: the shards' vectors first
    (in memory, for the batch being committed), then the on-disk cache. What the shards
    brought is also written to the on-disk cache, as a local ingest writes it per batch."""

    def __init__(self, backing: EmbeddingCache | None) -> None:
        self.backing = backing
        self.memory: dict[str, np.ndarray] = {}

    def offer(self, model: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        self.memory.update(zip(keys, vectors, strict=True))
        if self.backing is not None and len(keys):
            self.backing.put_many(model, keys, vectors)

    def clear(self) -> None:
        self.memory.clear()

    def get_many(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found = {k: self.memory[k] for k in keys if k in self.memory}
        rest = [k for k in keys if k not in found]
        if rest and self.backing is not None:
            found.update(self.backing.get_many(model, rest))
        return found

    def put_many(self, model: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        if self.backing is not None:
            self.backing.put_many(model, keys, vectors)
