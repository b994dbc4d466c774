"""`indexer ingest --engine ray`: the same ingest, its heavy stages on a Ray Data cluster.

Files are read and parsed by Ray tasks (`ray_stages.prepare`: the local loader, isolation and
limits included), chunked there, embedded by an actor pool (`ray_stages.Encoder`), and written
as parquet shards on the driver's node. The driver is the one reducer: it reads the shards in
discovery order and feeds their documents, chunks and vectors through `Index.add`, the write
path a local ingest uses, so the generation (FAISS merged, BM25 with global statistics, the
SQLite store, the manifest) is built and committed atomically exactly as locally, every
`commit_every` documents. The vectors reach `Index.add` through its embedder's cache
(`ray_shards.ShardVectors`), keyed as the embedder keys them: the driver embeds nothing.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chunkers import Chunk
from indexer.embedding.cache import EmbeddingCache
from indexer.embedding.embedder import Embedder
from indexer.index import Index
from indexer.ingestion import pii as pii_mod
from indexer.ingestion.limits import IngestLimits
from indexer.ingestion.pipeline import (
    COMMIT_EVERY,
    IngestError,
    IngestReport,
    discover_files,
    prune_missing,
)
from indexer.ingestion.ray_cluster import ActorPlan, connected, plan_actors, require_ray
from indexer.storage.manifest import MANIFEST
from loaders import Document

if TYPE_CHECKING:  # the shard and stage modules need pyarrow, which comes with Ray
    from indexer.ingestion.ray_shards import ShardVectors

FILES_PER_TASK = 16  # files one read task loads (one isolated worker pool per task)
FILES_PER_EMBED_BATCH = 16  # files whose texts one actor call embeds
SHARDS_DIR = ".ray-shards"
ACTOR_MEMORY = 2 * 1024 ** 3  # bytes an embedding actor reserves (1.6 GiB seen on mediqa)


@dataclass
class RayIngestReport(IngestReport):
    """An ingest report plus what the cluster did."""

    ray: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "engine": "ray", "ray": self.ray}


def ingest_ray(paths: Iterable[str | Path], index_dir: str | Path, *,
               model: str = "multilingual-e5-small", prune: bool = False,
               progress: bool = False, limits: IngestLimits | None = None, pii: str = "flag",
               commit_every: int = COMMIT_EVERY, address: str | None = None
               ) -> RayIngestReport:
    """`pipeline.ingest` on Ray: same arguments, same report, same index (`address`: a
    running cluster; None: the Ray this process joined, else a private local one)."""
    if pii not in pii_mod.MODES:
        raise ValueError(f"unknown PII mode {pii!r}: use one of {', '.join(pii_mod.MODES)}")
    if commit_every < 1:
        raise ValueError("commit_every must be >= 1")
    require_ray()  # before anything is read or created: a clear error naming the extra
    from indexer.ingestion.ray_shards import ShardVectors

    started = time.perf_counter()
    limits = limits or IngestLimits()
    report = RayIngestReport(pii_mode=pii)
    files = discover_files(paths)
    root = Path(index_dir)
    new_index = not (root / MANIFEST).exists()
    existed = root.exists()
    vectors = ShardVectors(EmbeddingCache())
    index = Index.create(root, model, exist_ok=True, embedder=Embedder(model, cache=vectors))
    empty = index.generation
    shards = root / SHARDS_DIR / uuid.uuid4().hex
    try:
        with connected(address) as ray:
            plan = plan_actors(ray.cluster_resources())
            ray_started = time.perf_counter()
            _run_cluster(ray, files, index, shards, limits, pii, plan, progress)
            report.ray = {"plan": plan.to_dict(), "cluster_seconds":
                          round(time.perf_counter() - ray_started, 3),
                          "address": address or "local"}
        loaded_any, seen = _reduce(index, shards, vectors, report, commit_every,
                                   [str(p) for p, _ in files])
    except BaseException:
        if new_index and index.generation == empty:  # nothing committed into the new index
            index.close()
            _remove_new_index(root, keep_dir=existed)
        raise
    finally:
        shutil.rmtree(shards, ignore_errors=True)
        with contextlib.suppress(OSError):  # another run's shards may still be there
            (root / SHARDS_DIR).rmdir()
    unchanged = [i for f in report.files if f.status == "unchanged" for i in f.doc_ids]
    if not loaded_any and not unchanged:
        if new_index:  # nothing was ingested: leave no empty index behind
            index.close()
            _remove_new_index(root, keep_dir=existed)
        reasons = "; ".join(f"{f.path}: {f.reason}" for f in report.files[:5])
        raise IngestError(f"no document could be loaded ({reasons})")
    report.index.unchanged = sorted({*report.index.unchanged, *unchanged})
    if prune:
        prune_missing(index, seen | set(unchanged), report.index)
    report.seconds = time.perf_counter() - started
    return report


def _run_cluster(ray: Any, files: list[tuple[Path, Path | None]], index: Index, shards: Path,
                 limits: IngestLimits, pii: str, plan: ActorPlan, progress: bool) -> None:
    """Load → chunk (tasks) → embed (actor pool) → parquet shards on this node."""
    from indexer.ingestion.ray_stages import Encoder, prepare

    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True  # shards in discovery order
    ctx.enable_progress_bars = progress
    ctx.print_on_execution_start = False
    manifest = index.manifest
    indexed = index.documents_by_source()
    # absolute paths: a task on another node has another working directory
    rows = [{"seq": i, "path": str(p.absolute()),
             "root": str(r.absolute()) if r is not None else None,
             "indexed": json.dumps([list(x) for x in indexed.get(str(p.resolve()), [])])}
            for i, (p, r) in enumerate(files)]
    settings = {"limits": limits.to_dict(), "pii": pii, "chunker": manifest.get("chunker"),
                "documents": manifest.get("documents"), "model": manifest["model"]["name"]}
    ds = ray.data.from_items(rows, override_num_blocks=max(1, -(-len(rows) // FILES_PER_TASK)))
    ds = ds.map_batches(prepare, batch_size=FILES_PER_TASK, batch_format="pyarrow",
                        fn_kwargs={"settings": settings}, num_cpus=plan.task_cpus)
    # Each actor reserves the memory its model needs; that also keeps Ray Data from fusing
    # the read tasks into the actors (it fuses stages whose remote arguments agree), so
    # files are parsed by tasks and the actors only embed.
    ds = ds.map_batches(Encoder, batch_size=FILES_PER_EMBED_BATCH, batch_format="pyarrow",
                        fn_constructor_kwargs={"model": manifest["model"]["name"],
                                               "checksum": manifest["model"]["checksum"]},
                        compute=ray.data.ActorPoolStrategy(min_size=plan.min_actors,
                                                           max_size=plan.max_actors),
                        num_cpus=plan.num_cpus, num_gpus=plan.num_gpus or None,
                        memory=ACTOR_MEMORY)
    shards.mkdir(parents=True)
    try:
        ds.write_parquet(f"local://{shards.resolve()}",
                         ray_remote_args={"num_cpus": plan.task_cpus})
    except ray.exceptions.RayError as exc:  # a stage failed on the cluster, not one file
        text = str(exc).strip()
        raise IngestError("the Ray pipeline failed, nothing of this run was committed: "
                          + (text if len(text) < 2000 else text[:1000] + " … " + text[-900:])
                          ) from exc


def _reduce(index: Index, shards: Path, vectors: ShardVectors, report: RayIngestReport,
            commit_every: int, given: list[str]) -> tuple[bool, set[str]]:
    """Commit the shards' documents through `Index.add`, a generation per `commit_every`;
    file results keep the paths as the user gave them (`given`, by `seq`)."""
    from indexer.ingestion.ray_shards import read_shards

    seen: set[str] = set()
    pending: list[Document] = []
    chunks: dict[str, list[Chunk]] = {}
    checksum = index.embedder.checksum
    loaded_any = False
    encoded = 0

    def commit() -> None:
        nonlocal pending
        if pending:
            report.index.merge(index.add(pending, chunk=lambda d: chunks[d.id]))
        pending = []
        chunks.clear()
        vectors.clear()

    for row in read_shards(shards):
        row.result.path = given[row.seq]
        report.files.append(row.result)
        ids = [d.id for d in row.documents]
        dupes = {i for i in ids if ids.count(i) > 1} | (seen & set(ids))
        if dupes:
            raise IngestError(f"two files map to the same document id(s) "
                              f"{sorted(dupes)[:5]}: ingest them from one root folder")
        seen.update(ids)
        if row.vectors is not None and len(row.keys):
            vectors.offer(checksum, row.keys, row.vectors)
            encoded += len(row.keys)
        for doc, cs in zip(row.documents, row.chunks, strict=True):
            loaded_any = True
            pending.append(doc)
            chunks[doc.id] = cs
        if len(pending) >= commit_every:
            commit()
    commit()
    report.ray["vectors_from_cluster"] = encoded  # per text (repeats encoded once a batch)
    report.ray["embedded_on_driver"] = report.index.embedded
    report.index.embedded += encoded
    return loaded_any, seen


def _remove_new_index(root: Path, keep_dir: bool) -> None:
    """Undo the empty index this run created (the folder too, unless it was there before,
    empty: `Index.create` refuses a folder that holds anything else)."""
    if not keep_dir:
        shutil.rmtree(root, ignore_errors=True)
        return
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
