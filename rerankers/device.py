"""Where a model runs: CUDA when present, else CPU with bf16 autocast on AMX.

The project's one device choice: the embedder (`indexer.embedding`) and the rerankers both
use it; it lives here because `rerankers` imports nothing else from the project.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path


def cuda_available() -> bool:
    """True when torch sees a usable CUDA device; never raises, never warns."""
    try:
        import torch

        return bool(torch.cuda.is_available()) and torch.cuda.device_count() > 0
    except Exception:  # noqa: BLE001 - a broken driver means "no GPU", not a crash
        return False


def choose_device(requested: str | None = None) -> str:
    """`requested` ('cpu', 'cuda', 'cuda:N', 'auto') or env INDEXER_DEVICE, else auto."""
    requested = (requested or os.environ.get("INDEXER_DEVICE") or "auto").lower()
    if requested == "auto":
        return "cuda" if cuda_available() else "cpu"
    if requested.startswith("cuda") and not cuda_available():
        raise ValueError(f"device {requested!r} requested but CUDA is not available")
    if requested not in ("cpu", "mps") and not requested.startswith("cuda"):
        raise ValueError(f"unknown device {requested!r}: use auto, cpu, mps or cuda[:N]")
    return requested


@cache
def has_amx() -> bool:
    """AMX tiles make bf16 matmuls about twice as fast as fp32 on this kind of CPU."""
    try:
        return "amx_bf16" in Path("/proc/cpuinfo").read_text(errors="ignore")
    except OSError:
        return False


def use_bf16(device: str, requested: bool | None = None) -> bool:
    """bf16 autocast: on CUDA always worth it; on CPU only with AMX (else it is slower)."""
    if requested is not None:
        return requested
    return device.startswith("cuda") or (device == "cpu" and has_amx())


@contextlib.contextmanager
def autocast(device: str, enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    import torch

    kind = "cuda" if device.startswith("cuda") else "cpu"
    with torch.autocast(kind, dtype=torch.bfloat16):
        yield
