"""Dense index performance: recall@10 of HNSW and IVF-PQ+refine against exact search.

    python -m indexer.harness.perf.dense --n 100000 --json

Data: a Gaussian mixture, not uniform noise (uniform high-dimensional vectors are all nearly
orthogonal, which makes ANN recall meaningless). Like sentence embeddings it is anisotropic:
a shared mean direction, a decaying variance spectrum (axis i has std (1+i)^-0.5), unevenly
sized clusters (Dirichlet weights), all randomly rotated and L2-normalized. Queries are fresh
draws from the same mixture, not stored vectors. Ground truth is exact inner product.

Each type is built through DenseIndex (the project's code) with its kind forced; queries go
one at a time through `DenseIndex.search`, as the service issues them. Build time is given
as wall clock and as CPU time of this process (on a shared machine the second is steadier). "filtered" repeats the
queries with `allowed` = a random 30% of the ids (above the exact-fallback size at 100k, so
the ANN structure itself is filtered), against exact top-10 among the allowed ids. Flat is
exact and scans everything per query, so it is timed on the first 100 queries only.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, replace
from typing import Any

import faiss
import numpy as np

from indexer.dense.config import DenseConfig
from indexer.dense.index import DenseIndex

GOAL = 0.95


@dataclass(frozen=True)
class Mixture:
    """A Gaussian mixture resembling sentence embeddings (see the module's docstring)."""

    mean: np.ndarray
    centers: np.ndarray
    weights: np.ndarray
    spectrum: np.ndarray
    spread: float
    rotation: np.ndarray

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n normalized float32 vectors (draw large sets in blocks: float64 temporaries)."""
        assign = rng.choice(len(self.centers), size=n, p=self.weights)
        x = (self.mean + self.centers[assign]
             + self.spread * rng.normal(size=(n, len(self.spectrum))) * self.spectrum)
        x = (x @ self.rotation).astype(np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)


def mixture_model(dim: int, clusters: int, rng: np.random.Generator, spread: float = 1.0
                  ) -> tuple[Mixture, dict[str, Any]]:
    """The mixture's parameters, drawn from `rng`, and how it was made (for reports)."""
    spectrum = (1.0 + np.arange(dim)) ** -0.5
    rotation, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    mean = 1.5 * rng.normal(size=dim) * spectrum
    centers = rng.normal(size=(clusters, dim)) * spectrum
    weights = rng.dirichlet(np.full(clusters, 2.0))
    how = {"kind": "gaussian-mixture", "clusters": clusters, "spread": spread,
           "spectrum": "std (1+i)^-0.5", "weights": "dirichlet(2)", "shared_mean": 1.5}
    return Mixture(mean, centers, weights, spectrum, spread, rotation), how


def mixture(n: int, dim: int, clusters: int, rng: np.random.Generator,
            spread: float = 1.0) -> tuple[np.ndarray, dict[str, Any]]:
    """Normalized Gaussian-mixture vectors resembling embeddings; returns (x, how)."""
    model, how = mixture_model(dim, clusters, rng, spread)
    return model.draw(n, rng), how


def _data(n: int, nq: int, dim: int, clusters: int, seed: int
          ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Base and query vectors from the same mixture (one draw, split)."""
    rng = np.random.default_rng(seed)
    x, how = mixture(n + nq, dim, clusters, rng)
    return x[:n], x[n:], how


def _exact(base: np.ndarray, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
           ) -> np.ndarray:
    ids = np.arange(len(base), dtype=np.int64) if allowed is None else allowed
    flat = faiss.IndexFlatIP(base.shape[1])
    flat.add(base[ids])
    _, pos = flat.search(queries, k)
    return ids[pos]


def _recall(found: list[np.ndarray], truth: np.ndarray, k: int) -> float:
    return float(np.mean([len(set(f[:k].tolist()) & set(t[:k].tolist())) / k
                          for f, t in zip(found, truth, strict=True)]))


def _queries(index: DenseIndex, queries: np.ndarray, k: int,
             allowed: np.ndarray | None = None) -> tuple[list[np.ndarray], float, bool]:
    start = time.perf_counter()
    found = [index.search(q, k, allowed=allowed)[0] for q in queries]
    seconds = time.perf_counter() - start
    full = all(len(f) == k for f in found)
    return found, len(queries) / seconds, full


def run(n: int = 100_000, dim: int = 384, queries: int = 1000, k: int = 10,
        clusters: int = 200, threads: int = 1, seed: int = 0, flat_queries: int = 100,
        kinds: tuple[str, ...] = ("flat", "hnsw", "ivfpq"),
        config: DenseConfig | None = None) -> dict[str, Any]:
    """Build each kind on the same data, measure build time, qps and recall@k; a JSON-able
    dict (also printed by the CLI)."""
    faiss.omp_set_num_threads(threads)
    base, qs, how = _data(n, queries, dim, clusters, seed)
    ids = np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(seed + 1)
    allowed = np.sort(rng.choice(n, size=int(0.3 * n), replace=False)).astype(np.int64)
    truth, truth_f = _exact(base, qs, k), _exact(base, qs, k, allowed)
    config = config or DenseConfig()
    out: dict[str, Any] = {
        "data": {**how, "n": n, "dim": dim, "queries": queries, "seed": seed},
        "k": k, "threads": threads, "faiss": faiss.__version__, "goal_recall": GOAL,
        "filter_fraction": 0.3, "results": {},
    }
    for kind in kinds:
        cfg = replace(config, kind=kind)
        index = DenseIndex(dim, config=cfg, device="cpu")
        start, cpu = time.perf_counter(), time.process_time()
        index.add(ids, base)
        build, build_cpu = time.perf_counter() - start, time.process_time() - cpu
        m = min(flat_queries, queries) if kind == "flat" else queries  # flat is slow + exact
        found, qps, full = _queries(index, qs[:m], k)
        found_f, qps_f, full_f = _queries(index, qs[:m], k, allowed)
        out["results"][kind] = {
            "built_as": index.kind, "build_s": round(build, 2),
            "build_cpu_s": round(build_cpu, 2), "queries": m,
            "qps": round(qps, 1), f"recall@{k}": round(_recall(found, truth[:m], k), 4),
            "filtered_qps": round(qps_f, 1),
            f"filtered_recall@{k}": round(_recall(found_f, truth_f[:m], k), 4),
            "always_k_results": bool(full and full_f),
            "params": _params(kind, cfg, n),
        }
    out["meets_goal"] = all(r[f"recall@{k}"] >= GOAL and r[f"filtered_recall@{k}"] >= GOAL
                            for r in out["results"].values())
    return out


def _params(kind: str, cfg: DenseConfig, n: int) -> dict[str, Any]:
    if kind == "hnsw":
        return {"M": cfg.hnsw_m, "efConstruction": cfg.hnsw_ef_construction,
                "efSearch": cfg.hnsw_ef_search}
    if kind == "ivfpq":
        return {"nlist": cfg.nlist_for(n), "nprobe": cfg.ivf_nprobe, "pq_m": cfg.pq_m,
                "pq_nbits": cfg.pq_nbits, "refine_factor": cfg.refine_factor,
                "train": cfg.train_count(n)}
    return {}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--clusters", type=int, default=200)
    p.add_argument("--threads", type=int, default=1, help="FAISS OpenMP threads")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--kinds", default="flat,hnsw,ivfpq")
    p.add_argument("--config", default="{}", help="JSON overrides of DenseConfig fields")
    p.add_argument("--json", action="store_true", help="print JSON only")
    a = p.parse_args(argv)
    config = DenseConfig.from_dict({**DenseConfig().to_dict(), **json.loads(a.config)})
    result = run(n=a.n, dim=a.dim, queries=a.queries, k=a.k, clusters=a.clusters,
                 threads=a.threads, seed=a.seed, kinds=tuple(a.kinds.split(",")), config=config)
    if a.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{a.n} x {a.dim} {result['data']['kind']}, {a.queries} queries, "
          f"{a.threads} thread(s), faiss {result['faiss']}")
    for kind, r in result["results"].items():
        print(f"{kind:6s} build {r['build_s']:7.2f}s (cpu {r['build_cpu_s']:.2f}s)  qps {r['qps']:8.1f}  "
              f"recall@{a.k} {r[f'recall@{a.k}']:.4f}  filtered qps {r['filtered_qps']:8.1f} "
              f"recall {r[f'filtered_recall@{a.k}']:.4f}  {r['params']}")
    print("meets goal" if result["meets_goal"] else f"below goal recall {GOAL}")


if __name__ == "__main__":
    main()
