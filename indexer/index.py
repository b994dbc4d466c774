"""The hybrid index: documents in, hits out; a directory of immutable generations.

Readers hold a snapshot (store, FAISS, BM25 of one generation) and never see a half-written
one; a writer builds the next generation beside it and switches the manifest last.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import json
import shutil
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chunkers import (
    Chunk,
    ChunkerConfig,
    TokenCounter,
    chunk_document,
    counter_from,
)
from indexer import filters as filters_mod
from indexer.bm25 import BM25Index, TokenizerConfig
from indexer.defaults import DEFAULT_MODEL, MODES
from indexer.dense.config import DenseConfig
from indexer.dense.documents import DocumentScoring, combine, window_texts
from indexer.dense.feedback import Feedback
from indexer.dense.feedback import resolve as resolve_feedback
from indexer.dense.index import DenseIndex
from indexer.embedding.embedder import Embedder
from indexer.errors import IndexOpenError
from indexer.fusion import default_weights, fuse
from indexer.hits import Hit
from indexer.lifecycle import commit as lifecycle_commit
from indexer.lifecycle import holds
from indexer.storage.manifest import (
    file_checksums,
    fsync_dir,
    generation_dir,
    is_generation_dir,
    next_generation_name,
    read_manifest,
    safe_file,
)
from indexer.storage.store import Store
from loaders import Document

STORE_FILE, DENSE_FILE, BM25_DIR = "store.sqlite", "dense.faiss", "bm25"
DOCS_FILE = "documents.faiss"  # one vector per document (its lead window), by document key


@dataclass
class Snapshot:
    """Everything a reader needs from one committed generation."""

    manifest: dict[str, Any]
    gen: Path
    store: Store
    dense: DenseIndex
    bm25: BM25Index
    docs: DenseIndex | None = None  # document vectors (None: an index built without them)
    hold: int | None = None  # shared flock on `gen` (indexer.lifecycle.holds): retention
    # never deletes a generation a snapshot holds; released when the snapshot goes

    def __post_init__(self) -> None:
        self._release = weakref.finalize(self, holds.release, self.hold) \
            if self.hold is not None else None

    def release(self) -> None:
        """Let retention delete this generation (runs once; also when garbage-collected)."""
        if self._release is not None:
            self._release()

    @property
    def scoring(self) -> DocumentScoring | None:
        """How chunks are scored with their documents' vectors; None when they are not."""
        data = self.manifest.get("documents")
        return DocumentScoring.from_dict(data) if data and self.docs is not None else None


@dataclass
class Candidates:
    """Ranked (row ids, scores) per retriever for one query, before fusion; `evidence` holds
    the parts of a document-aware dense score (`chunk`, `document`) by row id."""

    snapshot: Snapshot
    lists: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    evidence: dict[str, dict[int, float]] = field(default_factory=dict)
    top_cosine: float | None = None  # the best chunk's own cosine (the answerability gate)
    query_vector: np.ndarray | None = None  # what dense searched with (before any feedback)
    allowed: np.ndarray | None = None  # the filter's row ids (None: unfiltered)
    documents: DocumentScoring | None = None  # a document-scoring override, if any


@dataclass
class AddReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    chunks_added: int = 0
    chunks_removed: int = 0
    embedded: int = 0
    seconds: float = 0.0
    generations: int = 0  # generations committed (an ingest commits one per batch)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def merge(self, part: AddReport) -> None:
        """Add one batch's (one commit's) report to a run's."""
        for name in ("added", "replaced", "unchanged", "deleted"):
            getattr(self, name).extend(getattr(part, name))
        for name in ("chunks_added", "chunks_removed", "embedded"):
            setattr(self, name, getattr(self, name) + getattr(part, name))
        self.seconds += part.seconds
        self.generations += part.generations


class Index:
    """A hybrid (BM25 + dense) index in one directory.

    >>> index = Index.open("my-index")
    >>> hits = index.search("how long to wash hands", k=5)
    """

    def __init__(self, root: Path, snapshot: Snapshot, embedder: Embedder) -> None:
        self.root = root
        self._snap = snapshot
        self.embedder = embedder
        self._write_lock = threading.Lock()
        self._counter: TokenCounter | None = None

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, model: str = DEFAULT_MODEL, *,
               embedder: Embedder | None = None, bm25_config: TokenizerConfig | None = None,
               chunker: ChunkerConfig | Mapping[str, Any] | None = None,
               dense: DenseConfig | None = None,
               documents: DocumentScoring | Mapping[str, Any] | bool | None = None,
               exist_ok: bool = False) -> Index:
        """Make an empty index; with `exist_ok`, open it if it exists (checking the model).

        `documents`: document-aware dense scoring (`DocumentScoring`, a dict of its settings,
        True for the defaults, False to index chunks alone)."""
        root = Path(path)
        if (root / "manifest.json").exists():
            if exist_ok:
                return cls.open(root, embedder=embedder)
            raise IndexOpenError(f"{root}: an index already exists here")
        if root.exists() and any(p.name not in (".lock",) and not is_generation_dir(p)
                                 for p in root.iterdir()):
            raise IndexOpenError(f"{root}: directory is not empty and holds no index")
        embedder = embedder or Embedder(model)
        root.mkdir(parents=True, exist_ok=True)
        with _file_lock(root):
            if (root / "manifest.json").exists():  # another process created it meanwhile
                raise IndexOpenError(f"{root}: an index already exists here")
            # A create killed before its manifest leaves only a lock file and generation
            # folders that nothing names: they hold no data a reader could have seen.
            for leftover in root.iterdir():
                if is_generation_dir(leftover):
                    shutil.rmtree(leftover)
            gen = root / next_generation_name(root)
            gen.mkdir()
            store = Store.create(gen / STORE_FILE)
            store.finish()
            dense_index = DenseIndex(embedder.dim, config=dense)
            dense_index.save(gen / DENSE_FILE)
            if not isinstance(chunker, ChunkerConfig):
                chunker = ChunkerConfig.from_dict(
                    {"prompt": embedder.prompts.get("passage", ""), **(chunker or {})})
            bm25 = BM25Index(bm25_config or TokenizerConfig()).build([], [])
            bm25.save(gen / BM25_DIR)
            scoring = _scoring(documents)
            if scoring is not None:
                DenseIndex(embedder.dim, config=dense).save(gen / DOCS_FILE)
            manifest = {
                "generation_dir": gen.name,
                "model": embedder.describe(),
                "dim": embedder.dim,
                "bm25": bm25.config.to_dict(),
                "chunker": chunker.to_dict(),
                "dense": dense_index.describe(),
                "documents": scoring.to_dict() if scoring is not None else None,
                "counts": {"documents": 0, "chunks": 0},
                "files": file_checksums(gen),
            }
            fsync_dir(gen)
            lifecycle_commit.write_card(gen, manifest, None, [], [])
            lifecycle_commit.commit(root, manifest, action={"op": "create"}, parent=None)
        return cls.open(root, embedder=embedder)

    @classmethod
    def open(cls, path: str | Path, *, embedder: Embedder | None = None,
             device: str | None = None, models_dir: str | Path | None = None) -> Index:
        """Open the current generation; a different model than the index was built with is
        refused, since its vectors would not be comparable."""
        root = Path(path)
        manifest = read_manifest(root)
        model = manifest["model"]
        if embedder is None:
            embedder = Embedder(model["name"], device=device, models_dir=models_dir)
        _check_model(root, manifest, embedder)
        return cls(root, _load_current(root, manifest), embedder)

    @classmethod
    def at(cls, path: str | Path, manifest: dict[str, Any], *,
           embedder: Embedder | None = None) -> Index:
        """A pinned read view of the generation `manifest` names: a kept, non-current one
        (indexer.lifecycle: drift reports between generations)."""
        root = Path(path)
        embedder = embedder or Embedder(manifest["model"]["name"])
        _check_model(root, manifest, embedder)
        return cls(root, _load_current(root, manifest, attempts=1), embedder).pinned()

    def refresh(self) -> bool:
        """Switch to the newest committed generation, if another writer made one."""
        manifest = read_manifest(self.root)
        if manifest["generation_dir"] == self._snap.manifest["generation_dir"]:
            return False
        self._snap = _load_current(self.root, manifest)
        return True

    def pinned(self) -> Index:
        """A read view fixed to the current generation: every search through it sees that
        generation, whatever commits meanwhile (a batch of queries, one response, one
        generation). Shares the embedder and the snapshot; cheap."""
        view = copy.copy(self)
        view._write_lock = threading.Lock()
        view.refresh = lambda: False  # type: ignore[method-assign]
        return view

    @property
    def generation(self) -> str:
        return self._snap.gen.name

    # -- reading -----------------------------------------------------------------------
    @property
    def manifest(self) -> dict[str, Any]:
        return self._snap.manifest

    def __len__(self) -> int:
        return len(self._snap.dense)

    def info(self) -> dict[str, Any]:
        snap = self._snap
        return {
            "path": str(self.root),
            "generation": snap.gen.name,
            "committed_at": snap.manifest.get("committed_at"),
            "documents": snap.store.count("documents"),
            "chunks": snap.store.count("chunks"),
            "vectors": len(snap.dense),
            "bm25_documents": snap.bm25.doc_count,
            "languages": snap.store.languages(),
            "model": {k: snap.manifest["model"].get(k) for k in ("name", "checksum", "dim")},
            "bm25": snap.manifest.get("bm25"),
            "dense": snap.manifest.get("dense"),
        }

    def search(self, query: str, k: int = 10, mode: str = "hybrid", *,
               filters: Mapping[str, Any] | None = None, rerank: Any = None,
               depth: int = 100, fusion: str = "adaptive",
               weights: Mapping[str, float] | None = None,
               query_vector: np.ndarray | None = None,
               timings: dict[str, float] | None = None,
               min_score: float | None = None,
               feedback: Feedback | Mapping[str, Any] | bool | None = True) -> list[Hit]:
        """Top-k hits for a query.

        `depth` candidates come from each retriever before fusion; `filters` restrict both
        retrievers before their top-k; `rerank` is a reranker name or object applied to the
        fused candidates. `query_vector` skips encoding (batch evaluation); `timings`, when
        given, receives seconds per stage (embed, bm25, dense, fuse, feedback, fetch, rerank).
        `min_score` is an answerability gate: when the best dense cosine similarity is below
        it, the index holds nothing relevant and the result is empty (dense/hybrid only).
        `feedback` (hybrid only; True: `DEFAULT_FEEDBACK`, None/False: off, or a `Feedback`)
        moves the query vector toward the fused top chunks and runs dense once more
        (indexer.dense.feedback); hits' dense scores are then the moved query's.
        """
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
        if min_score is not None and mode == "bm25":
            raise ValueError("min_score gates on dense similarity: use mode dense or hybrid")
        moved = resolve_feedback(feedback)
        snap = self._snap  # one consistent generation for the whole query
        if not query.strip() or k <= 0:
            return []
        depth = max(depth, k)
        clock = _Clock(timings)
        found = self._candidates(snap, query, depth, mode, filters, query_vector, clock)
        if min_score is not None and (found.top_cosine is None or found.top_cosine < min_score):
            return []
        lists = found.lists
        if mode == "hybrid":
            if fusion == "adaptive":  # the default: z-score, BM25 off across scripts
                weights = {**default_weights(query, lists["dense"][0], snap.store),
                           **(weights or {})}
                method = "zscore"
            else:
                method = fusion
            fused = fuse(method, lists, weights)
            clock.lap("fuse")
            if moved is not None and self._feedback(found, fused, moved, depth):
                clock.lap("feedback")
                fused = fuse(method, lists, weights)
        else:
            ids, sc = lists[mode]
            fused = [(int(i), float(s)) for i, s in zip(ids, sc, strict=True)]
        scores: dict[str, dict[int, float]] = {
            name: {int(i): float(s) for i, s in zip(ids, sc, strict=True)}
            for name, (ids, sc) in lists.items()}
        keep = depth if rerank is not None else k
        fused = fused[:keep]
        clock.lap("fuse")
        rows = snap.store.chunks_by_rowid([r for r, _ in fused])
        clock.lap("fetch")
        hits = []
        for rowid, score in fused:
            row = rows.get(rowid)
            if row is None:  # a vector whose chunk is gone: never show it
                continue
            per = {name: s[rowid] for name, s in scores.items() if rowid in s}
            per.update({name: s[rowid] for name, s in found.evidence.items() if rowid in s})
            per[mode if mode != "hybrid" else "fused"] = score
            hits.append(_hit(row, score, per))
        if rerank is not None:
            hits = self._rerank(query, hits, rerank)
            clock.lap("rerank")
        for rank, hit in enumerate(hits[:k], start=1):
            hit.rank = rank
        return hits[:k]

    def candidates(self, query: str, depth: int = 100, mode: str = "hybrid", *,
                   filters: Mapping[str, Any] | None = None,
                   query_vector: np.ndarray | None = None,
                   documents: DocumentScoring | None = None) -> Candidates:
        """Each retriever's ranked list before fusion (`search` = candidates → fuse → fetch
        → rerank), from one snapshot: what sweeps and tools need without private state.
        `documents` overrides the stored document-scoring weight and injection (an index
        built without document vectors ignores it)."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
        return self._candidates(self._snap, query, depth, mode, filters, query_vector,
                                _Clock(None), documents)

    def _candidates(self, snap: Snapshot, query: str, depth: int, mode: str,
                    filters: Mapping[str, Any] | None, query_vector: np.ndarray | None,
                    clock: _Clock, documents: DocumentScoring | None = None) -> Candidates:
        allowed = self._allowed(snap, filters)
        found = Candidates(snapshot=snap)
        if mode in ("hybrid", "bm25"):
            found.lists["bm25"] = snap.bm25.search(query, depth, allowed=allowed)
            clock.lap("bm25")
        if mode in ("hybrid", "dense"):
            qv = self.embedder.embed_query(query) if query_vector is None else query_vector
            clock.lap("embed")
            found.query_vector = np.asarray(qv, dtype=np.float32).reshape(-1)
            found.allowed = allowed
            found.documents = documents
            found.top_cosine = self._dense(found, found.query_vector, depth)
            clock.lap("dense")
        return found

    @staticmethod
    def _dense(found: Candidates, qv: np.ndarray, depth: int) -> float | None:
        """The dense list (document-aware when the index stores document vectors) of one
        query vector, into `found`; run again by feedback with the moved vector. Returns
        the best chunk's own cosine."""
        snap, allowed = found.snapshot, found.allowed
        ids, sc = snap.dense.search(qv, depth, allowed=allowed)
        top = float(sc[0]) if len(sc) else None
        scoring = snap.scoring
        if scoring is not None and found.documents is not None:
            scoring = found.documents
        found.evidence.clear()
        if scoring is not None and scoring.weight > 0 and len(ids):
            ids, sc = _document_aware(snap, scoring, qv, ids, sc, depth, allowed,
                                      found.evidence)
        found.lists["dense"] = (ids, sc)
        return top

    def _feedback(self, found: Candidates, fused: list[tuple[int, float]],
                  feedback: Feedback, depth: int) -> bool:
        """Dense retrieval again with the query moved toward the fused top chunks
        (indexer.dense.feedback); False when there is nothing to seed it."""
        top = [rowid for rowid, _ in fused[:feedback.k]]
        if not top or found.query_vector is None:
            return False
        seeds = _vectors(found.snapshot.dense, top)
        self._dense(found, feedback.expand(found.query_vector, seeds), depth)
        return True

    def _allowed(self, snap: Snapshot, filters: Mapping[str, Any] | None) -> np.ndarray | None:
        clause = filters_mod.to_sql(filters)
        if clause is None:
            return None
        return np.asarray(snap.store.filter_rowids(*clause), dtype=np.int64)

    def _rerank(self, query: str, hits: list[Hit], rerank: Any) -> list[Hit]:
        from indexer.reranking.glue import rerank_hits

        return rerank_hits(query, hits, rerank, embed=self.embedder.embed_passages)

    # -- writing -----------------------------------------------------------------------
    def add(self, documents: Iterable[Document], *, chunk: Callable[[Document], list[Chunk]]
            | None = None, progress: bool = False) -> AddReport:
        """Upsert documents by id and checksum: unchanged ones are skipped (no embedding, no
        BM25 change), changed ones replaced, new ones added; one new generation in all."""
        chunk = chunk or self.chunk
        report = AddReport()
        started = time.perf_counter()
        with self._writing() as (snap, txn):
            known = snap.store.document_checksums()
            batch: list[tuple[Document, list[Chunk]]] = []
            for doc in documents:
                if known.get(doc.id) == doc.checksum:
                    report.unchanged.append(doc.id)
                    continue
                (report.replaced if doc.id in known else report.added).append(doc.id)
                batch.append((doc, chunk(doc)))
            if batch:
                txn.upsert(batch, progress=progress, report=report)
                report.generations = 1
        report.seconds = time.perf_counter() - started
        return report

    def delete(self, doc_ids: Iterable[str]) -> AddReport:
        """Remove documents (and their chunks, vectors and BM25 entries) by id."""
        report = AddReport()
        started = time.perf_counter()
        with self._writing() as (snap, txn):
            present = snap.store.document_checksums()
            gone = [d for d in doc_ids if d in present]
            if gone:
                txn.delete(gone, report)
                report.generations = 1
        report.seconds = time.perf_counter() - started
        return report

    def chunk(self, doc: Document) -> list[Chunk]:
        """Chunk a document as this index does: its stored chunker settings, its model's
        tokenizer for the budget."""
        return chunk_document(doc, self._snap.manifest.get("chunker") or None, self.counter())

    def counter(self) -> TokenCounter:
        """The model's token counter (chunk budgets, document windows), made on first use."""
        if self._counter is None:
            tok = Path(self.embedder.path) / "tokenizer.json"
            self._counter = counter_from(tok if tok.is_file() else self.embedder.model.tokenizer)
        return self._counter

    def documents_by_source(self) -> dict[str, list[tuple[str, str]]]:
        """Source path → [(document id, checksum)]: what ingest needs to skip unchanged files."""
        out: dict[str, list[tuple[str, str]]] = {}
        for doc_id, source, checksum in self._snap.store.document_rows():
            out.setdefault(source or "", []).append((doc_id, checksum))
        return out

    def documents(self) -> dict[str, str]:
        """document id → source path, for pruning files that disappeared."""
        return {doc_id: source for doc_id, source, _ in self._snap.store.document_rows()}

    @contextmanager
    def _writing(self):  # noqa: ANN202
        with self._write_lock, _file_lock(self.root):
            self.refresh()
            txn = _Transaction(self.root, self._snap, self.embedder, self.counter)
            try:
                yield self._snap, txn
            except BaseException:
                txn.abort()
                raise
            if txn.changed:
                self._snap = txn.commit()
            else:
                txn.abort()

    def close(self) -> None:
        self._snap.store.close()
        self._snap.release()


class _Transaction:
    """Builds the next generation in a fresh directory; commit switches the manifest."""

    def __init__(self, root: Path, snap: Snapshot, embedder: Embedder,
                 counter: Callable[[], TokenCounter]) -> None:
        self.root, self.base, self.embedder = root, snap, embedder
        self._counter = counter
        lifecycle_commit.before_write(root, snap.manifest)
        self.gen = root / lifecycle_commit.next_generation(root, next_generation_name(root))
        self.gen.mkdir()
        self.store = Store.copy_of(snap.store, self.gen / STORE_FILE)
        self.dense = DenseIndex.load(snap.gen / DENSE_FILE, snap.manifest["dim"])
        self.bm25 = BM25Index.load(snap.gen / BM25_DIR)
        self.docs = DenseIndex.load(snap.gen / DOCS_FILE, snap.manifest["dim"]) \
            if snap.docs is not None else None
        self.changed = False
        self.upserted: list[str] = []  # document ids written or removed: the card's PII
        self.removed: list[str] = []  # summary is rescanned for these only
        self.report: AddReport | None = None

    def upsert(self, batch: Sequence[tuple[Document, list[Chunk]]], *, progress: bool,
               report: AddReport) -> None:
        stale: list[int] = []
        self._make_room()
        self.report = report
        self.upserted += [doc.id for doc, _ in batch]
        for doc, _ in batch:
            removed = self.store.delete_document(doc.id)
            stale.extend(removed)
            report.chunks_removed += len(removed)
        self._remove(stale)
        chunks = [c for _, cs in batch for c in cs]
        before = self.embedder.computed
        vectors = self.embedder.embed_passages([c.context_text for c in chunks]) if chunks \
            else np.zeros((0, self.dense.dim), np.float32)
        report.embedded += self.embedder.computed - before
        rowids: list[int] = []
        keys: list[int] = []  # each document's first chunk row id: its vector's id
        next_id = self.store.next_rowid()
        for doc, cs in batch:
            rowids += self.store.put_document(doc, cs, next_id)
            if cs:
                keys.append(next_id)
            next_id += len(cs)
        ids = np.asarray(rowids, dtype=np.int64)
        if self.docs is not None and keys:
            windows = self.windows(batch)
            before = self.embedder.computed
            self.docs.add(np.asarray(keys, dtype=np.int64), self.embedder.embed_passages(windows))
            report.embedded += self.embedder.computed - before
        if len(ids):
            self.dense.add(ids, vectors)
            self.bm25.upsert([c.context_text for c in chunks], ids.tolist(),
                             [c.language for c in chunks])
        report.chunks_added += len(chunks)
        self.changed = True

    @property
    def counter(self) -> TokenCounter:
        return self._counter()

    def _make_room(self) -> None:
        if not self.changed:  # the first change of this write
            lifecycle_commit.make_room(self.root, self.base.manifest, self.gen.name)

    def windows(self, batch: Sequence[tuple[Document, list[Chunk]]]) -> list[str]:
        """The lead window of each document that has chunks, as its vector is made from."""
        scoring = DocumentScoring.from_dict(self.base.manifest["documents"])
        chunker = ChunkerConfig.from_dict(self.base.manifest.get("chunker") or {})
        return window_texts([(doc, cs) for doc, cs in batch if cs], self.counter, scoring,
                            chunker)

    def delete(self, doc_ids: Sequence[str], report: AddReport) -> None:
        stale: list[int] = []
        self._make_room()
        self.report = report
        self.removed += list(doc_ids)
        for doc_id in doc_ids:
            removed = self.store.delete_document(doc_id)
            stale.extend(removed)
            report.deleted.append(doc_id)
            report.chunks_removed += len(removed)
        self._remove(stale)
        self.changed = True

    def _remove(self, rowids: list[int]) -> None:
        if rowids:
            ids = np.asarray(rowids, dtype=np.int64)
            self.dense.remove(ids)
            self.bm25.delete(ids.tolist())
            if self.docs is not None:  # a document's vector id is one of its chunks' ids
                self.docs.remove(ids)

    def commit(self) -> Snapshot:
        docs, chunks = self.store.count("documents"), self.store.count("chunks")
        if len(self.dense) != chunks or self.bm25.doc_count != chunks:
            self.abort()
            raise IndexOpenError(f"{self.root}: inconsistent write (chunks={chunks}, vectors="
                              f"{len(self.dense)}, bm25={self.bm25.doc_count}); not committed")
        if self.docs is not None and len(self.docs) != self.store.documents_with_chunks():
            self.abort()
            raise IndexOpenError(f"{self.root}: inconsistent write ({len(self.docs)} document "
                              "vectors for the documents that have chunks); not committed")
        self.store.finish()
        self.dense.save(self.gen / DENSE_FILE)
        self.bm25.save(self.gen / BM25_DIR)
        if self.docs is not None:
            self.docs.save(self.gen / DOCS_FILE)
        fsync_dir(self.gen)
        manifest = {**self.base.manifest, "generation_dir": self.gen.name,
                    "counts": {"documents": docs, "chunks": chunks},
                    "dense": self.dense.describe(),
                    "files": file_checksums(self.gen)}
        for key in ("committed_at", "format", "format_version", *lifecycle_commit.PER_COMMIT):
            manifest.pop(key, None)
        lifecycle_commit.write_card(self.gen, manifest, self.base.gen, self.upserted,
                                    self.removed)
        lifecycle_commit.commit(self.root, manifest, action=lifecycle_commit.action_of(
            self.report), parent=self.base.gen.name)
        return _load_current(self.root, read_manifest(self.root))

    def abort(self) -> None:
        with contextlib.suppress(Exception):  # already closed
            self.store.close()
        shutil.rmtree(self.gen, ignore_errors=True)


class _Clock:
    """Accumulates seconds per stage into a caller's dict; free when no dict is given."""

    def __init__(self, sink: dict[str, float] | None) -> None:
        self.sink = sink
        self.last = time.perf_counter() if sink is not None else 0.0

    def lap(self, stage: str) -> None:
        if self.sink is not None:
            now = time.perf_counter()
            self.sink[stage] = self.sink.get(stage, 0.0) + now - self.last
            self.last = now


def _scoring(documents: DocumentScoring | Mapping[str, Any] | bool | None
             ) -> DocumentScoring | None:
    if documents is None or documents is True:
        return DocumentScoring()
    if documents is False:
        return None
    if isinstance(documents, DocumentScoring):
        return documents
    return DocumentScoring.from_dict(documents)


def _document_aware(snap: Snapshot, scoring: DocumentScoring, qv: np.ndarray,
                    ids: np.ndarray, sc: np.ndarray, depth: int, allowed: np.ndarray | None,
                    evidence: dict[str, dict[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Chunk candidates rescored with their documents' vectors (see indexer.dense.documents);
    unfiltered searches also bring in the chunks of the best-matching documents."""
    assert snap.docs is not None
    q = np.asarray(qv, dtype=np.float32).reshape(-1)
    own = {int(i): float(s) for i, s in zip(ids, sc, strict=True)}
    doc_scores: dict[int, float] = {}
    if allowed is None and scoring.inject > 0 and len(snap.docs):
        d_ids, d_sc = snap.docs.search(q, scoring.inject)
        doc_scores = {int(i): float(s) for i, s in zip(d_ids, d_sc, strict=True)}
        members = snap.store.chunks_of_documents(list(doc_scores))
        new = [r for rs in members.values() for r in rs if r not in own]
        if new:
            own.update(zip(new, (_vectors(snap.dense, new) @ q).tolist(), strict=True))
    doc_of = snap.store.document_keys(list(own))
    missing = sorted({d for d in doc_of.values() if d not in doc_scores})
    if missing:
        doc_scores.update(zip(missing, (_vectors(snap.docs, missing) @ q).tolist(),
                              strict=True))
    out_ids, out_sc = combine(own, doc_of, doc_scores, scoring.weight, depth)
    evidence["chunk"] = {int(r): own[int(r)] for r in out_ids}
    evidence["document"] = {int(r): doc_scores[doc_of[int(r)]] for r in out_ids
                            if int(r) in doc_of and doc_of[int(r)] in doc_scores}
    return out_ids, out_sc


def _vectors(dense: DenseIndex, ids: Sequence[int]) -> np.ndarray:
    """Stored vectors of `ids`; an id with none (a damaged or foreign index) scores -1."""
    try:
        return dense.vectors(np.asarray(ids, dtype=np.int64))
    except KeyError:
        out = np.zeros((len(ids), dense.dim), np.float32)
        for i, rowid in enumerate(ids):
            with contextlib.suppress(KeyError):
                out[i] = dense.vectors(np.asarray([rowid], dtype=np.int64))[0]
        return out


def _hit(row: Mapping[str, Any], score: float, per: dict[str, float]) -> Hit:
    return Hit(chunk_id=row["chunk_id"], doc_id=row["doc_id"], score=float(score),
               text=row["text"], source=row["source"], page=row["page_start"],
               lang=row["language"], section=row["section"], scores=per,
               metadata=row["metadata"])


def _check_model(root: Path, manifest: Mapping[str, Any], embedder: Embedder) -> None:
    model = manifest["model"]
    if model.get("checksum") != embedder.checksum:
        raise IndexOpenError(
            f"{root}: index was built with model {model.get('name')!r} (checksum "
            f"{str(model.get('checksum'))[:12]}), not {embedder.model_name!r} (checksum "
            f"{embedder.checksum[:12]}); rebuild the index or open it with its own model")
    if int(manifest["dim"]) != embedder.dim:
        raise IndexOpenError(f"{root}: index dimension {manifest['dim']} != model dimension "
                          f"{embedder.dim}")


def _load_current(root: Path, manifest: dict[str, Any], attempts: int = 5) -> Snapshot:
    """Load the generation the manifest names; if a writer replaced it meanwhile (its files
    vanish under us), re-read the manifest and load the newer one instead."""
    for _ in range(attempts - 1):
        try:
            return _load_snapshot(root, manifest)
        except IndexOpenError:
            newer = read_manifest(root)
            if newer.get("generation_dir") == manifest.get("generation_dir"):
                raise
            manifest = newer
    return _load_snapshot(root, manifest)


def _load_snapshot(root: Path, manifest: dict[str, Any]) -> Snapshot:
    gen = generation_dir(root, manifest)
    try:
        hold = holds.hold(gen)
    except OSError as exc:
        raise IndexOpenError(f"{gen}: cannot open the generation ({exc})") from None
    try:
        return _load_held(root, manifest, gen, hold)
    except BaseException:
        holds.release(hold)
        raise


def _load_held(root: Path, manifest: dict[str, Any], gen: Path, hold: int) -> Snapshot:
    try:
        store = Store.open_readonly(safe_file(gen, STORE_FILE))
        dense = DenseIndex.load(safe_file(gen, DENSE_FILE), int(manifest["dim"]))
        bm25 = BM25Index.load(safe_file(gen, BM25_DIR))
        docs = DenseIndex.load(safe_file(gen, DOCS_FILE), int(manifest["dim"])) \
            if manifest.get("documents") else None
    except (ValueError, FileNotFoundError, KeyError, TypeError) as exc:
        raise IndexOpenError(f"{gen}: cannot open index files ({exc})") from None
    if bm25.config.to_dict() != manifest.get("bm25"):
        raise IndexOpenError(f"{root}: BM25 tokenizer settings differ from the manifest")
    counts = manifest.get("counts", {})
    stored = store.counts()
    if stored != {k: counts.get(k) for k in ("documents", "chunks")}:
        raise IndexOpenError(f"{gen}: the chunk database holds {stored['documents']} documents "
                          f"and {stored['chunks']} chunks, the manifest says {counts}")
    if len(dense) != counts.get("chunks") or bm25.doc_count != counts.get("chunks"):
        raise IndexOpenError(f"{gen}: {len(dense)} vectors and {bm25.doc_count} BM25 documents "
                          f"for {counts.get('chunks')} chunks in the manifest")
    if docs is not None and len(docs) > counts.get("documents", 0):
        raise IndexOpenError(f"{gen}: {len(docs)} document vectors for {counts.get('documents')} "
                          "documents in the manifest")
    return Snapshot(manifest, gen, store, dense, bm25, docs, hold)


@contextmanager
def _file_lock(root: Path):  # noqa: ANN202
    """One writer at a time across processes (rollback and retention take it too)."""
    with (root / ".lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def dumps_hits(hits: Sequence[Hit]) -> str:
    return json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2)


writer_lock = _file_lock  # public: indexer.lifecycle's rollback and retention take it
