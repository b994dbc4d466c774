"""indexer: multilingual hybrid retrieval for health-education content.

    from indexer import Index
    index = Index.open("my-index")
    for hit in index.search("how do I keep the cord stump clean?", k=5):
        print(hit.score, hit.doc_id, hit.text)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from indexer import deprecated as _deprecated

__version__ = "0.1.0"

__all__ = ["AddReport", "Candidates", "DocumentScoring", "Embedder", "Hit", "Index",
           "IndexOpenError", "IndexerError", "IngestError", "IngestReport", "ingest"]

_LAZY = {
    "Index": "indexer.index", "AddReport": "indexer.index", "Hit": "indexer.hits",
    "Embedder": "indexer.embedding.embedder", "ingest": "indexer.ingestion.pipeline",
    "IngestReport": "indexer.ingestion.pipeline", "IngestError": "indexer.ingestion.pipeline",
    "Candidates": "indexer.index", "DocumentScoring": "indexer.dense.documents",
    "IndexOpenError": "indexer.errors", "IndexerError": "indexer.errors",
}

if TYPE_CHECKING:  # pragma: no cover
    from indexer.dense.documents import DocumentScoring
    from indexer.embedding.embedder import Embedder
    from indexer.errors import IndexerError, IndexOpenError
    from indexer.hits import Hit
    from indexer.index import AddReport, Candidates, Index
    from indexer.ingestion.pipeline import IngestError, IngestReport, ingest


_DEPRECATED = {"IndexError_": ("indexer.errors", "IndexOpenError")}

_deprecated.install()


def __getattr__(name: str) -> Any:
    """Import on first use: `indexer --help` and `import indexer.models` stay fast."""
    if name in _DEPRECATED:
        import importlib
        import warnings

        module, new = _DEPRECATED[name]
        warnings.warn(f"indexer.{name} is deprecated: use indexer.{new}", DeprecationWarning,
                      stacklevel=2)
        return getattr(importlib.import_module(module), new)
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'indexer' has no attribute {name!r}")
