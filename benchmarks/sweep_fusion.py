"""Fusion sweep: nDCG@10 of every fusion method and weight on the benchmark datasets.

    python -m benchmarks.sweep_fusion corpora/golden ../shared/datasets/xquad-hi ... --json

Each retriever runs once per query (depth 100); every fusion variant is then computed from
the same two lists, so the sweep is cheap and the comparison is paired. The defaults in
`indexer/fusion` were chosen from this table. An entry point on top of the project (it
imports `indexer`), like the tests.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

Lists = dict[str, tuple[np.ndarray, np.ndarray]]


def variants() -> dict[str, Callable[[Lists, float], list[tuple[int, float]]]]:
    """name → f(lists, share) where share = the BM25 weight adaptive fusion would use."""
    from indexer.fusion import convex_fusion, rrf_fusion

    def rrf(w: float, adaptive: bool) -> Callable:
        return lambda lists, share: rrf_fusion(
            {n: [int(i) for i in ids] for n, (ids, _) in lists.items()},
            {"bm25": w * (share if adaptive else 1.0), "dense": 1.0})

    def convex(alpha: float, norm: str, adaptive: bool) -> Callable:
        return lambda lists, share: convex_fusion(
            lists, {"bm25": (1 - alpha) * (share if adaptive else 1.0), "dense": alpha}, norm)

    out: dict[str, Callable] = {
        "bm25": lambda lists, share: list(zip(lists["bm25"][0].tolist(),
                                              lists["bm25"][1].tolist(), strict=True)),
        "dense": lambda lists, share: list(zip(lists["dense"][0].tolist(),
                                               lists["dense"][1].tolist(), strict=True)),
    }
    for w in (1.0, 0.5, 0.3):
        out[f"rrf w={w}"] = rrf(w, False)
        out[f"rrf w={w} adaptive"] = rrf(w, True)
    out["default (zscore a=0.8, bm25 off cross-script)"] = lambda lists, share: convex_fusion(
        lists, {"bm25": 0.2 if share > 0 else 0.0, "dense": 0.8}, "zscore")
    for norm in ("minmax", "zscore"):
        for alpha in (0.5, 0.6, 0.7, 0.8, 0.9):
            out[f"{norm} a={alpha}"] = convex(alpha, norm, False)
            out[f"{norm} a={alpha} adaptive"] = convex(alpha, norm, True)
    return out


def sweep(dataset_dir: Path, max_queries: int | None, embedder, cache: Path) -> dict:  # noqa: ANN001
    import benchmarks
    from indexer.bench import _select_queries, open_or_build
    from indexer.fusion import adaptive_weights

    ds = benchmarks.load_beir(dataset_dir)
    qids = _select_queries(ds, "all", max_queries)
    index, _ = open_or_build(ds, cache, embedder)
    snap = index._snap
    texts = [str(ds.queries[q]["text"]) for q in qids]
    vecs = embedder.embed_queries(texts)
    fns = variants()
    runs: dict[str, dict[str, dict[str, float]]] = {name: {} for name in fns}
    doc_of: dict[int, str] = {}
    for qid, text, vec in zip(qids, texts, vecs, strict=True):
        lists = {"bm25": snap.bm25.search(text, 100), "dense": snap.dense.search(vec, 100)}
        share = adaptive_weights(text, lists["dense"][0], snap.store)["bm25"]
        need = [int(i) for ids, _ in lists.values() for i in ids if int(i) not in doc_of]
        for rowid, row in snap.store.chunks_by_rowid(need).items():
            doc_of[rowid] = row["doc_id"]
        for name, fn in fns.items():
            run: dict[str, float] = {}
            for rowid, _ in fn(lists, share):
                doc = doc_of.get(int(rowid))
                if doc is not None and doc not in run:
                    run[doc] = 1.0 / (len(run) + 1)
            runs[name][qid] = run
    qrels = {q: ds.qrels[q] for q in qids if q in ds.qrels}
    return {name: round(benchmarks.evaluate(qrels, run, ["ndcg@10"])["ndcg@10"], 4)
            for name, run in runs.items()}


def main() -> None:
    from indexer import Embedder
    from indexer.bench import _default_cache

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("datasets", nargs="+", type=Path)
    ap.add_argument("--max-queries", type=int, default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    embedder = Embedder("multilingual-e5-small")
    table = {d.name: sweep(d, args.max_queries, embedder, _default_cache())
             for d in args.datasets if d.exists()}
    if args.json:
        print(json.dumps(table, indent=2))
        return
    names = list(next(iter(table.values())))
    print("| variant | " + " | ".join(table) + " | min margin vs best single |")
    print("|---" * (len(table) + 2) + "|")
    for name in names:
        margin = min(t[name] - max(t["bm25"], t["dense"]) for t in table.values())
        print(f"| {name} | " + " | ".join(f"{t[name]:.4f}" for t in table.values())
              + f" | {margin:+.4f} |")


if __name__ == "__main__":
    main()
