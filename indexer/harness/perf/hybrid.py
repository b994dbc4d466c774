"""Query latency of hybrid search (no reranking) at 10k, 100k and 1M chunks, on this machine.

    python -m indexer.harness.perf.hybrid --sizes 10000,100000,1000000 --queries 200 --json

The index is real (SQLite store, FAISS chosen by size — HNSW past 50k —, BM25 over
multilingual text), but its passage vectors are synthetic: encoding 100k passages takes hours
on a CPU and does not change query latency. They are drawn from the dense harness's
embedding-like Gaussian mixture and fed
through the embedding cache, so `Index.add` runs its normal path. Each query is encoded by
the real model: the latency counts the query's encoding, as the goals do. Memory: the
process's peak RSS so far after each build and after its searches (sizes run smallest
first, so each peak belongs to the largest index yet), and the index's size on disk.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from indexer.defaults import DEFAULT_MODEL
from indexer.paths import SOURCE_ROOT

ROOT = SOURCE_ROOT


def vocabulary() -> list[str]:
    """Words of the sample corpus in all nine languages (synthetic text stays multilingual)."""
    words: list[str] = []
    for f in sorted((ROOT / "corpora" / "sample").rglob("*.*")):
        words += [w for w in f.read_text(encoding="utf-8").split() if len(w) > 1]
    return words


def synthetic_vectors(n: int, dim: int, seed: int = 0, block: int = 100_000) -> np.ndarray:
    """Passage vectors from the dense harness's embedding-like mixture (anisotropic, uneven
    clusters; `indexer.harness.perf.dense.mixture_model`, one home for such data), drawn in
    blocks so that its float64 temporaries do not set the peak memory this harness reports."""
    from indexer.harness.perf.dense import mixture_model

    rng = np.random.default_rng(seed)
    model, _ = mixture_model(dim, 200, rng)
    out = np.empty((n, dim), np.float32)
    for start in range(0, n, block):
        out[start:start + block] = model.draw(min(block, n - start), rng)
    return out


def build(path: Path, n: int, embedder, words: list[str], seed: int = 0):  # noqa: ANN001, ANN201
    from indexer import Index
    from indexer.embedding.cache import EmbeddingCache
    from loaders import Block, BlockKind, Document

    rng = random.Random(seed)
    langs = ["en", "hi", "bn", "mr", "ta", "te", "kn", "ne", "id"]
    docs, texts = [], []
    for i in range(n):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(40, 120)))
        lang = langs[i % len(langs)]
        doc_id = f"doc-{i:06d}"
        docs.append(Document(id=doc_id, source=doc_id, checksum=str(i), language=lang,
                             blocks=[Block(BlockKind.PARAGRAPH, text, language=lang)]))
        texts.append(text)
    cache = EmbeddingCache(path.parent / f"cache-{n}.sqlite")
    prompt = embedder.prompts.get("passage", "")
    index = Index.create(path, embedder=embedder)
    chunks = synthetic_chunks(index, docs, texts)
    vectors = synthetic_vectors(n, embedder.dim, seed)
    # each document's lead window (its document vector) gets its chunk's vector, so the
    # build encodes nothing; a window that equals the chunk text shares its key
    windows = document_windows(index, docs, chunks)
    for keyed in ([chunks[d.id][0].context_text for d in docs], windows):
        keys = [hashlib.sha256((prompt + t).encode()).hexdigest() for t in keyed]
        cache.put_many(embedder.checksum, keys, vectors)
    del vectors
    embedder.cache = cache
    started = time.perf_counter()
    report = index.add(docs, chunk=lambda d: chunks[d.id])
    return index, time.perf_counter() - started, report.embedded


def synthetic_chunks(index, docs: list, texts: list[str]) -> dict[str, list]:  # noqa: ANN001
    """One chunk per document, with its size in tokens as the chunker records it (counted
    here, before the timed build, as a real ingest counts while chunking)."""
    from chunkers import Chunk, ChunkerConfig, chunk_id

    chunker = ChunkerConfig.from_dict(index.manifest.get("chunker") or {})
    sizes = index.counter().count_batch([chunker.prompt + t for t in texts])
    return {d.id: [Chunk(id=chunk_id(d.id, t), text=t, doc_id=d.id, language=d.language,
                         source=d.id, metadata={"tokens": size + chunker.special_tokens})]
            for d, t, size in zip(docs, texts, sizes, strict=True)}


def document_windows(index, docs: list, chunks: dict[str, list]) -> list[str]:  # noqa: ANN001
    """The lead windows the index will embed as document vectors."""
    from chunkers import ChunkerConfig
    from indexer.dense.documents import DocumentScoring, window_texts

    scoring = DocumentScoring.from_dict(index.manifest["documents"])
    chunker = ChunkerConfig.from_dict(index.manifest.get("chunker") or {})
    return window_texts([(d, chunks[d.id]) for d in docs], index.counter(), scoring, chunker)


def goal(n: int) -> dict[str, int]:
    """Issue 17's goals: latency at every size; at a million chunks, also the build time."""
    out = {"p50_ms": 20, "p95_ms": 50}
    if n >= 1_000_000:
        out["build_seconds"] = 20 * 60
    return out


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def disk_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def run(sizes: tuple[int, ...] = (10_000, 100_000), queries: int = 200,
        model: str = DEFAULT_MODEL) -> dict:
    from benchmarks.latency import summarize_latencies
    from indexer import Embedder

    embedder = Embedder(model, cache=False)
    words = vocabulary()
    rng = random.Random(1)
    qs = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 12))) for _ in range(queries)]
    embedder.embed_queries(qs[:8])  # load and warm the model
    out: dict = {"queries": queries, "device": embedder.device, "sizes": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sorted(sizes):
            index, build_s, encoded = build(Path(tmp) / f"idx-{n}", n, embedder, words)
            rss_build = peak_rss_mb()
            stages: dict[str, list[float]] = {}
            totals = []
            for q in qs:
                embedder.forget_queries()  # every query pays its encoding
                t: dict[str, float] = {}
                start = time.perf_counter()
                index.search(q, k=10, mode="hybrid", timings=t)
                totals.append(time.perf_counter() - start)
                for stage, s in t.items():
                    stages.setdefault(stage, []).append(s)
            summary = summarize_latencies(totals)
            out["sizes"][str(n)] = {
                "chunks": len(index), "dense": index.manifest["dense"]["type"],
                "build_seconds": round(build_s, 1), "passages_encoded_in_build": encoded,
                "peak_rss_mb_after_build": rss_build, "peak_rss_mb_after_search": peak_rss_mb(),
                "index_disk_mb": disk_mb(Path(tmp) / f"idx-{n}"),
                "total": summary.to_dict() if hasattr(summary, "to_dict") else vars(summary),
                "stages_p50_ms": {s: round(float(np.median(v)) * 1000, 2)
                                  for s, v in stages.items()},
                "goal": goal(n),
            }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = run(tuple(int(s) for s in args.sizes.split(",")), args.queries)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
