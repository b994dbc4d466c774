"""Fusion of ranked lists: one small file per method."""

from indexer.fusion.convex import convex_fusion
from indexer.fusion.rrf import rrf_fusion

__all__ = ["convex_fusion", "rrf_fusion"]
