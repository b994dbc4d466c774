"""Fusion of ranked lists: one small file per method, a registry, and one verb, `fuse`."""

from indexer.fusion.adaptive import adaptive_weights, default_weights
from indexer.fusion.convex import convex_fusion
from indexer.fusion.registry import METHODS, fuse
from indexer.fusion.rrf import rrf_fusion

__all__ = ["METHODS", "adaptive_weights", "convex_fusion", "default_weights", "fuse",
           "rrf_fusion"]
