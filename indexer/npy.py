"""Reading `.npy` files safely from many threads.

numpy parses each header with `ast.literal_eval`; on CPython 3.11 two threads doing that at
once can raise "SystemError: AST constructor recursion depth mismatch" (gh-106905). Readers
open indexes from several threads, so every `.npy` read goes through one lock. Never pickles.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

_LOCK = threading.Lock()


def load_npy(path: str | Path) -> np.ndarray:
    with _LOCK:
        return np.load(path, allow_pickle=False)
