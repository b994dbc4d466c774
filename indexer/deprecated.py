"""Old module paths keep working, with a DeprecationWarning, after the move into subpackages.

`import indexer.pipeline` (and `from indexer.dense_io import ...`) finds the module at its new
home; the old name is an alias of the same module object, so state (caches, registries) is
never duplicated. Remove an entry one minor version after its warning shipped.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType

MOVED = {
    "indexer.pipeline": "indexer.ingestion.pipeline",
    "indexer.isolation": "indexer.ingestion.isolation",
    "indexer.limits": "indexer.ingestion.limits",
    "indexer.pii": "indexer.ingestion.pii",
    "indexer.embedder": "indexer.embedding.embedder",
    "indexer.cache": "indexer.embedding.cache",
    "indexer.onnx_query": "indexer.embedding.onnx_query",
    "indexer.device": "indexer.embedding.device",
    "indexer.dense_build": "indexer.dense.build",
    "indexer.dense_config": "indexer.dense.config",
    "indexer.dense_gpu": "indexer.dense.gpu",
    "indexer.dense_io": "indexer.dense.files",
    "indexer.dense_positions": "indexer.dense.positions",
    "indexer.doc_scoring": "indexer.dense.documents",
    "indexer.store": "indexer.storage.store",
    "indexer.manifest": "indexer.storage.manifest",
    "indexer.check": "indexer.storage.check",
    "indexer.npy": "indexer.storage.npy",
    "indexer.rerank_cli": "indexer.cli.rerankers",
    "indexer.rerank_train": "indexer.harness.rerank_train",
    "indexer.rerank_eval": "indexer.harness.rerank_eval",
    "indexer.bench": "indexer.harness.bench",
    "indexer.bm25.bench": "indexer.harness.bm25_speed",
    "indexer.bm25.measure": "indexer.harness.measure.bm25",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves an old name to the module at its new path."""

    def find_spec(self, fullname: str, path: object = None,
                  target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        new = MOVED[spec.name]
        warnings.warn(f"{spec.name} moved to {new}; the old name will be removed",
                      DeprecationWarning, stacklevel=3)
        return importlib.import_module(new)

    def exec_module(self, module: ModuleType) -> None:
        """The module ran at its new home already."""


def install() -> None:
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.append(_Alias())
