"""Which device and dtype to run the encoder on: CUDA when present, else CPU.

Kept tiny so the GPU path is the same code as the CPU path with another device and dtype,
and so it can be tested on a machine without a GPU.
"""

from __future__ import annotations

import os


def cuda_available() -> bool:
    """True when torch sees a usable CUDA device; never raises, never warns."""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return False
    try:
        return bool(torch.cuda.is_available()) and torch.cuda.device_count() > 0
    except Exception:  # noqa: BLE001 - a broken driver means "no GPU", not a crash
        return False


def choose_device(requested: str | None = None) -> str:
    """`requested` ('cpu', 'cuda', 'cuda:1', 'auto') or env INDEXER_DEVICE, else auto."""
    requested = (requested or os.environ.get("INDEXER_DEVICE") or "auto").lower()
    if requested == "auto":
        return "cuda" if cuda_available() else "cpu"
    if requested.startswith("cuda") and not cuda_available():
        raise ValueError(f"device {requested!r} requested but CUDA is not available")
    if requested not in ("cpu", "mps") and not requested.startswith("cuda"):
        raise ValueError(f"unknown device {requested!r}: use auto, cpu or cuda[:N]")
    return requested


def default_batch_size(device: str) -> int:
    """Large batches pay off on a GPU; on CPU, small ones keep padding waste low."""
    return 128 if device.startswith("cuda") else 16
