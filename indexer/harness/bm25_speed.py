"""Speed of BM25Index against raw bm25s and rank_bm25: `python -m indexer.harness.bm25_speed`.

Corpus: synthetic multilingual documents (default 100,000), each in one of the nine
languages, made of words drawn by frequency from that language's text in the shared data
sets (a Zipf-like mix, like real text); pseudo-random words stand in when the data are absent.
Queries: real questions/sentences of the shared data (first words), mixed languages.

Reported (JSON on stdout):
- build seconds: ours (tokenizing included) and raw bm25s given our tokens;
- qps: ours per query, tokenizing the query string included (numba kernel, and the numpy
  fallback path); raw bm25s on pre-tokenized
  queries, one query per call and one batched call; rank_bm25 BM25Okapi measured on only a few
  queries (it scans every document per term) and reported as queries/second over those;
- update: upsert of 1% of the corpus (half new ids, half replacing), first search after it
  (the score refresh), and merge, against a full rebuild.
Goals: ours >= 100x rank_bm25 and >= 0.8x raw bm25s (per-query calls).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter

import numpy as np

from indexer.bm25.config import LANGUAGES, BM25Params
from indexer.bm25.index import BM25Index
from indexer.paths import shared_datasets
from indexer.settings import settings

_DEFAULT_DATA = shared_datasets()
DATA = settings().path("datasets") or _DEFAULT_DATA


def _texts_by_language() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(document texts, query texts) per language from the shared data sets, if present."""
    docs: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    queries: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    for name in ("xquad-hi", "xquad-en", "mediqa-dev", "flores-xling"):
        for file, target in (("corpus.jsonl", docs), ("queries.jsonl", queries)):
            path = DATA / name / file
            if not path.is_file():
                continue
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    row = json.loads(line)
                    lang = row.get("lang")
                    if lang in target:
                        target[lang].append(row["text"])
                        if name == "flores-xling":  # parallel sentences: words for every language
                            docs[lang].append(row["text"])
    return docs, queries


def synthetic_corpus(n_docs: int, seed: int) -> tuple[list[str], list[str], list[str]]:
    """(texts, languages, queries): documents of 20-80 words drawn by word frequency."""
    rng = np.random.default_rng(seed)
    docs, queries = _texts_by_language()
    pools = {}
    for lang in LANGUAGES:
        counts = Counter(w for t in docs[lang] for w in t.split())
        if not counts:  # no data: pseudo-words with a Zipf distribution
            counts = Counter({f"{lang}w{i}": 1.0 / (i + 1) for i in range(5000)})
        words = list(counts)
        p = np.fromiter(counts.values(), float)
        pools[lang] = (np.array(words, dtype=object), p / p.sum())
    langs = rng.choice(LANGUAGES, size=n_docs)
    lengths = rng.integers(20, 81, size=n_docs)
    texts = []
    for lang, length in zip(langs, lengths, strict=True):
        words, p = pools[lang]
        texts.append(" ".join(rng.choice(words, size=int(length), p=p)))
    query_texts = [" ".join(q.split()[:8]) for lang in LANGUAGES for q in queries[lang][:40]]
    if not query_texts:
        query_texts = [" ".join(rng.choice(pools[lang][0], 4)) for lang in LANGUAGES]
    rng.shuffle(query_texts)
    return texts, [str(x) for x in langs], query_texts


def _timed(fn, label: str = ""):
    t0 = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - t0
    if label:
        print(f"# {label}: {elapsed:.2f}s", file=sys.stderr, flush=True)
    return out, elapsed


def bench(n_docs: int, n_queries: int, n_rank_queries: int, seed: int) -> dict:
    import bm25s

    texts, langs, query_texts = synthetic_corpus(n_docs, seed)
    query_texts = (query_texts * (n_queries // max(len(query_texts), 1) + 1))[:n_queries]
    ids = np.arange(n_docs)
    out: dict = {"docs": n_docs, "queries": len(query_texts), "k": 10,
                 "numba": bool(getattr(bm25s, "NUMBA_AVAILABLE", False))}

    index, t_build = _timed(lambda: BM25Index().build(texts, ids, langs), "build ours")
    index.search("warmup", 10)  # first search computes scores (part of build cost)
    _, t_refresh = _timed(lambda: (index._changed(), index._refresh()))
    out["build_s"] = {"ours": round(t_build, 2), "ours_score_pass": round(t_refresh, 3)}
    out["postings"] = int(index._main.nnz)
    out["vocab"] = index.vocab_size

    doc_tokens = [index.tokenize(t, lang) for t, lang in zip(texts, langs, strict=True)]
    q_tokens = [index.tokenize(q) for q in query_texts]
    p = BM25Params()
    backend = "numba" if out["numba"] else "numpy"
    raw = bm25s.BM25(k1=p.k1, b=p.b, method=p.method, backend=backend)
    _, t_raw = _timed(lambda: raw.index(doc_tokens, show_progress=False), "build bm25s")
    out["build_s"]["bm25s_from_tokens"] = round(t_raw, 2)
    out["bm25s_backend"] = backend

    for q in query_texts[:5]:  # warm caches / JIT
        index.search(q, 10)
    raw.retrieve([q_tokens[0] or [""]], k=10, show_progress=False)

    def ours():
        for q in query_texts:
            index.search(q, 10)

    def raw_single():
        for toks in q_tokens:
            raw.retrieve([toks or [""]], k=10, show_progress=False, n_threads=1)

    def raw_batch():
        raw.retrieve([t or [""] for t in q_tokens], k=10, show_progress=False, n_threads=1)

    def ours_numpy():
        from indexer.bm25 import topk

        saved, topk.USE_NUMBA = topk.USE_NUMBA, False
        try:
            ours()
        finally:
            topk.USE_NUMBA = saved

    qps = {}
    runs = (("ours", ours), ("ours_numpy_path", ours_numpy),
            ("bm25s_per_query", raw_single), ("bm25s_batch", raw_batch))
    for name, fn in runs:
        _, t = _timed(fn, f"queries {name}")
        qps[name] = round(len(query_texts) / t, 1)

    from rank_bm25 import BM25Okapi

    rank, t_rank_build = _timed(lambda: BM25Okapi(doc_tokens, k1=p.k1, b=p.b), "build rank_bm25")
    sample = [t for t in q_tokens if t][:n_rank_queries]
    _, t_rank = _timed(lambda: [np.argsort(rank.get_scores(t))[-10:] for t in sample])
    qps["rank_bm25"] = round(len(sample) / t_rank, 2)
    out["rank_bm25_note"] = (f"rank_bm25 timed on {len(sample)} queries only (full scan per "
                             "query term); its qps is that sample's rate")
    out["build_s"]["rank_bm25"] = round(t_rank_build, 2)
    out["qps"] = qps
    out["speedup"] = {
        "vs_rank_bm25": round(qps["ours"] / qps["rank_bm25"], 1),
        "vs_bm25s_per_query": round(qps["ours"] / qps["bm25s_per_query"], 2),
        "vs_bm25s_batch": round(qps["ours"] / qps["bm25s_batch"], 2),
    }
    out["goals_met"] = {"100x_rank_bm25": out["speedup"]["vs_rank_bm25"] >= 100,
                        "0.8x_bm25s": out["speedup"]["vs_bm25s_per_query"] >= 0.8}

    # Update cost: 1% of the corpus, half new documents and half replacing existing ones.
    n_up = max(n_docs // 100, 2)
    rng = np.random.default_rng(seed + 1)
    up_ids = np.concatenate([np.arange(n_docs, n_docs + n_up // 2),
                             rng.choice(n_docs, n_up - n_up // 2, replace=False)])
    up_src = rng.choice(n_docs, n_up, replace=False)
    up_texts = [texts[i] for i in up_src]
    up_langs = [langs[i] for i in up_src]
    _, t_upsert = _timed(lambda: index.upsert(up_texts, up_ids, up_langs), "upsert")
    _, t_first = _timed(lambda: index.search(query_texts[0], 10))
    _, t_merge = _timed(index.merge)
    index.search(query_texts[0], 10)
    _, t_rebuild = _timed(
        lambda: BM25Index().build(texts, ids, langs).search("warmup", 10), "rebuild")
    out["update"] = {
        "docs": n_up,
        "upsert_s": round(t_upsert, 3),
        "first_search_after_s": round(t_first, 3),
        "merge_s": round(t_merge, 3),
        "full_rebuild_s": round(t_rebuild, 2),
        "upsert_plus_refresh_vs_rebuild": round((t_upsert + t_first) / t_rebuild, 3),
    }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--rank-queries", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    result = bench(args.docs, args.queries, args.rank_queries, args.seed)
    json.dump(result, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
