"""Embedder throughput against a raw `SentenceTransformer.encode` on the same passages.

    python -m indexer.harness.perf.embed --n 2000 --json

Both sides see the same texts, batch size, prompt and normalization, in one process, one after
the other (raw first, so the Embedder gets no warm-up advantage). The Embedder's cache is off:
this measures encoding, not cache hits. A performance entry point on top of the project, like
a test: it imports `indexer`.
"""

from __future__ import annotations

import argparse
import json
import time

from indexer.defaults import DEFAULT_MODEL
from indexer.paths import SOURCE_ROOT, shared_datasets

ROOT = SOURCE_ROOT


def passages(n: int) -> list[str]:
    """n real passages: the shared MEDIQA answers when present, else the sample corpus."""
    texts: list[str] = []
    corpus = shared_datasets() / "mediqa-dev" / "corpus.jsonl"
    if corpus.exists():
        for line in corpus.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            texts.append(" ".join(str(row.get("text", "")).split()[:180]))
    else:
        for f in sorted((ROOT / "corpora" / "sample").rglob("*.*")):
            texts += [p for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    while len(texts) < n:
        texts += texts
    return texts[:n]


def run(n: int = 2000, model: str = DEFAULT_MODEL, batch_size: int | None = None
        ) -> dict:
    import numpy as np

    from indexer import Embedder

    texts = passages(n)
    emb = Embedder(model, cache=False, batch_size=batch_size)
    st = emb.model
    prompt = emb.prompts.get("passage", "")
    st.encode(texts[:32], prompt=prompt, batch_size=emb.batch_size)  # warm both paths
    from indexer.embedding.embedder import autocast

    def raw_encode() -> np.ndarray:
        return st.encode(texts, prompt=prompt or None, batch_size=emb.batch_size,
                         normalize_embeddings=True, convert_to_numpy=True)

    start = time.perf_counter()
    raw_fp32 = raw_encode()
    fp32_s = time.perf_counter() - start
    start = time.perf_counter()
    with autocast(emb.device):  # the same dtype the Embedder runs in: like for like
        raw = raw_encode()
    raw_s = time.perf_counter() - start
    start = time.perf_counter()
    ours = emb.embed_passages(texts)
    ours_s = time.perf_counter() - start
    cos = float(np.min(np.sum(raw * ours, axis=1)))
    cos32 = float(np.min(np.sum(raw_fp32 * ours, axis=1)))
    return {"passages": n, "device": emb.device, "batch_size": emb.batch_size,
            "raw_passages_per_s": round(n / raw_s, 2), "embedder_passages_per_s":
            round(n / ours_s, 2), "ratio": round(raw_s / ours_s, 3),
            "raw_fp32_passages_per_s": round(n / fp32_s, 2),
            "min_cosine_raw_vs_embedder": round(cos, 6),
            "min_cosine_fp32_vs_embedder": round(cos32, 6), "goal_ratio": 0.9}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = run(args.n, args.model, args.batch_size)
    print(json.dumps(result, indent=2) if args.json else
          f"Embedder {result['embedder_passages_per_s']} passages/s vs raw encode "
          f"{result['raw_passages_per_s']} ({result['ratio']}×)")


if __name__ == "__main__":
    main()
