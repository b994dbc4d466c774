"""The retrieval sweep behind the defaults: document weight × fusion, chosen across datasets.

    python -m indexer.harness.sweep corpora/golden corpora/adversarial \
        ../shared/datasets/{mediqa-dev,xquad-hi,xquad-en,flores-xling} --out benchmarks/SWEEP

Each retriever runs once per query (depth 100): BM25 once, dense once per document weight;
every fusion variant is computed from the same lists, so comparisons are paired. nDCG@10 is
averaged over the queries with at least one relevant document (judged-only). The default is
chosen by mean nDCG@10 over all datasets, and a leave-one-dataset-out table shows, for each
set, what the other sets would have chosen and what that costs against the set's own best:
a default no single set picks. The whole-document baselines (indexer.harness.baseline) are
scored beside every variant. Variants marked `+prf k=K b=B` add query-vector feedback
(indexer.dense.feedback): dense searched again with the query moved toward the variant's own
fused top-K chunks, then fused again the same way.

A build setting (the chunk budget) needs its own index, so it is swept by running this once
per setting and choosing across the runs:

    python -m indexer.harness.sweep --combine b128=run128/sweep.json b256=run256/sweep.json \
        --out benchmarks
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from indexer.defaults import DEFAULT_MODEL

Lists = dict[str, tuple[np.ndarray, np.ndarray]]
Fuse = Callable[[Lists, bool], list[tuple[int, float]]]
DOC_WEIGHTS = (0.0, 0.25, 0.5, 0.75)
# Query-vector feedback (indexer.dense.feedback) is swept at the stored document weight only
# and with z-score fusion (each extra variant is one more dense search per query).
FEEDBACK_DOC_WEIGHT = 0.5
FEEDBACK_FUSIONS = ("zscore a=0.6", "zscore a=0.7", "zscore a=0.8")
FEEDBACK_GRID = tuple((k, b) for k in (1, 2, 3, 4) for b in (0.15, 0.25, 0.35, 0.5))


def fusions() -> dict[str, Fuse]:
    """name → f(lists, cross_script). Every fused variant keeps the cross-script rule (BM25
    off when no dense candidate is in the query's script) unless its name says `+xs-off`."""
    from indexer.fusion import fuse as fuse_lists

    def rrf(bm25_weight: float, rule: bool) -> Fuse:
        def fuse(lists: Lists, cross: bool) -> list[tuple[int, float]]:
            w = 0.0 if (rule and cross) else bm25_weight
            return fuse_lists("rrf", lists, {"bm25": w, "dense": 1.0})
        return fuse

    def convex(alpha: float, norm: str, rule: bool) -> Fuse:
        def fuse(lists: Lists, cross: bool) -> list[tuple[int, float]]:
            w = 0.0 if (rule and cross) else 1.0 - alpha
            return fuse_lists(norm, lists, {"bm25": w, "dense": alpha})
        return fuse

    out: dict[str, Fuse] = {
        "bm25": lambda lists, cross: list(zip(*[a.tolist() for a in lists["bm25"]],
                                              strict=True)),
        "dense": lambda lists, cross: list(zip(*[a.tolist() for a in lists["dense"]],
                                               strict=True)),
    }
    for w in (1.0, 0.5):
        out[f"rrf w={w}"] = rrf(w, True)
    out["rrf w=1.0 +xs-off"] = rrf(1.0, False)
    for norm in ("zscore", "minmax"):
        for alpha in (0.5, 0.6, 0.7, 0.8):
            out[f"{norm} a={alpha}"] = convex(alpha, norm, True)
    out["zscore a=0.8 +xs-off"] = convex(0.8, "zscore", False)
    return out


def sweep_dataset(path: Path, embedder: Any, cache: Path, max_queries: int | None,
                  weights: Sequence[float] = DOC_WEIGHTS, depth: int = 100) -> dict[str, Any]:
    """nDCG@10 (judged-only) of every (document weight, fusion) variant and the baselines."""
    import benchmarks
    from indexer.dense.documents import DocumentScoring
    from indexer.dense.feedback import Feedback
    from indexer.fusion import adaptive_weights
    from indexer.harness import baseline
    from indexer.harness.bench import dataset_documents, open_or_build, select_queries, stable_key

    ds = benchmarks.load_beir(path)
    qids = [q for q in select_queries(ds, "all", None)
            if any(g > 0 for g in ds.qrels.get(q, {}).values())]
    qids = sorted(qids, key=stable_key)[:max_queries] if max_queries else qids
    index, stats = open_or_build(ds, cache, embedder)
    texts = {q: str(ds.queries[q]["text"]) for q in qids}
    vecs = dict(zip(qids, embedder.embed_queries(list(texts.values())), strict=True))
    fns = fusions()
    runs: dict[str, dict[str, dict[str, float]]] = {}
    doc_of: dict[int, str] = {}
    for qid in qids:
        text, vec = texts[qid], vecs[qid]
        bm25 = index.candidates(text, depth, "bm25").lists["bm25"]
        for w in weights:
            found = index.candidates(text, depth, "dense", query_vector=vec,
                                     documents=DocumentScoring(weight=w))
            store = found.snapshot.store
            dense = found.lists["dense"]
            lists = {"bm25": bm25, "dense": dense}
            cross = adaptive_weights(text, dense[0], store)["bm25"] == 0
            need = [int(i) for ids, _ in lists.values() for i in ids if int(i) not in doc_of]
            for rowid, row in store.chunks_by_rowid(need).items():
                doc_of[rowid] = row["doc_id"]
            for name, fn in fns.items():
                if name == "bm25" and w != weights[0]:
                    continue
                key = name if name == "bm25" else f"doc={w} {name}"
                runs.setdefault(key, {})[qid] = _doc_run(fn(lists, cross), doc_of)
            if w != FEEDBACK_DOC_WEIGHT:
                continue
            for name in FEEDBACK_FUSIONS:
                seed = fns[name](lists, cross)
                seeds = found.snapshot.dense.vectors(np.asarray(
                    [r for r, _ in seed[:max(k for k, _ in FEEDBACK_GRID)]], dtype=np.int64))
                for k, beta in FEEDBACK_GRID:
                    moved = Feedback(k=k, beta=beta).expand(vec, seeds)
                    again = index.candidates(text, depth, "dense", query_vector=moved,
                                             documents=DocumentScoring(weight=w))
                    lists2 = {"bm25": bm25, "dense": again.lists["dense"]}
                    need = [int(i) for i in lists2["dense"][0] if int(i) not in doc_of]
                    for rowid, row in store.chunks_by_rowid(need).items():
                        doc_of[rowid] = row["doc_id"]
                    runs.setdefault(f"doc={w} {name} +prf k={k} b={beta}", {})[qid] = \
                        _doc_run(fns[name](lists2, cross), doc_of)
    whole = baseline.WholeDocuments.build(dataset_documents(ds), embedder)
    for system in baseline.SYSTEMS:
        runs[system] = {q: whole.run(system, texts[q], vecs[q], depth) for q in qids}
    qrels = {q: ds.qrels[q] for q in qids}
    scores = {name: round(benchmarks.evaluate(qrels, run, ["ndcg@10"])["ndcg@10"], 4)
              for name, run in runs.items()}
    return {"queries": len(qids), "chunks": stats.get("chunks"),
            "documents": stats.get("documents"), "ndcg@10": scores}


def is_fused(name: str) -> bool:
    """A candidate for the default: a fused variant that keeps the cross-script rule."""
    parts = name.split(" ")
    doc = next((i for i, p in enumerate(parts) if p.startswith("doc=")), None)
    return doc is not None and parts[doc + 1:] != ["dense"] and "+xs-off" not in parts


def combine(sweeps: dict[str, str | Path]) -> dict[str, Any]:
    """Several sweep.json files (label → path), one table: each variant named
    'LABEL VARIANT', so one choice (and one leave-one-out) spans every build setting.
    Only datasets present in every sweep are kept; the whole-document baselines come
    from the first."""
    loaded = {label: json.loads(Path(p).read_text())["datasets"] for label, p in sweeps.items()}
    common = [d for d in next(iter(loaded.values())) if all(d in x for x in loaded.values())]
    out: dict[str, Any] = {}
    for d in common:
        scores = {f"{label} {name}": v for label, x in loaded.items()
                  for name, v in x[d]["ndcg@10"].items() if not name.startswith("whole-")}
        # the whole-document baselines do not depend on the chunk index: the first sweep's
        scores.update({name: v for name, v in next(iter(loaded.values()))[d]["ndcg@10"].items()
                       if name.startswith("whole-")})
        out[d] = {"queries": {label: x[d]["queries"] for label, x in loaded.items()},
                  "chunks": {label: x[d]["chunks"] for label, x in loaded.items()},
                  "documents": next(iter(loaded.values()))[d]["documents"], "ndcg@10": scores}
    return out


def _doc_run(fused: list[tuple[int, float]], doc_of: dict[int, str]) -> dict[str, float]:
    run: dict[str, float] = {}
    for rowid, _ in fused:
        doc = doc_of.get(int(rowid))
        if doc is not None and doc not in run:
            run[doc] = 1.0 / (len(run) + 1)
    return run


def choose(table: dict[str, dict[str, float]], candidates: Sequence[str]) -> dict[str, Any]:
    """The variant whose worst loss against each set's own best is smallest (mean nDCG@10
    breaks ties), and the leave-one-dataset-out rows: for each set, what the others would
    have chosen by the same rule, and what that costs it.

    Worst-case regret rather than the mean: a default must not sacrifice one kind of data
    (cross-lingual, long answers) for a gain on another, since the held-out sets it will
    meet are of every kind."""
    sets = list(table)

    def pick(names: Sequence[str]) -> str:
        best = {s: max(table[s][c] for c in candidates) for s in names}
        return min(candidates, key=lambda c: (max(best[s] - table[s][c] for s in names),
                                              -float(np.mean([table[s][c] for s in names])),
                                              c))

    loo = []
    for held in sets:
        chosen = pick([s for s in sets if s != held])
        own = max(candidates, key=lambda c: table[held][c])
        loo.append({"held_out": held, "chosen_by_others": chosen,
                    "held_out_ndcg": table[held][chosen], "own_best": own,
                    "own_best_ndcg": table[held][own],
                    "loss": round(table[held][own] - table[held][chosen], 4)})
    default = pick(sets)
    best = {s: max(table[s][c] for c in candidates) for s in sets}
    return {"rule": "min over variants of the max over sets of (set's best - variant)",
            "default": default,
            "default_regret": {s: round(best[s] - table[s][default], 4) for s in sets},
            "leave_one_out": loo}


def markdown(table: dict[str, dict[str, float]], choice: dict[str, Any],
             command: str) -> str:
    sets = list(table)
    names = list(next(iter(table.values())))
    lines = ["# Retrieval sweep (nDCG@10, judged-only)", "",
             f"`{command}`", "",
             "nDCG@10 averaged over the queries with at least one relevant document. "
             "`doc=w` is the document vector's share of a chunk's dense score (0: chunks "
             "alone); fused variants keep the cross-script rule unless marked `+xs-off`; "
             "`whole-*` are the whole-document baselines (each document embedded whole, "
             "bm25s, plain RRF k=60); `+prf k=K b=B`: the query vector moved toward the "
             "variant's fused top-K chunks (weight B) and dense searched again "
             "(indexer.dense.feedback). `vs whole-rrf` is the worst margin over the sets.", "",
             "| variant | " + " | ".join(sets) + " | mean | vs whole-rrf |",
             "|---" * (len(sets) + 3) + "|"]
    for name in names:
        row = [table[s][name] for s in sets]
        margin = min(table[s][name] - table[s]["whole-rrf"] for s in sets)
        mark = " **(default)**" if name == choice["default"] else ""
        lines.append(f"| {name}{mark} | " + " | ".join(f"{v:.4f}" for v in row)
                     + f" | {np.mean(row):.4f} | {margin:+.4f} |")
    regret = ", ".join(f"{s} {v:.4f}" for s, v in choice["default_regret"].items())
    lines += ["", f"Default: **{choice['default']}**, chosen as the variant whose worst loss "
              "against any set's own best is smallest (mean breaks ties); its loss per set: "
              f"{regret}. Variants without the cross-script rule are shown, not chosen.",
              "", "## Leave one dataset out", "",
              "Each set held out in turn: the variant the other sets choose by the same rule, "
              "and its cost on the held-out set.", "",
              "| held-out set | chosen by the other sets | its nDCG@10 there | the set's own "
              "best | own best nDCG@10 | loss |", "|---|---|---|---|---|---|"]
    for r in choice["leave_one_out"]:
        lines.append(f"| {r['held_out']} | {r['chosen_by_others']} | {r['held_out_ndcg']:.4f} "
                     f"| {r['own_best']} | {r['own_best_ndcg']:.4f} | {r['loss']:.4f} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    from indexer import Embedder
    from indexer.harness.bench import default_cache

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("datasets", nargs="*", type=Path)
    ap.add_argument("--max-queries", type=int, default=1500)
    ap.add_argument("--combine", nargs="+", metavar="LABEL=SWEEP.json", default=None,
                    help="choose across earlier sweeps (one per index build, e.g. chunk "
                         "budget) instead of running one: variants become 'LABEL VARIANT'")
    ap.add_argument("--out", type=Path, default=None, help="write sweep.json and SWEEP.md")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.combine:
        results = combine(dict(item.split("=", 1) for item in args.combine))
        command = "python -m indexer.harness.sweep --combine " + " ".join(args.combine)
    elif args.datasets:
        embedder = Embedder(DEFAULT_MODEL)
        results = {d.name: sweep_dataset(d, embedder, default_cache(), args.max_queries)
                   for d in args.datasets if d.exists()}
        command = "python -m indexer.harness.sweep " + " ".join(str(d) for d in args.datasets)
    else:
        ap.error("name the datasets to sweep, or --combine earlier sweeps")
    table = {name: r["ndcg@10"] for name, r in results.items()}
    # the cross-script rule is kept by design (issue 15): `+xs-off` rows are shown, not chosen
    fused = [n for n in next(iter(table.values())) if is_fused(n)]
    choice = choose(table, fused)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "sweep.json").write_text(json.dumps(
            {"datasets": results, "choice": choice}, indent=2))
        (args.out / "SWEEP.md").write_text(markdown(table, choice, command))
    if args.json:
        print(json.dumps({"datasets": results, "choice": choice}, indent=2))
    else:
        print(markdown(table, choice, command))


if __name__ == "__main__":
    main()
