"""Build a directory beside its final place and swap it in only when complete.

A crash or a failed verification must never leave a half-written model where ``resolve`` would
find it; a rename within one filesystem is the only step others can observe.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def staged_dir(target: str | Path) -> Iterator[Path]:
    """Yield a fresh sibling temp dir; on clean exit it replaces ``target``, else it is removed."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    try:
        yield stage
        _make_readable(stage)
        _swap_in(stage, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _make_readable(root: Path) -> None:
    """mkdtemp and some writers create 0700/0600 entries; a shared model dir must be readable."""
    os.chmod(root, 0o755)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            os.chmod(os.path.join(dirpath, name), 0o755)
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o644)


def _swap_in(stage: Path, target: Path) -> None:
    """Rename ``stage`` to ``target``; an existing target is moved aside first, then deleted."""
    old: Path | None = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rmdir(old)
        os.replace(target, old)
    try:
        os.replace(stage, target)
    except OSError:
        if old is not None and not target.exists():
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
