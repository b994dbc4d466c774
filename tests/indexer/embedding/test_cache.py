"""The vector cache: what goes in comes out under its own key, whatever order it was given."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.embedding.cache import EmbeddingCache


def test_rows_written_in_key_order_come_back_under_their_keys(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    keys = [f"{(i * 7919) % 1000:04d}" for i in range(1000)]  # not in sorted order
    vectors = np.random.default_rng(0).normal(size=(1000, 8)).astype(np.float32)
    cache.put_many("m", keys, vectors)
    got = cache.get_many("m", keys)
    assert len(got) == 1000
    assert all(np.array_equal(got[k], vectors[i]) for i, k in enumerate(keys))
    assert cache.get_many("other-model", keys[:5]) == {}


def test_keys_and_vectors_must_pair(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    with pytest.raises(ValueError, match="3 keys for 2 vectors"):
        cache.put_many("m", ["a", "b", "c"], np.zeros((2, 4), dtype=np.float32))
    assert cache.get_many("m", ["a"]) == {}  # nothing half-written
