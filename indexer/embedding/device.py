"""Which device the encoder runs on, and its batch size there.

The choice itself (`choose_device`, `INDEXER_DEVICE`, AMX) is the project's one in
`rerankers.device`; this adds what only the embedder needs.
"""

from __future__ import annotations

from rerankers.device import autocast, choose_device, cuda_available, has_amx

__all__ = ["autocast", "choose_device", "cuda_available", "default_batch_size", "has_amx"]


def default_batch_size(device: str) -> int:
    """Large batches pay off on a GPU; on CPU, small ones keep padding waste low."""
    return 128 if device.startswith("cuda") else 16
