"""Dense retrieval over FAISS: vectors addressed by 64-bit ids (the chunk's row id).

Vectors are L2-normalized, so inner product is cosine. The FAISS structure follows the size
(see `indexer.dense.config` for the thresholds and parameters): exact flat search while it is
small, HNSW from 50k vectors, IVF-PQ with exact re-ranking from 2M. An `add` that takes the
live count past a threshold rebuilds the index into the bigger type from the raw vectors it
keeps (every type stores them; nothing else is needed).

Deleting: flat removes vectors physically. HNSW cannot, and IVF-PQ-with-refine cannot
renumber, so both keep *tombstones* (deleted ids, saved beside the index) that every search
excludes; once they pass `tombstone_fraction` (20%) of the stored vectors the index is
compacted (rebuilt from the live vectors, same kind or the one the live count calls for).
Re-adding a tombstoned id compacts first, so its old vector cannot come back.

Filtering: `allowed` restricts results before top-k, inside FAISS, with an id selector.
Graph and IVF searches can come back short for selective filters (the beam or the probed
lists hold too few allowed vectors), so: when at most `exact_filter_max` (20k) allowed
vectors are live, they are scored exactly instead; otherwise a short result is retried with
4x and 16x efSearch/nprobe, and then scored exactly. A search returns min(k, live allowed)
results for every type.

Growth only moves up (flat -> HNSW -> IVF-PQ) on `add`; a compaction picks the kind for the
live count, which may be smaller. Persistence (one FAISS file, tombstones and config beside
it) is in `dense_io`; the optional GPU copy for searching in `dense_gpu`. Searching is safe
from several threads; writing is single-writer (the index's transaction holds the lock).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from indexer.dense import files as dense_io
from indexer.dense.build import inner_of, kind_of, new_index, search_params, storage_of
from indexer.dense.config import DenseConfig, kind_rank
from indexer.dense.gpu import choose_dense_device, to_gpu
from indexer.dense.positions import Positions, Selector

_EMPTY = (np.empty(0, np.int64), np.empty(0, np.float32))


class DenseIndex:
    """Cosine search over normalized vectors with ids, filters and deletes, any size."""

    def __init__(self, dim: int, index: faiss.IndexIDMap2 | None = None,
                 config: DenseConfig | None = None, tombstones: np.ndarray | None = None,
                 device: str | None = None) -> None:
        self.dim = int(dim)
        self.config = config or DenseConfig()
        self.index = index if index is not None else new_index(
            self.config.kind_for(0), self.dim, self.config)
        self.kind = kind_of(self.index)
        self._tomb = np.unique(np.asarray(
            tombstones if tombstones is not None else [], dtype=np.int64))
        self.device = choose_dense_device(device)
        self._lock = threading.Lock()
        self._pos: Positions | None = None
        self._gpu: Any = None
        self._gpu_tried = False

    # -- size and description --------------------------------------------------------------
    def __len__(self) -> int:
        """Live vectors (stored minus tombstoned)."""
        return int(self.index.ntotal) - len(self._tomb)

    @property
    def tombstones(self) -> np.ndarray:
        return self._tomb.copy()

    def describe(self) -> dict[str, Any]:
        """What the manifest should record about this index."""
        return {"type": self.kind, "metric": "inner_product", "vectors": len(self),
                "tombstones": len(self._tomb), "config": self.config.to_dict()}

    # -- writing ---------------------------------------------------------------------------
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under new ids; grows into a bigger index type past a threshold."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"vectors have shape {vectors.shape}, index dimension is {self.dim}")
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
        if len(ids) == 0:
            return
        if (ids < 0).any():
            raise ValueError("dense ids must be >= 0 (FAISS uses -1 for 'no result')")
        if len(np.unique(ids)) != len(ids):
            raise ValueError("dense ids repeat within one add")
        pos = self._positions()
        stored = pos.find(ids)
        if len(stored) and not pos.dead[stored].all():
            clash = pos.ids[stored[~pos.dead[stored]]][:5].tolist()
            raise ValueError(f"dense ids already present: {clash}")
        if len(stored):  # re-used ids of deleted vectors: drop the old vectors for good
            self.rebuild()
        target = self.config.kind_for(len(self) + len(ids))
        if kind_rank(target) > kind_rank(self.kind):
            live_ids, live_vecs = self._live_vectors()
            self._build(target, np.concatenate([live_ids, ids]),
                        np.concatenate([live_vecs, vectors]))
            return
        self.index.add_with_ids(vectors, ids)
        self._changed()

    def remove(self, ids: np.ndarray) -> int:
        """Delete ids (unknown ones are ignored); returns how many live vectors went."""
        ids = np.unique(np.asarray(ids, dtype=np.int64).reshape(-1))
        if len(ids) == 0 or len(self) == 0:
            return 0
        live = self._positions().live(ids)
        if len(live) == 0:
            return 0
        gone = self._positions().ids[live]
        if self.kind == "flat":
            self.index.remove_ids(faiss.IDSelectorBatch(gone))
        else:
            self._tomb = np.union1d(self._tomb, gone)
        self._changed()
        if len(self._tomb) > self.config.tombstone_fraction * self.index.ntotal:
            self.rebuild()
        return len(gone)

    def rebuild(self, kind: str | None = None, fresh: bool = False) -> None:
        """Drop tombstoned vectors and rebuild as `kind` (default: what the live count calls
        for). Keeping the kind reuses the structure (trained IVF-PQ quantizers, HNSW M) unless
        `fresh`, which applies the current config's structural parameters."""
        target = kind or self.config.kind_for(len(self))
        ids, vecs = self._live_vectors()
        if target == self.kind and not fresh:
            self.index.reset()
            if len(ids):
                self.index.add_with_ids(vecs, ids)
            self.index.construct_rev_map()
            self._tomb = np.empty(0, np.int64)
            self._changed()
        else:
            self._build(target, ids, vecs)

    def _build(self, kind: str, ids: np.ndarray, vectors: np.ndarray) -> None:
        index = new_index(kind, self.dim, self.config, train=vectors if kind == "ivfpq" else None)
        if len(ids):
            index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
        self.index, self.kind = index, kind
        self._tomb = np.empty(0, np.int64)
        self._changed()

    def _live_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        pos = self._positions()
        keep = pos.all_live()
        return pos.ids[keep], self._vectors_at(keep)

    def _vectors_at(self, positions: np.ndarray) -> np.ndarray:
        if len(positions) == 0:
            return np.empty((0, self.dim), np.float32)
        return storage_of(self.index).reconstruct_batch(positions)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of live `ids`, in the given order; KeyError for missing ones."""
        found = self._positions().live(np.asarray(ids, dtype=np.int64).reshape(-1))
        if len(found) != len(np.asarray(ids).reshape(-1)):
            raise KeyError("some ids are not live in the dense index")
        return self._vectors_at(found)

    def _changed(self) -> None:
        with self._lock:
            self._pos, self._gpu, self._gpu_tried = None, None, False

    def _positions(self) -> Positions:
        with self._lock:
            if self._pos is None:
                self._pos = Positions(self.index, self._tomb)
            return self._pos

    # -- searching -------------------------------------------------------------------------
    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, scores) for one query vector, best first; `allowed` is an array of
        permitted ids, applied before top-k."""
        if len(self) == 0 or k <= 0:
            return _EMPTY
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        if q.shape[1] != self.dim:
            raise ValueError(f"query has dimension {q.shape[1]}, index dimension is {self.dim}")
        pos = self._positions()
        if allowed is None:
            k = min(k, len(self))
            gpu = self._gpu_index() if pos.ndead == 0 else None
            if gpu is not None:
                ids, scores = self._run(gpu, q, k, None, pos)
                if len(ids) >= k:
                    return ids, scores
            return self._ann(q, k, pos.live_selector(), pos)
        sel = pos.selector(allowed)
        if sel.count == 0:
            return _EMPTY
        k = min(k, sel.count)
        if self.kind != "flat" and sel.count <= self.config.exact_filter_max:
            return self._exact(q, k, sel, pos)
        return self._ann(q, k, sel, pos)

    def _ann(self, q: np.ndarray, k: int, sel: Selector | None, pos: Positions
             ) -> tuple[np.ndarray, np.ndarray]:
        """FAISS search over the positions `sel` admits; for HNSW/IVF-PQ a short result is
        retried with 4x and 16x efSearch/nprobe, then scored exactly."""
        inner = inner_of(self.index)
        raw = sel.sel if sel is not None else None
        for widen in (1,) if self.kind == "flat" else (1, 4, 16):
            params, refs = search_params(self.kind, self.index, self.config, k, raw, widen)
            ids, scores = self._run(inner, q, k, params, pos)
            del refs
            if len(ids) >= k:
                return ids, scores
        return self._exact(q, k, sel, pos)

    @staticmethod
    def _run(index: Any, q: np.ndarray, k: int, params: Any, pos: Positions
             ) -> tuple[np.ndarray, np.ndarray]:
        scores, labels = index.search(q, k, params=params)
        keep = labels[0] >= 0
        return pos.ids[labels[0][keep]], scores[0][keep].astype(np.float32)

    def _exact(self, q: np.ndarray, k: int, sel: Selector | None, pos: Positions
               ) -> tuple[np.ndarray, np.ndarray]:
        """Exact inner product over what `sel` admits, on the flat storage every kind keeps
        (small allowed sets, and the last resort of a short ANN search)."""
        params = faiss.SearchParameters(sel=sel.sel) if sel is not None else None
        return self._run(storage_of(self.index), q, k, params, pos)

    def _gpu_index(self) -> Any:
        """The GPU copy for unfiltered searches, made on first use; None on CPU."""
        if self.device != "gpu":
            return None
        with self._lock:
            if not self._gpu_tried:
                self._gpu_tried = True
                self._gpu = to_gpu(inner_of(self.index), self.kind)
            return self._gpu

    # -- persistence -----------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """The CPU index to `path`, tombstones and config beside it (see dense_io)."""
        dense_io.write(Path(path), self.index, self._tomb, self.config)

    @classmethod
    def load(cls, path: Path, dim: int, config: DenseConfig | None = None,
             device: str | None = None) -> DenseIndex:
        """Load and validate; `config` overrides the stored one (e.g. a new efSearch)."""
        index, tombstones, stored = dense_io.read(Path(path), dim)
        return cls(dim, index, config or stored, tombstones, device)
