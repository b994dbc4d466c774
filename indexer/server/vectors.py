"""The server's query-vector cache: a bounded LRU, safe to share across the thread pool.

It encodes through `Embedder.embed_queries`, never `embed_query`, whose small memo is a plain
dict mutated without a lock (two threads evicting at once raise KeyError). Lookups and
inserts hold one lock; encoding runs outside it (ONNX Runtime runs sessions concurrently;
the sentence-transformers fallback is serialised, its tokenizer is not re-entrant).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import nullcontext

import numpy as np

from indexer.embedding.embedder import Embedder


class QueryVectors:
    def __init__(self, size: int) -> None:
        self.size, self.hits, self.misses = size, 0, 0
        self._items: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._encode_lock = threading.Lock()

    def get(self, embedder: Embedder, query: str) -> tuple[np.ndarray, bool]:
        """(vector, whether it came from the cache)."""
        key = (embedder.checksum, query)
        with self._lock:
            vec = self._items.get(key)
            if vec is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return vec, True
            self.misses += 1
        serial = embedder.query_backend != "onnxruntime"
        with self._encode_lock if serial else nullcontext():
            vec = embedder.embed_queries([query])[0]
        vec.setflags(write=False)  # shared by every request that asks the same question
        if self.size > 0:
            with self._lock:
                self._items[key] = vec
                self._items.move_to_end(key)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return vec, False

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
