"""Settings of the dense index: which FAISS structure at which size, and its parameters.

Kept in one dataclass so the index manifest can store exactly what an index was built with
(`to_dict`) and a later writer rebuilds it the same way (`from_dict`).

Index types, smallest to largest (`kind="auto"` picks by the number of live vectors):

- ``flat``  exact inner product; below `hnsw_threshold` (50k) it is fast enough and exact.
- ``hnsw``  graph search (M, efConstruction, efSearch); from `hnsw_threshold` up to
  `ivfpq_threshold` (2M), where its memory (raw vectors + graph) is still acceptable.
- ``ivfpq`` inverted lists of PQ codes, re-ranked exactly ("refine") from the raw vectors:
  from `ivfpq_threshold` up. It needs training data, so an explicit ``kind="ivfpq"`` index
  stays flat until it holds `ivfpq_min_train` vectors.

Every type keeps the raw float32 vectors inside the FAISS file (IndexFlat storage, HNSW
storage, IndexRefineFlat's refine index), so a switch or a compaction rebuilds from them.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

KINDS = ("flat", "hnsw", "ivfpq")  # ordered by the size they are meant for
_CHOICES = ("auto", *KINDS)


@dataclass(frozen=True)
class DenseConfig:
    """Dense index type and parameters; every field is overridable, all are persisted."""

    kind: str = "auto"
    hnsw_threshold: int = 50_000        # auto: flat below, HNSW from here
    ivfpq_threshold: int = 2_000_000    # auto: IVF-PQ + refine from here
    hnsw_m: int = 32                    # graph degree: recall and memory grow with it
    hnsw_ef_construction: int = 100     # build-time beam; 100 reaches >0.95 recall@10 at 100k
    hnsw_ef_search: int = 128           # query-time beam (raised to k when k is larger)
    ivf_nlist: int = 0                  # inverted lists; 0 = auto, ~4*sqrt(n) as a power of 2
    ivf_nprobe: int = 32                # lists visited per query
    pq_m: int = 48                      # PQ sub-quantizers; must divide the dimension
    pq_nbits: int = 8                   # bits per sub-quantizer code
    refine_factor: int = 8              # IVF-PQ returns k*factor candidates, re-ranked exactly
    train_size: int = 0                 # IVF training sample; 0 = auto (64 per list)
    tombstone_fraction: float = 0.2     # HNSW/IVF-PQ: compact when this share is deleted
    exact_filter_max: int = 20_000      # filtered ANN search: exact over `allowed` below this
    seed: int = 1234                    # training sample and k-means seed

    def __post_init__(self) -> None:
        if self.kind not in _CHOICES:
            raise ValueError(f"dense kind {self.kind!r}: use one of {', '.join(_CHOICES)}")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("kind", "tombstone_fraction"):
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"dense config {f.name}={value!r}: need an integer >= 0")
        for name in ("hnsw_m", "hnsw_ef_construction", "hnsw_ef_search", "ivf_nprobe",
                     "pq_m", "pq_nbits", "refine_factor"):
            if getattr(self, name) < 1:
                raise ValueError(f"dense config {name}={getattr(self, name)}: need >= 1")
        if not 0.0 < float(self.tombstone_fraction) <= 1.0:
            raise ValueError(f"dense config tombstone_fraction={self.tombstone_fraction!r}: "
                             "need 0 < fraction <= 1")
        if self.pq_nbits > 16:
            raise ValueError(f"dense config pq_nbits={self.pq_nbits}: at most 16")
        if self.ivfpq_threshold < self.hnsw_threshold:
            raise ValueError("dense config: ivfpq_threshold must be >= hnsw_threshold")

    # -- persistence ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DenseConfig:
        """Refuses unknown keys: a typo must not silently fall back to a default."""
        if not isinstance(data, dict):
            raise ValueError(f"dense config must be an object, not {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"dense config: unknown keys {unknown}")
        return cls(**data)

    # -- decisions -------------------------------------------------------------------------
    def nlist_for(self, n: int) -> int:
        """Inverted lists for n vectors: configured, else ~4*sqrt(n) rounded to a power of 2
        (1024 at 100k, 8192 at 2M)."""
        nlist = self.ivf_nlist or 2 ** round(math.log2(max(4 * math.sqrt(max(n, 1)), 1)))
        return max(1, min(nlist, 65_536))

    def ivfpq_min_train(self, n: int | None = None) -> int:
        """Vectors needed to train IVF-PQ without FAISS's too-few-points warnings."""
        nlist = self.nlist_for(n or self.ivfpq_threshold)
        return 39 * max(nlist, 2 ** self.pq_nbits)

    def train_count(self, n: int) -> int:
        nlist = self.nlist_for(n)
        return min(n, self.train_size or max(64 * nlist, self.ivfpq_min_train(n)))

    def kind_for(self, n: int) -> str:
        """The index type for n live vectors."""
        if self.kind == "ivfpq" or (self.kind == "auto" and n >= self.ivfpq_threshold):
            return "ivfpq" if n >= self.ivfpq_min_train(n) else (
                "hnsw" if self.kind == "auto" else "flat")
        if self.kind == "auto":
            return "hnsw" if n >= self.hnsw_threshold else "flat"
        return self.kind


def kind_rank(kind: str) -> int:
    return KINDS.index(kind)
