"""Reading `.npy` files safely: from many threads, and from files that may be hostile.

numpy parses each header with `ast.literal_eval`; on CPython 3.11 two threads doing that at
once can raise "SystemError: AST constructor recursion depth mismatch" (gh-106905). Readers
open indexes from several threads, so every `.npy` read goes through one lock.

A damaged header can raise almost anything from inside numpy's parser (tokenize.TokenError,
SyntaxError, ...), and an intact header may claim a shape far larger than the file (8 TiB from
a 64-byte file), which `np.load` tries to allocate. So the header is read first, every failure
becomes a ValueError naming the file, and the claimed size must equal the bytes present before
any array is allocated. Never pickles.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np

_LOCK = threading.Lock()
_READERS = {(1, 0): np.lib.format.read_array_header_1_0,
            (2, 0): np.lib.format.read_array_header_2_0}


def load_npy(path: str | Path) -> np.ndarray:
    """The array in `path`; ValueError when the file is not a plain, complete .npy array."""
    path = Path(path)
    with _LOCK, path.open("rb") as fh:
        shape, fortran, dtype = _header(fh, path)
        have = path.stat().st_size - fh.tell()
        need = math.prod(shape) * dtype.itemsize
        if need != have:
            raise ValueError(f"{path}: header claims {need} bytes of data "
                             f"({dtype} {tuple(shape)}), the file holds {have}")
        data = np.fromfile(fh, dtype=dtype, count=math.prod(shape))
    return data.reshape(shape, order="F" if fortran else "C")


def _header(fh, path: Path) -> tuple[tuple[int, ...], bool, np.dtype]:  # noqa: ANN001
    try:
        version = np.lib.format.read_magic(fh)
        reader = _READERS.get(version)
        if reader is None:
            raise ValueError(f"unsupported .npy version {version}")
        shape, fortran, dtype = reader(fh)
    except Exception as exc:  # noqa: BLE001 - numpy's header parser raises many kinds
        raise ValueError(f"{path}: not a valid .npy file ({type(exc).__name__}: "
                         f"{str(exc)[:200]})") from None
    if dtype.hasobject:
        raise ValueError(f"{path}: holds Python objects (would need pickle); refused")
    if any(int(n) < 0 for n in shape):
        raise ValueError(f"{path}: negative dimension in {shape}")
    return tuple(int(n) for n in shape), bool(fortran), dtype
