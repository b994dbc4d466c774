"""Peak memory over many reranked searches in one process (issue 14's criterion).

    python -m indexer.harness.rerank_memory [--reranker ce-multilingual] [--searches 200]

Each search used to build and keep a new cross-encoder (~0.4 GB a query). Runs `searches`
reranked hybrid searches over the golden set's index (the sample corpus; built once and
cached like `indexer bench`'s), cycling through its queries, and reports the peak RSS after
the first 20 and after all of them; the goal is a ratio ≤ 1.2. Peak RSS is per process, so
run it in a fresh one (the perf suite starts a subprocess).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from indexer.defaults import DEFAULT_MODEL
from indexer.paths import SOURCE_ROOT

ROOT = SOURCE_ROOT
GOAL_RATIO = 1.2


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(reranker: str = "ce-multilingual", searches: int = 200, depth: int = 10,
            dataset: Path = ROOT / "corpora" / "golden") -> dict[str, Any]:
    import benchmarks
    from indexer import Embedder
    from indexer.harness.bench import default_cache, open_or_build
    from indexer.reranking.glue import cached_rerankers

    ds = benchmarks.load_beir(dataset)
    index, _ = open_or_build(ds, default_cache(), Embedder(DEFAULT_MODEL))
    queries = [str(q["text"]) for q in ds.queries.values()]
    spec = f"{reranker}:depth={depth}" if ":" not in reranker else reranker
    marks: dict[int, float] = {}
    started = time.perf_counter()
    for i in range(searches):
        index.search(queries[i % len(queries)], k=depth, rerank=spec)
        if i + 1 in (20, searches):
            marks[i + 1] = round(peak_rss_mb(), 1)
    ratio = round(marks[searches] / marks[20], 3)
    return {"reranker": spec, "searches": searches, "peak_rss_mb_after_20": marks[20],
            f"peak_rss_mb_after_{searches}": marks[searches], "ratio": ratio,
            "goal_ratio": GOAL_RATIO, "rerankers_cached": cached_rerankers(),
            "seconds": round(time.perf_counter() - started, 1)}


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reranker", default="ce-multilingual")
    ap.add_argument("--searches", type=int, default=200)
    ap.add_argument("--depth", type=int, default=10, help="candidates reranked per search")
    args = ap.parse_args(argv)
    print(json.dumps(measure(args.reranker, max(args.searches, 21), args.depth)))


if __name__ == "__main__":
    main()
