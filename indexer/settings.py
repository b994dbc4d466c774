"""Every environment variable the `indexer` package reads, in one place, documented.

`settings()` reads them when called (cheap: a few dict lookups), so a variable set by a test
or a parent process takes effect without re-importing anything. Modules never read
`INDEXER_*` variables themselves; `tests/test_architecture.py` checks that each one is
declared here (or in `loaders.settings`, or by the server's own settings) and listed in the
README.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from loaders.settings import from_env, var


@dataclass(frozen=True)
class Settings:
    models_dir: str = field(default="", metadata=var(
        "INDEXER_MODELS_DIR", "where installed models live (default $XDG_DATA_HOME/indexer/"
        "models, i.e. ~/.local/share/indexer/models)"))
    cache_dir: str = field(default="", metadata=var(
        "INDEXER_CACHE_DIR", "the embedding cache and benchmark indexes (default "
        "$XDG_CACHE_HOME/indexer, i.e. ~/.cache/indexer)"))
    device: str = field(default="auto", metadata=var(
        "INDEXER_DEVICE", "where models run: auto, cpu, cuda, cuda:N, mps"))
    dense_device: str = field(default="auto", metadata=var(
        "INDEXER_DENSE_DEVICE", "where FAISS searches: auto, cpu or cuda"))
    query_backend: str = field(default="auto", metadata=var(
        "INDEXER_QUERY_BACKEND", "query encoder: auto (ONNX Runtime on CPU when exported), "
        "onnx or torch"))
    reranker_cache: int = field(default=4, metadata=var(
        "INDEXER_RERANKER_CACHE", "rerankers kept loaded per process (each cross-encoder "
        "holds ~0.5 GB)"))
    shared: str = field(default="", metadata=var(
        "INDEXER_SHARED", "the shared benchmark data (default ../shared beside the checkout)"))
    datasets: str = field(default="", metadata=var(
        "INDEXER_DATASETS", "BM25 measurements' dataset folder (default $INDEXER_SHARED/"
        "datasets)"))

    def path(self, name: str) -> Path | None:
        """A path-valued setting, expanded, or None when unset."""
        value = getattr(self, name)
        return Path(value).expanduser() if value else None


def settings() -> Settings:
    return from_env(Settings)
