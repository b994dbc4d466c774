"""Optional dependencies: import one, or fail with a message naming the extra that installs it.

The core (`pip install indexer`) loads text, Markdown, HTML and curricula, indexes, searches
and serves; PDF, office files, LlamaIndex, plots and the benchmark baselines are extras
(setup.cfg's `extras_require` is the table of which package each holds).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from loaders.errors import LoadError


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message says which extra installs it."""


def require(module: str, extra: str, what: str) -> ModuleType:
    """`module`, imported, or MissingExtra: "<what> needs <package>: pip install 'indexer[<extra>]'"."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtra(f"{what} needs {module.split('.')[0]}, which is not installed: "
                           f"pip install 'indexer[{extra}]'") from exc


def require_for_file(path: Path, module: str, extra: str, what: str) -> ModuleType:
    """`require` for a loader: a missing extra is this file's LoadError, so a batch goes on."""
    try:
        return require(module, extra, what)
    except MissingExtra as exc:
        raise LoadError(path, str(exc)) from None
