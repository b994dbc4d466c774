"""What runs on the Ray cluster: files → documents → chunks (tasks), texts → vectors (actors).

Every stage takes and returns a pyarrow table with one row per file, in discovery order
(`seq`), so a failed file travels to the driver as its report row instead of vanishing.
Loading reuses the local path as is (`load_files`: size limits, unchanged-file check, parsing
in isolated worker processes under `IngestLimits`, then PII), so a Ray ingest parses and
refuses exactly what a local one does. Documents and chunks travel as JSON (no pickles in
shards); vectors as raw float32 bytes with the cache keys the embedder used, which is how the
driver hands them to the index's own write path.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from chunkers import ChunkerConfig, TokenCounter, chunk_document, counter_from
from indexer.dense.documents import DocumentScoring, window_texts
from indexer.embedding.embedder import Embedder
from indexer.ingestion.limits import IngestLimits
from indexer.ingestion.pipeline import IngestReport, apply_pii, load_files
from loaders import Document

OUTPUT_COLUMNS = ("seq", "result", "documents", "chunks", "keys", "vectors", "dim")


def prepare(batch: pa.Table, settings: dict[str, Any]) -> pa.Table:
    """Load, PII-scan and chunk one batch of files (a Ray task); one row per file out.

    `settings`: limits (dict), pii (off|flag|redact), chunker and documents (the index
    manifest's), model (name or path, for its tokenizer)."""
    rows = batch.to_pylist()
    files = [(Path(r["path"]), Path(r["root"]) if r["root"] else None) for r in rows]
    indexed = {str(Path(r["path"]).resolve()): [tuple(x) for x in json.loads(r["indexed"])]
               for r in rows if r["indexed"] != "[]"}
    redact = settings["pii"] == "redact"
    report = IngestReport(pii_mode=settings["pii"])
    docs = load_files(files, report, limits=IngestLimits.from_dict(settings["limits"]),
                      indexed=indexed or None, redact=redact)
    if settings["pii"] != "off":
        apply_pii(docs, report, redact=redact)
    per_file = _group(docs, files)
    counter = _counter(settings["model"])
    chunker = ChunkerConfig.from_dict(settings["chunker"] or {})
    scoring = DocumentScoring.from_dict(settings["documents"]) if settings["documents"] \
        else None
    out: dict[str, list[Any]] = {"seq": [], "result": [], "documents": [], "chunks": [],
                                 "texts": []}
    for row, result, file_docs in zip(rows, report.files, per_file, strict=True):
        chunks = [chunk_document(d, chunker, counter) for d in file_docs]
        texts = [c.context_text for cs in chunks for c in cs]
        if scoring is not None:  # each document's lead window, as Index.add embeds it
            texts += window_texts([(d, cs) for d, cs in zip(file_docs, chunks, strict=True)
                                   if cs], counter, scoring, chunker)
        out["seq"].append(row["seq"])
        out["result"].append(json.dumps(result.__dict__, ensure_ascii=False))
        out["documents"].append(json.dumps([d.to_dict() for d in file_docs],
                                           ensure_ascii=False))
        out["chunks"].append(json.dumps([[c.to_dict() for c in cs] for cs in chunks],
                                        ensure_ascii=False))
        out["texts"].append(json.dumps(texts, ensure_ascii=False))
    return pa.table(out, schema=pa.schema([("seq", pa.int64()), ("result", pa.string()),
                                           ("documents", pa.string()), ("chunks", pa.string()),
                                           ("texts", pa.string())]))


def _group(docs: list[Document], files: list[tuple[Path, Path | None]]) -> list[list[Document]]:
    """Documents per file (a file's documents carry its resolved path as `source`; the
    loader returns them in file order)."""
    slot = {str(p.resolve()): i for i, (p, _) in enumerate(files)}
    out: list[list[Document]] = [[] for _ in files]
    current = 0
    for doc in docs:
        current = slot.get(doc.source or "", current)
        out[current].append(doc)
    return out


@lru_cache(maxsize=4)
def _counter(model: str) -> TokenCounter:
    """The model's token counter, as `Index.counter` makes it (once per worker process)."""
    from indexer import models

    path = models.resolve(model)
    tok = Path(path) / "tokenizer.json"
    return counter_from(tok if tok.is_file() else Embedder(model, cache=False).model.tokenizer)


class _Recorder:
    """An embedding "cache" that serves nothing and records what was encoded under which key,
    so the driver can hand the vectors to `Index.add` by the embedder's own keys."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.vectors: list[np.ndarray] = []

    def get_many(self, model: str, keys: list[str]) -> dict[str, np.ndarray]:
        return {}

    def put_many(self, model: str, keys: list[str], vectors: np.ndarray) -> None:
        self.keys.extend(keys)
        self.vectors.append(np.ascontiguousarray(vectors, dtype=np.float32))


class Encoder:
    """The model-holding class of the embedding actor pool (`map_batches`): loads the model
    once per actor (on its GPU when Ray gave it one) and embeds each batch's texts."""

    def __init__(self, model: str, checksum: str) -> None:
        self.recorder = _Recorder()
        self.embedder = Embedder(model, cache=self.recorder)  # type: ignore[arg-type]
        if self.embedder.checksum != checksum:
            raise RuntimeError(
                f"model {model!r} on this Ray node has checksum {self.embedder.checksum[:12]}, "
                f"the index was built with {checksum[:12]}: install the same model on every "
                "node (indexer models install)")

    def __call__(self, batch: pa.Table) -> pa.Table:
        texts_per_row = [json.loads(t) for t in batch.column("texts").to_pylist()]
        unique = list(dict.fromkeys(t for texts in texts_per_row for t in texts))
        self.recorder.keys, self.recorder.vectors = [], []
        if unique:  # a text repeated in the batch is encoded once
            self.embedder.embed_passages(unique)
        keys = self.recorder.keys
        vectors = np.concatenate(self.recorder.vectors) if self.recorder.vectors else \
            np.zeros((0, self.embedder.dim), np.float32)
        if len(keys) != len(unique):
            raise RuntimeError(f"embedded {len(keys)} of {len(unique)} texts")
        slot = {t: i for i, t in enumerate(unique)}
        out_keys, out_vecs = [], []
        for texts in texts_per_row:
            rows = [slot[t] for t in texts]
            out_keys.append(json.dumps([keys[i] for i in rows]))
            out_vecs.append(vectors[rows].tobytes())
        return batch.drop_columns(["texts"]).append_column(
            "keys", pa.array(out_keys, pa.string())).append_column(
            "vectors", pa.array(out_vecs, pa.binary())).append_column(
            "dim", pa.array([self.embedder.dim] * len(texts_per_row), pa.int32()))
