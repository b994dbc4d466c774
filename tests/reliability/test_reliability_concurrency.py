"""Readers (threads, and another process) search while a writer commits: every reader sees
one committed generation, whole, and no reader fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from indexer.index import Index
from indexer.storage.check import check_index
from tests.fuzz import roles
from tests.fuzz.seeds import build_index
from tests.fuzz.stub import StubEmbedder
from tests.paths import ROOT

COMMITS = 12


def _consistent(states: list, committed: list) -> None:
    committed = {tuple(s) for s in committed}
    for s in states:
        generation, docs, chunks, vectors, bm25 = s
        assert chunks == vectors == bm25, s  # a whole generation, never a mix
        assert tuple(s) in committed, (s, sorted(committed))


@pytest.fixture(scope="module")
def thread_run(tmp_path_factory) -> tuple[list[dict], list, Path]:
    root = build_index(tmp_path_factory.mktemp("threads") / "index")
    writer_index = Index.open(root, embedder=StubEmbedder())
    shared = Index.open(root, embedder=StubEmbedder())
    results: list[dict] = []
    stop = threading.Event()

    def reader(mode: str) -> None:
        out = {"states": [], "errors": [], "searches": 0}
        while not stop.is_set():
            r = roles.read(root, 0.3, shared=shared if mode == "shared" else
                           writer_index if mode == "writer" else None)
            out["states"] += r["states"]
            out["errors"] += r["errors"]
            out["searches"] += r["searches"]
        results.append(out)

    threads = [threading.Thread(target=reader, args=(m,))
               for m in ("open", "open", "shared", "writer")]
    for t in threads:
        t.start()
    committed: list = []
    try:
        # The writer's own Index object is searched by a reader thread while it commits.
        committed = [roles.state(writer_index.info())]
        for n in range(COMMITS):
            if n % 3 == 2:
                writer_index.delete([f"doc-{n - 1}.md"])
            else:
                writer_index.add([roles.document(n), roles.document(n + 1000)])
            committed.append(roles.state(writer_index.info()))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert len(results) == 4
    return results, committed, root


def test_reader_threads_see_whole_committed_generations(thread_run) -> None:
    results, committed, root = thread_run
    assert all(r["searches"] > 0 for r in results)
    _consistent([s for r in results for s in r["states"]], committed)
    assert len({s for r in results for s in map(tuple, r["states"])}) > 1  # saw commits
    assert [e for r in results for e in r["errors"]] == []  # no reader ever failed
    assert check_index(root).ok


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}


@pytest.fixture(scope="module")
def process_run(tmp_path_factory) -> tuple[list[dict], list]:
    root = build_index(tmp_path_factory.mktemp("procs") / "index")
    readers = [subprocess.Popen([sys.executable, "-m", "tests.fuzz.roles", "reader", str(root),
                                 "12"], env=_env(), cwd=ROOT, stdout=subprocess.PIPE, text=True)
               for _ in range(2)]
    writer = subprocess.run([sys.executable, "-m", "tests.fuzz.roles", "writer", str(root),
                             str(COMMITS)], env=_env(), cwd=ROOT, capture_output=True,
                            text=True, check=True)
    committed = [json.loads(line) for line in writer.stdout.splitlines()]
    outs = [json.loads(r.communicate(timeout=120)[0]) for r in readers]
    return outs, committed


@pytest.mark.slow
def test_reader_processes_see_whole_committed_generations(process_run) -> None:
    outs, committed = process_run
    _consistent([s for o in outs for s in o["states"]], committed)
    assert len({tuple(s) for o in outs for s in o["states"]}) > 1
    assert [e for o in outs for e in o["errors"]] == []
