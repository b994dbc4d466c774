"""Is a Ray-built index the local one? Chunk ids, counts, and vector cosines, side by side.

`compare` reads two committed indexes (their store, chunk and document vectors) and says
where they differ; `python -m indexer.harness.ray_compare` is the harness command that
ingests one corpus both ways, times both and prints the comparison (issue 17: equality and
overhead, not speed-up, on a small machine).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from indexer.dense.index import DenseIndex
from indexer.index import DENSE_FILE, DOCS_FILE, STORE_FILE
from indexer.storage.manifest import read_manifest


def compare(local: str | Path, other: str | Path) -> dict[str, Any]:
    """Chunk ids (in row order), document ids, counts and per-chunk / per-document cosine of
    two indexes built from the same files."""
    a, b = _read(Path(local)), _read(Path(other))
    out: dict[str, Any] = {
        "counts": {"local": a["counts"], "other": b["counts"]},
        "same_counts": a["counts"] == b["counts"],
        "same_chunk_ids": sorted(a["chunks"]) == sorted(b["chunks"]),
        "same_chunk_order": list(a["chunks"]) == list(b["chunks"]),
        "same_document_ids": sorted(a["docs"]) == sorted(b["docs"]),
    }
    shared = [c for c in a["chunks"] if c in b["chunks"]]
    out["min_chunk_cosine"] = _min_cosine(a, b, "chunks", "dense", shared)
    shared_docs = [d for d in a["docs"] if d in b["docs"]]
    out["min_document_cosine"] = _min_cosine(a, b, "docs", "doc_vectors", shared_docs) \
        if a["doc_vectors"] is not None and b["doc_vectors"] is not None else None
    return out


def _read(root: Path) -> dict[str, Any]:
    manifest = read_manifest(root)
    gen = root / manifest["generation_dir"]
    dim = int(manifest["dim"])
    db = sqlite3.connect(f"file:{gen / STORE_FILE}?mode=ro", uri=True)
    try:
        chunks = dict(db.execute("SELECT id, rowid FROM chunks ORDER BY rowid").fetchall())
        # a document's vector is keyed by its first chunk's row id
        docs = dict(db.execute("SELECT doc_id, MIN(rowid) FROM chunks GROUP BY doc_id "
                               "ORDER BY MIN(rowid)").fetchall())
        counts = {"documents": db.execute("SELECT COUNT(*) FROM documents").fetchone()[0],
                  "chunks": len(chunks)}
    finally:
        db.close()
    dense = DenseIndex.load(gen / DENSE_FILE, dim)
    doc_vectors = DenseIndex.load(gen / DOCS_FILE, dim) if (gen / DOCS_FILE).exists() \
        else None
    counts["vectors"] = len(dense)
    counts["document_vectors"] = len(doc_vectors) if doc_vectors is not None else 0
    return {"chunks": chunks, "docs": docs, "counts": counts, "dense": dense,
            "doc_vectors": doc_vectors}


def _min_cosine(a: dict[str, Any], b: dict[str, Any], ids: str, vectors: str,
                keys: list[str]) -> float | None:
    if not keys:
        return None
    va = a[vectors].vectors(np.asarray([a[ids][k] for k in keys], dtype=np.int64))
    vb = b[vectors].vectors(np.asarray([b[ids][k] for k in keys], dtype=np.int64))
    cos = np.sum(va * vb, axis=1) / (np.linalg.norm(va, axis=1) * np.linalg.norm(vb, axis=1))
    return float(cos.min())


def write_beir_as_files(dataset: Path, out: Path, limit: int | None = None) -> int:
    """A BEIR `corpus.jsonl` written out as one markdown file per document (title as the
    heading), so that it goes through the real file loaders."""
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    with (dataset / "corpus.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if limit is not None and n >= limit:
                break
            row = json.loads(line)
            name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in row["_id"])
            title = (row.get("title") or "").strip()
            text = (f"# {title}\n\n" if title else "") + row["text"].strip() + "\n"
            (out / f"{name}.md").write_text(text, encoding="utf-8")
            n += 1
    return n


def run(corpus: Path, work: Path, model: str) -> dict[str, Any]:
    """Ingest `corpus` locally and on Ray (a private local Ray), each with a cold
    embedding cache; time both; compare."""
    import os

    from indexer.ingestion.pipeline import ingest
    from indexer.ingestion.ray_engine import ingest_ray

    out: dict[str, Any] = {"corpus": str(corpus)}
    for engine in ("local", "ray"):
        os.environ["INDEXER_CACHE_DIR"] = str(work / f"cache-{engine}")  # nothing reused
        started = time.perf_counter()
        if engine == "local":
            report = ingest([corpus], work / engine, model=model)
        else:
            report = ingest_ray([corpus], work / engine, model=model)
        out[engine] = {"seconds": round(time.perf_counter() - started, 1),
                       "files_loaded": report.count("loaded"),
                       "failed": report.count("failed"),
                       "chunks": report.index.chunks_added,
                       "embedded": report.index.embedded}
        if engine == "ray":
            out[engine]["ray"] = report.ray
    out["comparison"] = compare(work / "local", work / "ray")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a folder of files, or a BEIR dataset "
                        "folder (its corpus.jsonl is written out as files)")
    parser.add_argument("--limit", type=int, default=None, help="BEIR: first N documents")
    parser.add_argument("--model", default="multilingual-e5-small")
    parser.add_argument("--work", type=Path, default=None, help="keep the indexes here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ray-compare-") as tmp:
        work = args.work or Path(tmp)
        corpus = args.corpus
        if (corpus / "corpus.jsonl").is_file():
            files = work / "files"
            count = write_beir_as_files(corpus, files, args.limit)
            print(f"wrote {count} documents of {corpus} as files", file=sys.stderr)
            corpus = files
        result = run(corpus, work, args.model)
    print(json.dumps(result, indent=2))
    c = result["comparison"]
    ok = c["same_chunk_ids"] and c["same_counts"] and (c["min_chunk_cosine"] or 0) >= 0.9999
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
