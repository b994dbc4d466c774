"""The served indexes by name, kept current: a background thread polls each manifest and
switches to a newly committed generation within `refresh_seconds`.

A search pins one generation (`Index.pinned`) for its whole response, so answers never mix
generations and requests in flight finish on the snapshot they began with. Every generation
is opened and warmed (one real search through BM25 and dense, paying numba's JIT and the
first page-ins) before it is served, so no caller pays for it. A new generation that cannot
be opened (damaged, inconsistent) is refused: the old one keeps serving, and the reason shows
in /readyz and the log until the manifest names a good generation again. An index that could
not be opened at all is retried on every poll.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.embedding.embedder import Embedder
from indexer.index import Index
from indexer.storage.manifest import read_manifest

log = logging.getLogger("indexer.server")
WARM_QUERY = "how often should I wash my hands"


@dataclass
class Served:
    name: str
    path: Path
    index: Index | None = None
    error: str | None = None  # why the index (or its newest generation) is not served
    refused: str | None = None  # the generation refused while an older one serves
    warm: dict[str, float] = field(default_factory=dict)  # seconds per stage of the warm-up


class Registry:
    def __init__(self, indexes: dict[str, str], refresh_seconds: float = 1.0) -> None:
        self.served = {name: Served(name, Path(path)) for name, path in indexes.items()}
        self.refresh_seconds = refresh_seconds
        self.started = False  # the first poll (open + warm every index) is done
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._embedders: dict[tuple[str, str], Embedder] = {}

    @property
    def ready(self) -> bool:
        """Now, not at startup: every index open and warm."""
        return self.started and all(s.index is not None for s in self.served.values())

    def open_all(self) -> None:
        """Open and warm every index, then watch for new generations (and retry failures)."""
        self.refresh()
        self.started = True
        self._thread = threading.Thread(target=self._watch, name="index-refresh", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.refresh_seconds):
            self.refresh()

    def refresh(self) -> None:
        for s in self.served.values():
            try:
                self._poll(s)
            except Exception as exc:  # noqa: BLE001 - the poller must never die
                self._fail(s, f"poll failed: {type(exc).__name__}: {exc}")

    def _poll(self, s: Served) -> None:
        try:
            latest = str(read_manifest(s.path)["generation_dir"])
        except Exception as exc:  # noqa: BLE001 - reported, retried next poll
            self._fail(s, f"manifest unreadable: {exc}" + _serving(s))
            return
        if s.index is not None and latest == s.index.generation:
            if s.error:  # e.g. the manifest went back to the generation we serve
                log.info(json_line("index_ok", index=s.name, generation=latest))
            s.error = s.refused = None
            return
        if s.index is not None and latest == s.refused:
            return  # generations are immutable: the refusal stands until a newer one
        before = s.index.generation if s.index is not None else None
        try:
            index, warm = self._open_warm(s.path)
        except Exception as exc:  # noqa: BLE001 - keep serving the old one, if any
            if s.index is None:
                self._fail(s, f"cannot open: {type(exc).__name__}: {exc}")
            else:
                s.refused = latest
                self._fail(s, f"generation {latest} refused, serving {before}: {exc}")
            return
        s.index, s.warm, s.error, s.refused = index, warm, None, None
        log.info(json_line("generation_served", index=s.name, old=before,
                           new=index.generation, warm_ms={k: round(v * 1000, 1)
                                                          for k, v in warm.items()}))

    def _open_warm(self, path: Path) -> tuple[Index, dict[str, float]]:
        model = read_manifest(path)["model"]
        key = (str(model.get("name")), str(model.get("checksum")))
        index = Index.open(path, embedder=self._embedders.get(key))
        embedder = self._embedders.setdefault(key, index.embedder)
        started = time.perf_counter()
        qv = embedder.embed_queries([WARM_QUERY])[0]  # loads the encoder (ONNX or torch)
        timings: dict[str, float] = {"encoder": time.perf_counter() - started}
        index.search(WARM_QUERY, k=1, mode="hybrid", query_vector=qv, timings=timings)
        return index, timings

    def _fail(self, s: Served, error: str) -> None:
        if error != s.error:  # log a state change once, not every poll
            log.error(json_line("index_error", index=s.name, reason=error))
        s.error = error

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


def _serving(s: Served) -> str:
    return f", serving {s.index.generation}" if s.index is not None else ""


def json_line(event: str, **fields: Any) -> str:
    import json

    return json.dumps({"ts": round(time.time(), 3), "event": event, **fields},
                      ensure_ascii=False)
