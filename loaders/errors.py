"""Errors that name the file and the reason, so a batch can report them and go on."""

from __future__ import annotations

from pathlib import Path


class LoadError(Exception):
    """A file could not be loaded; `path` and `reason` go into the ingest report."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnsupportedFormat(LoadError):
    """The file's extension has no loader; ingest reports it as skipped, not failed."""
