"""Chunk id <-> FAISS position bookkeeping, and selectors over positions.

DenseIndex searches the inner FAISS index by position (see dense_build for why), so every
filtered search turns allowed ids into positions. That runs per query, so the lookup is a
direct table when ids are dense enough (chunk row ids only grow, so they usually are), and a
binary search otherwise. Both are derived once per index state and thrown away on change.
"""

from __future__ import annotations

from typing import Any

import faiss
import numpy as np

_TABLE_SLACK = 4  # direct table while max id < 4 * n + 65536 (int32 entries)


class Selector:
    """A FAISS selector over positions, holding the memory it points to.

    A bitmap (one bit per stored vector) for large sets, a hash set for small ones; SWIG does
    not keep the numpy buffer alive, so this object does. `count` is the number admitted.
    """

    def __init__(self, sel: Any, buffer: np.ndarray, count: int) -> None:
        self.sel, self._buffer, self.count = sel, buffer, count

    @classmethod
    def of_mask(cls, mask: np.ndarray) -> Selector:
        bitmap = np.packbits(mask, bitorder="little")
        return cls(faiss.IDSelectorBitmap(bitmap), bitmap, int(np.count_nonzero(mask)))

    @classmethod
    def of_positions(cls, positions: np.ndarray) -> Selector:
        positions = np.ascontiguousarray(positions, dtype=np.int64)
        return cls(faiss.IDSelectorBatch(positions), positions, len(positions))


class Positions:
    """Stored ids by position, a reverse lookup, and which positions are tombstoned."""

    def __init__(self, index: faiss.IndexIDMap2, tombstones: np.ndarray) -> None:
        self.ids = faiss.vector_to_array(index.id_map).astype(np.int64, copy=False)
        n = len(self.ids)
        top = int(self.ids.max()) if n else -1
        self._table: np.ndarray | None = None
        if n == 0 or (self.ids.min() >= 0 and top < _TABLE_SLACK * n + 65_536):
            self._table = np.full(top + 1, -1, dtype=np.int32 if n < 2**31 else np.int64)
            self._table[self.ids] = np.arange(n)
        else:
            self._order = np.argsort(self.ids, kind="stable")
            self._sorted = self.ids[self._order]
        self.dead = np.zeros(n, dtype=bool)
        self.dead[self.find(tombstones)] = True
        self.ndead = int(np.count_nonzero(self.dead))
        self._live_sel: Selector | None = None

    def find(self, ids: np.ndarray) -> np.ndarray:
        """Positions of those `ids` that are stored (dead or alive), in the given order."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if len(self.ids) == 0 or len(ids) == 0:
            return np.empty(0, np.int64)
        if self._table is not None:
            ids = ids[(ids >= 0) & (ids < len(self._table))]
            pos = self._table[ids]
            return pos[pos >= 0].astype(np.int64)
        i = np.searchsorted(self._sorted, ids).clip(0, len(self._sorted) - 1)
        return self._order[i[self._sorted[i] == ids]].astype(np.int64)

    def live(self, ids: np.ndarray) -> np.ndarray:
        """Positions of the live ones among `ids` (repeats kept)."""
        pos = self.find(ids)
        return pos[~self.dead[pos]] if self.ndead else pos

    def all_live(self) -> np.ndarray:
        return np.flatnonzero(~self.dead).astype(np.int64)

    def selector(self, ids: np.ndarray) -> Selector:
        """Selector of the live positions of `ids`: a hash set when few, else a bitmap."""
        pos = self.live(ids)
        if len(pos) * 64 < len(self.ids):
            return Selector.of_positions(np.unique(pos))
        mask = np.zeros(len(self.ids), dtype=bool)
        mask[pos] = True
        return Selector.of_mask(mask)

    def live_selector(self) -> Selector | None:
        """Selector of every live position; None when nothing is tombstoned."""
        if self.ndead == 0:
            return None
        if self._live_sel is None:
            self._live_sel = Selector.of_mask(~self.dead)
        return self._live_sel
