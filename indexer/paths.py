"""Where the project's own files and the shared benchmark data are: one home for both.

`SOURCE_ROOT` is the folder holding the `indexer` package (the checkout, for an editable
install); `corpora/` sits there. The shared data (`../shared` beside the checkout, as CI has
it) can be moved with `INDEXER_SHARED`. Nothing here touches the disk at import.
"""

from __future__ import annotations

from pathlib import Path

from indexer.settings import settings

SOURCE_ROOT = Path(__file__).resolve().parents[1]
CORPORA = SOURCE_ROOT / "corpora"


def shared_dir() -> Path:
    """`$INDEXER_SHARED`, else `../shared` beside the checkout."""
    return settings().path("shared") or SOURCE_ROOT.parent / "shared"


def shared_datasets() -> Path:
    return shared_dir() / "datasets"


def shared_pdfs() -> Path:
    return shared_dir() / "pdfs"
