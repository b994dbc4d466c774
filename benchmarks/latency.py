"""Latency summaries and peak-memory measurement for the speed section of a report.

Percentiles rather than means because retrieval latency is long-tailed: p95/p99 is what
a user waiting on a slow query feels.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class LatencySummary:
    """Latency statistics in milliseconds; ``qps`` = n / total seconds (sequential)."""

    n: int
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    qps: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def summarize_latencies(latencies: Sequence[float]) -> LatencySummary:
    """Summarize per-query latencies given in **seconds**.

    Percentiles use numpy's linear interpolation. ``qps`` is single-stream throughput
    (queries / sum of latencies), not a concurrent-load figure.
    """
    x = np.asarray(latencies, dtype=float)
    if x.size == 0:
        raise ValueError("no latencies to summarize")
    if np.any(x < 0) or not np.all(np.isfinite(x)):
        raise ValueError("latencies must be finite and non-negative seconds")
    ms = x * 1000.0
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    total = float(x.sum())
    return LatencySummary(
        n=int(x.size), mean_ms=float(ms.mean()), p50_ms=float(p50), p95_ms=float(p95),
        p99_ms=float(p99), max_ms=float(ms.max()),
        qps=float(x.size / total) if total > 0 else float("inf"),
    )


def peak_memory_mb(source: str = "rss") -> float:
    """Peak memory of this process in MiB.

    ``"rss"``: the kernel's high-water mark of resident memory (``ru_maxrss``) since the
    process started; it never goes down, so measure builds in a fresh process to isolate
    them. ``"tracemalloc"``: peak of Python allocations since ``tracemalloc.start()``
    (misses native buffers such as numpy/faiss memory; raises if tracing is off).
    """
    if source == "rss":
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # Linux reports KiB, macOS bytes.
        return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    if source == "tracemalloc":
        if not tracemalloc.is_tracing():
            raise RuntimeError("tracemalloc is not tracing; call tracemalloc.start() first")
        return tracemalloc.get_traced_memory()[1] / (1024 * 1024)
    raise ValueError(f"source must be 'rss' or 'tracemalloc', not {source!r}")


class Stopwatch:
    """Elapsed seconds of a ``with timed() as t:`` block, in ``t.seconds``."""

    seconds: float = 0.0


@contextmanager
def timed() -> Iterator[Stopwatch]:
    """Time a block with ``time.perf_counter`` (monotonic, high resolution)."""
    sw = Stopwatch()
    start = time.perf_counter()
    try:
        yield sw
    finally:
        sw.seconds = time.perf_counter() - start
