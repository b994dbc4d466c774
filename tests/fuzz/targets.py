"""Worker targets for the fuzz harness (run inside `indexer.ingestion.isolation` workers)."""

from __future__ import annotations

from typing import Any

from indexer.ingestion.limits import IngestLimits


def open_index(job: dict[str, Any], limits: IngestLimits) -> dict[str, Any]:
    """Open a (damaged) index as a reader would, search it, and run `check_index` on it.

    A refusal must be `IndexOpenError`; anything else escapes to the worker, which reports it
    as a bug with its traceback. An index that opens is also checked, so "opened although
    damaged" is counted apart from "refused"."""
    from indexer.errors import IndexOpenError
    from indexer.index import Index
    from indexer.storage.check import check_index
    from tests.fuzz.stub import StubEmbedder

    report = check_index(job["path"])
    try:
        index = Index.open(job["path"], embedder=StubEmbedder())
        info = index.info()
        for mode in ("bm25", "dense", "hybrid"):
            index.search("wash hands with soap", k=5, mode=mode)
        index.close()
    except IndexOpenError as exc:
        return {"status": "error", "reason": str(exc), "check_ok": report.ok}
    return {"status": "ok", "check_ok": report.ok, "problems": report.problems[:3],
            "chunks": info["chunks"]}


def misbehave(job: dict[str, Any], limits: IngestLimits) -> dict[str, Any]:
    """Test target: fails in the ways a parser can (hang, segfault, memory, exception,
    stray output), to prove the pool turns each into an outcome."""
    import ctypes
    import os
    import time

    action = job["do"]
    if action == "hang":
        time.sleep(3600)
    elif action == "segv":
        ctypes.string_at(0)
    elif action == "alloc":
        hog = []  # bytes(n) is calloc'd: address space grows to the cap without the
        while True:  # pages being touched, so the time to hit it does not depend on load
            hog.append(bytes(64 * 1024 * 1024))
    elif action == "raise":
        raise RuntimeError("parser bug")
    elif action == "exit":
        os._exit(3)
    elif action == "print":
        print("noise on stdout\n{not json")
        os.write(1, b"more noise\n")
    elif action == "big":
        return {"text": "x" * job.get("size", 10_000_000)}
    return {"done": action, "pid": os.getpid()}


def load_or_misbehave(job: dict[str, Any], limits: IngestLimits) -> dict[str, Any]:
    """Test target for whole-ingest tests: a file named `hang.*`, `segv.*`, `alloc.*` or
    `bug.*` misbehaves that way; every other file loads as in ingest."""
    from pathlib import Path

    from indexer.ingestion.isolation import load_job

    stem = Path(job["path"]).stem
    if stem in ("hang", "segv", "alloc", "raise"):
        return misbehave({"do": stem}, limits)
    return load_job(job, limits)
