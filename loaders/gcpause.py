"""Pause Python's cyclic garbage collector while a loader builds many short-lived objects.

A 100-page PDF makes ~10^5 dicts (PyMuPDF's spans) and our own lines and blocks, and no
reference cycles: refcounting frees all of it. The cyclic collector would still run a
young-generation pass every 700 allocations and rescan the surviving blocks, ~6% of the
PDF loader's time (measured on a 76-page guideline). So parsing runs with it paused.

The collector is process-wide: the pause is counted, so overlapping loads in threads
resume it only when the last one ends, and it is left off if it was off before.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_resume = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run the body with the cyclic collector off (refcounting still frees memory)."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
