"""Fusion of ranked lists: one small file per method."""

from indexer.fusion.adaptive import adaptive_weights, default_weights
from indexer.fusion.convex import convex_fusion
from indexer.fusion.rrf import rrf_fusion

__all__ = ["adaptive_weights", "default_weights", "convex_fusion", "rrf_fusion"]
