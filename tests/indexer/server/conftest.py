"""Fixtures for the server tests: the real model, private copies of real indexes, servers
started on 127.0.0.1 (see serve_helpers)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from serve_helpers import Running  # noqa: E402

from indexer.server import ServerSettings  # noqa: E402


@pytest.fixture(scope="module")
def served(sample_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the sample index (tests here commit to it and damage it)."""
    path = tmp_path_factory.mktemp("served") / "sample"
    shutil.copytree(sample_index, path)
    return path


@pytest.fixture(scope="module")
def server(served: Path) -> Iterator[Running]:
    running = Running(ServerSettings(indexes={"sample": str(served)}, max_k=50,
                                     max_body_bytes=20_000, max_batch=80,
                                     refresh_seconds=0.2, max_concurrent=4))
    yield running
    running.stop()


@pytest.fixture
def start() -> Iterator[Callable[..., Running]]:
    """Start more servers with their own settings; all stopped after the test."""
    started: list[Running] = []

    def make(settings: ServerSettings, wait_ready: bool = True) -> Running:
        started.append(Running(settings, wait_ready))
        return started[-1]
    yield make
    for r in started:
        r.stop()
