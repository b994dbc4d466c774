"""Shared fixtures: the real default model (installed once), a sample-corpus index."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from tests.paths import ROOT, SAMPLE, SHARED  # noqa: E402,F401  (one home for the paths)


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip: a fresh clone has no ../shared."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared holds the public datasets and PDFs; "
                    "a fresh clone does not have it)")
    return path


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test session gets its own embedding cache, so cache tests start cold."""
    os.environ["INDEXER_CACHE_DIR"] = str(tmp_path_factory.mktemp("embedding-cache"))


@pytest.fixture(scope="session")
def e5_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The installed default model; built into a temp dir when not installed."""
    from indexer import models

    try:
        return models.resolve("multilingual-e5-small")
    except models.ModelNotInstalledError:
        target = tmp_path_factory.mktemp("models")
        os.environ["INDEXER_MODELS_DIR"] = str(target)  # the CLI under test finds it too
        return models.install("multilingual-e5-small", models_dir=target, progress=False)


@pytest.fixture(scope="session")
def embedder(e5_dir: Path):  # noqa: ANN201
    from indexer import Embedder

    return Embedder(str(e5_dir))


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:  # noqa: ANN001
    """The bundled sample corpus, ingested once per test session."""
    from indexer import Index, ingest

    path = tmp_path_factory.mktemp("sample") / "index"
    index = Index.create(path, embedder=embedder)
    ingest([SAMPLE], path, index=index)
    return path
