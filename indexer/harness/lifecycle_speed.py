"""Measure the lifecycle goals (a harness, not timed tests):

    python -m indexer.harness.lifecycle_speed [--chunks 50000] [--drift-chunks 10000]
        [--model static-tiny] [--out DIR]

1. rollback on an index of `--chunks` chunks: seconds, files rewritten (sha256, size,
   mtime and inode of every generation file before and after), and a reader thread that
   searches and refreshes throughout (errors seen, generation it ends on);
2. `indexer diff` between two generations of a `--drift-chunks` index (vectors read, not
   recomputed; retrieval drift on 200 probes): seconds;
3. the default drift gate on seeded changes: an unchanged rebuild, one language's
   documents removed, a noisy encoder (stored vectors + Gaussian noise).

The corpus is synthetic: documents of 2-4 sentences drawn (seeded) from the bundled sample
corpus, one language each, so every document is one chunk. The default model is
static-tiny (64-d): scale, not retrieval quality, is what is measured.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from indexer.embedding.embedder import Embedder
from indexer.index import Index
from loaders import Block, BlockKind, Document

SAMPLE = Path(__file__).resolve().parents[2] / "corpora" / "sample"
BATCH = 5000


def sentences() -> dict[str, list[str]]:
    """The sample corpus's sentences by language (its folder name)."""
    out: dict[str, list[str]] = {}
    for f in sorted(SAMPLE.rglob("*")):
        if f.suffix in (".md", ".txt"):
            text = re.sub(r"^[#*\-\d.]+\s*", "", f.read_text(encoding="utf-8"), flags=re.M)
            parts = [s.strip() for s in re.split(r"(?<=[.!?।])\s+|\n+", text)]
            out.setdefault(f.parent.name, []).extend(p for p in parts if len(p) > 20)
    return out


def synthetic(n: int, seed: int = 0, skip: str | None = None) -> list[Document]:
    rng = random.Random(seed)
    pool = sentences()
    langs = sorted(pool)
    docs = []
    for i in range(n):
        lang = langs[i % len(langs)]
        text = " ".join(rng.sample(pool[lang], min(len(pool[lang]), rng.randint(2, 4))))
        if lang == skip:
            continue
        docs.append(Document(id=f"syn/{lang}/{i:07d}", source=f"synthetic:{i}",
                             checksum=hashlib.sha256(text.encode()).hexdigest(),
                             title=None, language=lang,
                             blocks=[Block(BlockKind.PARAGRAPH, text, language=lang)]))
    return docs


def build(path: Path, docs: list[Document], embedder: Embedder, keep: int | None = None
          ) -> Index:
    index = Index.create(path, embedder=embedder)
    if keep is not None:
        from indexer.lifecycle import retention

        retention.write_keep(path, keep)
    for start in range(0, len(docs), BATCH):
        index.add(docs[start:start + BATCH])
    return index


def fingerprint(root: Path) -> dict[str, tuple[str, int, int, int]]:
    """Every file in every generation: sha256, size, mtime_ns, inode."""
    out = {}
    for f in sorted(root.glob("gen-*/**/*")):
        if f.is_file():
            st = f.stat()
            out[f.relative_to(root).as_posix()] = (
                hashlib.sha256(f.read_bytes()).hexdigest(), st.st_size, st.st_mtime_ns,
                st.st_ino)
    return out


def measure_rollback(work: Path, chunks: int, embedder: Embedder) -> dict[str, Any]:
    from indexer.lifecycle.rollback import rollback

    root = work / "rollback"
    started = time.perf_counter()
    docs = synthetic(chunks + 1000)
    index = build(root, docs[:chunks], embedder)
    index.add(docs[chunks:])  # the generation to roll back from
    built = time.perf_counter() - started
    index.close()
    before = fingerprint(root)
    stop = threading.Event()
    seen: dict[str, Any] = {"searches": 0, "errors": [], "generations": set()}

    def reader() -> None:
        r = Index.open(root, embedder=embedder)
        while not stop.is_set():
            try:
                r.refresh()
                r.search("wash hands with soap", k=10)
                seen["searches"] += 1
                seen["generations"].add(r.generation)
            except Exception as exc:  # noqa: BLE001 - every error is what we count
                seen["errors"].append(repr(exc))
        seen["final"] = r.generation

    thread = threading.Thread(target=reader)
    thread.start()
    _wait(lambda: seen["searches"] >= 20)
    t0 = time.perf_counter()
    event = rollback(root)
    seconds = time.perf_counter() - t0
    at_switch = seen["searches"]
    _wait(lambda: seen["searches"] >= at_switch + 20)  # the reader switched and went on
    stop.set()
    thread.join()
    after = fingerprint(root)
    rewritten = sorted(k for k in before if after.get(k) != before[k])
    return {"chunks": Index.open(root, embedder=embedder).info()["chunks"],
            "build_seconds": round(built, 1), "rollback_seconds": round(seconds, 4),
            "event": event, "files_checked": len(before), "files_rewritten": rewritten,
            "reader_searches": seen["searches"], "reader_searches_after": seen["searches"]
            - at_switch, "reader_errors": seen["errors"][:5],
            "reader_generations": sorted(seen["generations"]),
            "reader_final": seen.get("final")}


def _wait(done: Any, limit: float = 600.0) -> None:
    deadline = time.perf_counter() + limit
    while not done() and time.perf_counter() < deadline:
        time.sleep(0.05)


class NoisyEncoder(Embedder):
    """A corrupted encoder: the real model's passage vectors plus Gaussian noise."""

    sigma = 0.08

    def embed_passages(self, texts: Any, *args: Any, **kwargs: Any) -> np.ndarray:
        v = super().embed_passages(texts, *args, **kwargs)
        rng = np.random.default_rng(len(v))
        v = v + rng.normal(0, self.sigma, v.shape).astype(np.float32)
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def gate(old: Path | str, new: Path | str, embedder: Embedder) -> dict[str, Any]:
    from indexer.lifecycle import drift, drift_gates

    t0 = time.perf_counter()
    report = drift.diff(old, new, embedder=embedder)
    results = drift_gates.evaluate(report, drift_gates.load())
    return {"seconds": round(time.perf_counter() - t0, 2), "report_seconds": report["seconds"],
            "failed": [g.message for g in results if g.failed]}


def measure_drift(work: Path, chunks: int, model: str, embedder: Embedder) -> dict[str, Any]:
    docs = synthetic(chunks)
    a = work / "drift-a"
    index = build(a, docs, embedder, keep=10)
    full = f"{a}@{index.generation}"
    # the next generations: 2% of documents removed, 2% replaced by new text
    index.delete([d.id for d in docs[::50]])
    index.add(synthetic(chunks, seed=1)[1::50])
    index.close()
    out: dict[str, Any] = {"chunks": chunks, "between_generations": gate(full, a, embedder)}
    b = work / "drift-b"
    build(b, docs, embedder).close()
    out["unchanged_rebuild"] = gate(full, b, embedder)
    c = work / "drift-c"
    build(c, synthetic(chunks, skip="hi"), embedder).close()
    out["hindi_removed"] = gate(b, c, embedder)
    d = work / "drift-d"
    build(d, docs, NoisyEncoder(model)).close()
    out["noisy_encoder"] = gate(b, d, embedder)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chunks", type=int, default=50_000)
    ap.add_argument("--drift-chunks", type=int, default=10_000)
    ap.add_argument("--model", default="static-tiny")
    ap.add_argument("--out", type=Path, default=None, help="Keep the indexes here.")
    ap.add_argument("--only", choices=("rollback", "drift"), default=None)
    args = ap.parse_args(argv)
    embedder = Embedder(args.model)
    work = args.out or Path(tempfile.mkdtemp(prefix="lifecycle-harness-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        result = {"model": args.model, "cpus": os.cpu_count()}
        if args.only != "drift":
            result["rollback"] = measure_rollback(work, args.chunks, embedder)
        if args.only != "rollback":
            result["drift"] = measure_drift(work, args.drift_chunks, args.model, embedder)
        print(json.dumps(result, indent=1, ensure_ascii=False))
    finally:
        if args.out is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
