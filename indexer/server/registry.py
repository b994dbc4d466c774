"""The served indexes by name, kept current: a background thread polls each manifest and
switches to a newly committed generation within `refresh_seconds`.

A search pins one generation (`Index.pinned`) for its whole response, so answers never mix
generations and requests in flight finish on the snapshot they began with. A new generation
that cannot be opened (damaged, inconsistent) is refused: the old one keeps serving, and the
reason shows in /readyz and the log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from indexer.embedding.embedder import Embedder
from indexer.index import Index
from indexer.storage.manifest import read_manifest

log = logging.getLogger("indexer.server")


@dataclass
class Served:
    name: str
    path: Path
    index: Index | None = None
    error: str | None = None  # why the index (or its newest generation) is not served
    refused: str | None = None  # the generation refused


class QueryVectors:
    """A bounded LRU of query vectors per model (queries repeat: caregivers ask alike)."""

    def __init__(self, size: int) -> None:
        self.size, self.hits, self.misses = size, 0, 0
        self._items: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, embedder: Embedder, query: str) -> tuple[np.ndarray, bool]:
        key = (embedder.checksum, query)
        with self._lock:
            vec = self._items.get(key)
            if vec is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return vec, True
        vec = embedder.embed_query(query)
        with self._lock:
            self.misses += 1
            self._items[key] = vec
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return vec, False


class Registry:
    def __init__(self, indexes: dict[str, str], refresh_seconds: float = 1.0) -> None:
        self.served = {name: Served(name, Path(path)) for name, path in indexes.items()}
        self.refresh_seconds = refresh_seconds
        self.ready = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._embedders: dict[tuple[str, str], Embedder] = {}

    def open_all(self) -> None:
        """Open every index and warm its query encoder; then watch for new generations."""
        for s in self.served.values():
            try:
                model = read_manifest(s.path)["model"]
                key = (str(model.get("name")), str(model.get("checksum")))
                embedder = self._embedders.get(key)
                s.index = Index.open(s.path, embedder=embedder)
                self._embedders.setdefault(key, s.index.embedder)
                s.index.embedder.embed_query("warm up")
                s.error = None
            except Exception as exc:  # noqa: BLE001 - reported in /readyz, not a crash
                s.error = f"{type(exc).__name__}: {exc}"
                log.error(json_line("index_open_failed", index=s.name, reason=s.error))
        self.ready = all(s.index is not None for s in self.served.values())
        self._thread = threading.Thread(target=self._watch, name="index-refresh", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.refresh_seconds):
            self.refresh()

    def refresh(self) -> None:
        for s in self.served.values():
            if s.index is None:
                continue
            try:
                latest = read_manifest(s.path)["generation_dir"]
            except Exception as exc:  # noqa: BLE001
                s.error = f"manifest unreadable: {exc}"
                continue
            if latest == s.index.generation or latest == s.refused:
                continue
            before = s.index.generation
            try:
                s.index.refresh()
                s.error = s.refused = None
                log.info(json_line("generation_switched", index=s.name, old=before,
                                   new=s.index.generation))
            except Exception as exc:  # noqa: BLE001 - keep serving the old one
                s.refused = latest
                s.error = f"generation {latest} refused, serving {before}: {exc}"
                log.error(json_line("generation_refused", index=s.name, generation=latest,
                                    serving=before, reason=str(exc)))

    def get(self, name: str | None) -> Served:
        if name is None:
            if len(self.served) != 1:
                raise KeyError("several indexes are served: name one with 'index'")
            return next(iter(self.served.values()))
        return self.served[name]

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def json_line(event: str, **fields: Any) -> str:
    import json

    return json.dumps({"ts": round(time.time(), 3), "event": event, **fields},
                      ensure_ascii=False)
