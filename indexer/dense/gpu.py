"""Optional GPU copy of a dense index for searching; CPU FAISS is always the fallback.

The `gpu` extra installs a GPU build of FAISS (`faiss-gpu-cuvs` for CUDA 13, `faiss-gpu` for
CUDA 12) *instead of* `faiss-cpu`; both provide the `faiss` module. A GPU is used only when
that build is present and sees a device. Only flat and IVF-PQ indexes are copied (HNSW has no
GPU form in FAISS), the copy serves unfiltered searches without tombstones (selectors stay on
the CPU), and the CPU index remains the one that is written to disk. Any failure to copy means
"search on the CPU", logged at debug level, never an error or a warning.
"""

from __future__ import annotations

import logging
from typing import Any

import faiss

from indexer.settings import settings

log = logging.getLogger(__name__)
GPU_KINDS = ("flat", "ivfpq")


def gpu_available() -> bool:
    """True when this FAISS build has GPU support and sees at least one GPU; never raises."""
    if not hasattr(faiss, "StandardGpuResources") or not hasattr(faiss, "index_cpu_to_gpu"):
        return False
    try:
        return int(faiss.get_num_gpus()) > 0
    except Exception:  # noqa: BLE001 - a broken driver means "no GPU", not a crash
        return False


def choose_dense_device(requested: str | None = None) -> str:
    """'cpu' or 'gpu' from `requested` ('auto', 'cpu', 'gpu') or env INDEXER_DENSE_DEVICE.

    'auto' quietly means CPU without a GPU; an explicit 'gpu' without one is an error, since
    the caller asked for something this machine cannot do.
    """
    requested = (requested or settings().dense_device).lower()
    if requested not in ("auto", "cpu", "gpu"):
        raise ValueError(f"unknown dense device {requested!r}: use auto, cpu or gpu")
    if requested == "cpu":
        return "cpu"
    if gpu_available():
        return "gpu"
    if requested == "gpu":
        raise ValueError("dense device 'gpu' requested but FAISS has no GPU support or no GPU "
                         "is visible (install the `gpu` extra instead of faiss-cpu)")
    return "cpu"


class GpuResources:
    """One StandardGpuResources per process: it reserves GPU scratch memory on creation."""

    _res: Any = None

    @classmethod
    def get(cls) -> Any:
        if cls._res is None:
            cls._res = faiss.StandardGpuResources()
        return cls._res


def to_gpu(index: faiss.Index, kind: str) -> faiss.Index | None:
    """A GPU copy of `index` for searching, or None (HNSW, no GPU, or the copy failed)."""
    if kind not in GPU_KINDS:
        return None
    try:
        options = faiss.GpuClonerOptions()
        options.useFloat16 = True  # PQ lookup tables of >= 56-bit codes need half precision
        return faiss.index_cpu_to_gpu(GpuResources.get(), 0, index, options)
    except Exception as exc:  # noqa: BLE001 - any GPU problem means "stay on the CPU"
        log.debug("dense index stays on the CPU: GPU copy failed: %s", exc)
        return None
