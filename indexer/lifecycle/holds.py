"""Which generations a reader holds: a shared `flock` on the generation directory.

`Index.open` (and every refresh) takes a shared lock on the directory of the generation it
loads and keeps the descriptor for the snapshot's lifetime; a pinned view shares the
snapshot, so it holds it too. Retention deletes a generation only after taking an exclusive,
non-blocking lock on it, so it can never delete one a reader in any process holds. The
kernel drops the lock when the reader's process dies, so a crashed reader holds nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


def hold(gen: Path) -> int:
    """A descriptor with a shared lock on `gen` (blocks only while retention deletes it)."""
    fd = os.open(gen, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
    except OSError:
        os.close(fd)
        raise
    return fd


def release(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


@contextlib.contextmanager
def exclusive(gen: Path) -> Iterator[bool]:
    """Yields True with an exclusive lock on `gen` when no reader holds it, else False."""
    try:
        fd = os.open(gen, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def is_held(gen: Path) -> bool:
    with exclusive(gen) as free:
        return not free
