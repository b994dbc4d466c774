"""`indexer bench`: run retrieval systems over benchmark datasets and hand the runs to
`benchmarks` for metrics, significance, reports and gates.

This is the indexer's half of the harness: it builds (or reuses) an index per dataset, runs
each system over the queries, and times the stages. Everything that judges the runs lives in
`benchmarks/`, which imports nothing of the project.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import benchmarks
from indexer.defaults import DEFAULT_MODEL
from indexer.embedding.embedder import Embedder
from indexer.errors import IndexOpenError
from indexer.fusion import METHODS
from indexer.harness import baseline
from indexer.hits import Hit
from indexer.index import Index
from loaders import Block, BlockKind, Document

FUSIONS = ("adaptive", *METHODS)  # "adaptive": the default (z-score, BM25 off across scripts)
BASELINES = baseline.SYSTEMS
CONVENTIONS = {
    "all": "mean over every judged query; a query none of whose judged documents is "
           "relevant scores 0 (trec_eval's convention)",
    "judged-only": "mean over the queries with at least one relevant document",
}


@dataclass(frozen=True)
class SystemSpec:
    """`mode[:fusion][+rerank:NAME]`, e.g. `bm25`, `hybrid:rrf`, `hybrid+rerank:mmr`."""

    name: str
    mode: str
    fusion: str = "adaptive"
    rerank: str | None = None

    @property
    def first_stage(self) -> str | None:
        return self.name.split("+rerank:")[0] if self.rerank else None

    @property
    def baseline(self) -> bool:
        """A whole-document "afternoon" system (indexer.harness.baseline), not the index."""
        return self.mode in BASELINES

    @classmethod
    def parse(cls, text: str) -> SystemSpec:
        text = text.strip()
        if text in BASELINES:
            return cls(text, text, "", None)
        base, _, rerank = text.partition("+rerank:")
        mode, _, fusion = base.partition(":")
        if mode not in ("bm25", "dense", "hybrid"):
            raise ValueError(f"unknown system {text!r}: the mode must be bm25, dense or "
                             f"hybrid, or a baseline ({', '.join(BASELINES)})")
        if fusion and (mode != "hybrid" or fusion not in FUSIONS):
            raise ValueError(f"unknown system {text!r}: fusion applies to hybrid and is one of "
                             f"{', '.join(FUSIONS)}")
        if "+" in base or (text.count("+") and not rerank):
            raise ValueError(f"unknown system {text!r}: use MODE[:FUSION][+rerank:NAME]")
        return cls(text, mode, fusion or "adaptive", rerank or None)


@dataclass
class BenchOutcome:
    report: dict[str, Any]
    paths: dict[str, Path] = field(default_factory=dict)
    gates: list[Any] = field(default_factory=list)
    results: Any = None  # the benchmarks.BenchResults the report was built from
    generations: dict[str, Path] = field(default_factory=dict)  # "dataset[/config]" → gen

    @property
    def failed_gates(self) -> list[Any]:
        return [g for g in self.gates if g.failed]


def corpus_documents(ds: benchmarks.Dataset) -> list[Document]:
    """BEIR corpus rows → Documents (title as the heading trail, one paragraph block)."""
    docs = []
    for doc_id, row in ds.corpus.items():
        title = str(row.get("title") or "").strip()
        text = str(row.get("text") or "").strip()
        lang = row.get("lang") or None
        if not text and not title:
            continue
        docs.append(Document(
            id=doc_id, source=f"{ds.name}:{doc_id}",
            checksum=hashlib.sha256(f"{title}\x1f{text}\x1f{lang}".encode()).hexdigest(),
            title=title or None, language=lang,
            blocks=[Block(BlockKind.PARAGRAPH, text or title, language=lang,
                          section=[title] if title else [])]))
    return docs


def open_or_build(ds: benchmarks.Dataset, cache_dir: Path, embedder: Embedder,
                  progress: bool = False, log: Callable[[str], None] = lambda _m: None,
                  settings: Mapping[str, Any] | None = None) -> tuple[Index, dict[str, Any]]:
    """An index of the dataset's corpus, reused when dataset, model and build settings
    (`build_settings()`: the defaults unless given) are unchanged."""

    assert ds.path is not None
    settings = settings or build_settings()
    key = (f"{benchmarks.fingerprint(ds.path)[:16]}-{embedder.checksum[:12]}-"
           f"{_settings_key(settings)}")
    path = cache_dir / f"{_safe(ds.name)}-{key}"
    stats_file = path / "bench-build.json"
    cache_dir.mkdir(parents=True, exist_ok=True)  # a fresh machine has none yet
    # One builder per dataset across processes; others wait and then reuse its index.
    with (cache_dir / f".{path.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stats_file.exists():
            try:
                return Index.open(path, embedder=embedder), json.loads(stats_file.read_text())
            except IndexOpenError as exc:  # built by another version (tokenizer lists, format)
                log(f"rebuilding {path.name}: {exc}")
        _build(ds, path, embedder, progress, settings)
    return Index.open(path, embedder=embedder), json.loads(stats_file.read_text())


def build_settings(chunker: Mapping[str, Any] | None = None,
                   documents: Mapping[str, Any] | bool | None = None) -> dict[str, Any]:
    """What an index build depends on besides data and model: the chunker's, the document
    vectors' and BM25's settings (defaults unless overridden), so a changed default or an
    A/B variant never reuses another build."""
    from chunkers import ChunkerConfig
    from indexer.bm25 import TokenizerConfig
    from indexer.dense.documents import DocumentScoring

    if documents is False:
        docs = None
    elif documents is None or documents is True:
        docs = DocumentScoring().to_dict()
    else:
        docs = DocumentScoring.from_dict(documents).to_dict()
    return {"chunker": ChunkerConfig().replace(**(chunker or {})).to_dict(),
            "documents": docs, "bm25": TokenizerConfig().to_dict()}


def _settings_key(settings: Mapping[str, Any]) -> str:
    # weight/inject are read at search time, not build time: only the window shapes a build
    docs = settings.get("documents")
    shaped = {**settings, "documents": docs and {"window_tokens": docs["window_tokens"]}}
    return hashlib.sha256(json.dumps(shaped, sort_keys=True).encode()).hexdigest()[:8]


def dataset_documents(ds: benchmarks.Dataset, progress: bool = False) -> list[Document]:
    """The dataset's corpus as Documents: its files loaded, or its BEIR rows converted."""
    from indexer.ingestion.pipeline import IngestReport, load_paths

    if ds.corpus_dir is not None:
        return load_paths([ds.corpus_dir], IngestReport(), progress)
    return corpus_documents(ds)


def _build(ds: benchmarks.Dataset, path: Path, embedder: Embedder, progress: bool,
           settings: Mapping[str, Any]) -> None:
    """Build beside the final place and rename, so a half-built index is never reused."""
    tmp = path.with_name(path.name + ".building")
    for stale in (tmp, path):
        if stale.exists():
            shutil.rmtree(stale)
    started = time.perf_counter()
    docs = dataset_documents(ds, progress)
    index = Index.create(tmp, embedder=embedder, chunker=settings["chunker"],
                         documents=settings["documents"] or False)
    index.add(docs, progress=progress)
    info = index.info()
    index.close()
    stats = {"build_seconds": round(time.perf_counter() - started, 3),
             "peak_memory_mb": round(benchmarks.peak_memory_mb(), 1),
             "documents": info["documents"], "chunks": info["chunks"]}
    (tmp / "bench-build.json").write_text(json.dumps(stats))
    tmp.rename(path)


def to_run(hits: Sequence[Hit]) -> dict[str, float]:
    """Chunk hits → a document ranking (a document ranks where its best chunk ranks).

    Scores are 1/rank so that the metrics' tie-breaking can never reorder what the system
    ranked; the system's own ordering is already deterministic.
    """
    run: dict[str, float] = {}
    for hit in hits:
        if hit.doc_id not in run:
            run[hit.doc_id] = 1.0 / (len(run) + 1)
    return run


def run_system(index: Index, spec: SystemSpec, queries: dict[str, str],
               vectors: dict[str, np.ndarray], latency_ids: set[str], depth: int,
               progress: Callable[[str], None] | None = None) -> tuple[dict, dict]:
    """Run one system over the queries: (run, per-stage latencies of the timed queries)."""
    run: dict[str, dict[str, float]] = {}
    stages: dict[str, list[float]] = {}
    top_dense: dict[str, float] = {}
    for qid, text in queries.items():
        timed = qid in latency_ids
        timings: dict[str, float] | None = {} if timed else None
        if timed:
            index.embedder.forget_queries()  # the latency includes encoding the query
        started = time.perf_counter()
        hits = index.search(text, k=depth, mode=spec.mode, fusion=spec.fusion,
                            rerank=spec.rerank, depth=depth,
                            query_vector=None if timed else vectors.get(qid),
                            timings=timings)
        if timings is not None:
            timings["total"] = time.perf_counter() - started
            for stage, seconds in timings.items():
                stages.setdefault(stage, []).append(seconds)
        run[qid] = to_run(hits)
        dense = [h.scores["dense"] for h in hits if "dense" in h.scores]
        if dense:
            top_dense[qid] = max(dense)
    return run, stages, top_dense


def run_baseline(whole: baseline.WholeDocuments, system: str, queries: dict[str, str],
                 vectors: dict[str, np.ndarray], depth: int) -> tuple[dict, dict, dict]:
    """A whole-document baseline's run (untimed: it is a quality reference)."""
    run = {qid: whole.run(system, text, vectors[qid], depth) for qid, text in queries.items()}
    return run, {}, {}


def answerability(top_dense: dict[str, float], in_scope: set[str], threshold: float
                  ) -> dict[str, Any]:
    """How the `min_score` gate would do: out-of-scope queries (no judged answer) that still
    get a hit are false positives; in-scope ones that get nothing are lost answers."""
    out = [s for q, s in top_dense.items() if q not in in_scope]
    ins = [s for q, s in top_dense.items() if q in in_scope]
    return {
        "threshold": threshold,
        "out_of_scope_queries": len(out),
        "false_positive_rate": round(sum(s >= threshold for s in out) / len(out), 4)
        if out else None,
        "in_scope_rejected_rate": round(sum(s < threshold for s in ins) / len(ins), 4)
        if ins else None,
        "top_score_p50_in_scope": round(float(np.median(ins)), 4) if ins else None,
        "top_score_p50_out_of_scope": round(float(np.median(out)), 4) if out else None,
    }


def run_bench(dataset_dirs: Sequence[str | Path], systems: Sequence[str], *,
              out_dir: str | Path | None = None, gates: str | Path | None = None,
              cache_dir: str | Path | None = None, model: str = DEFAULT_MODEL,
              embedder: Embedder | None = None, depth: int = 100,
              max_queries: int | None = None, split: str = "all",
              latency_queries: int = 100, plots: bool = True, progress: bool = False,
              min_score: float = 0.80, judged_only: bool = False, configs: Sequence[Any] = (),
              log: Callable[[str], None] = lambda _msg: None) -> BenchOutcome:
    """Build/reuse indexes, run every system on every dataset, write the report, check gates.

    `split`: `all` queries, or the `heldout` / `train` part of the fixed hash split that
    reranker training uses. `max_queries` keeps a stable subset (sorted by hash) for speed.
    `judged_only` averages metrics over the queries with a relevant document (else over
    every judged query, those without one scoring 0: trec_eval's convention).
    Absent datasets (e.g. no ../shared) are reported as skipped, not as errors.
    `configs` (indexer.harness.ab.BuildConfig): build each dataset once per configuration
    and run every system under each, named `CONFIG/SYSTEM`; the first configuration's first
    system is the baseline of the paired tests (an A/B of index configurations).
    """
    specs = [SystemSpec.parse(s) for s in systems]
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError("each system may be named once")
    embedder = embedder or Embedder(model)
    cache = Path(cache_dir) if cache_dir else default_cache()
    cache.mkdir(parents=True, exist_ok=True)
    res = benchmarks.BenchResults(baseline="bm25" if "bm25" in names else names[0])
    if configs:
        res.baseline = f"{configs[0].name}/{names[0]}"
    built: dict[str, Path] = {}
    res.meta = {"k": depth, "model": embedder.model_name, "model_checksum": embedder.checksum,
                "systems": names, "split": split,
                "averaging": "judged-only" if judged_only else "all",
                "averaging_note": CONVENTIONS["judged-only" if judged_only else "all"],
                "started": time.strftime("%FT%TZ",
                                                                         time.gmtime())}
    for raw in dataset_dirs:
        path = Path(raw)
        if not path.exists():
            res.skipped[path.name] = f"{path} is absent"
            log(f"skip {path}: absent")
            continue
        ds = benchmarks.load_beir(path)
        qids = select_queries(ds, split, max_queries)
        ds = ds.subset(qids)
        texts = {q: str(ds.queries[q]["text"]) for q in qids}
        latency_ids = set(sorted(qids, key=stable_key)[:latency_queries])
        res.qrels[ds.name] = ({q: r for q, r in ds.qrels.items() if any(g > 0 for g in
                                                                       r.values())}
                              if judged_only else ds.qrels)
        res.query_langs[ds.name] = ds.query_langs
        kinds = ds.query_field("kind")
        if any(kinds.values()):
            res.query_groups[ds.name] = {"kind": kinds}
        for cfg in configs or [None]:
            emb = cfg.embedder(embedder) if cfg is not None else embedder
            log(f"{ds.name}: {len(ds.queries)} queries; building or reusing the index"
                + (f" ({cfg.name})" if cfg is not None else ""))
            index, stats = open_or_build(ds, cache, emb, progress, log,
                                         settings=cfg.settings if cfg is not None else None)
            built[ds.name + (f"/{cfg.name}" if cfg is not None else "")] = \
                index.root / index.generation
            vecs = emb.embed_queries(list(texts.values())) if any(
                s.mode != "bm25" for s in specs) else np.zeros((len(texts), 1), np.float32)
            vectors = dict(zip(texts, vecs, strict=True))
            info_ds = res.dataset_info.setdefault(ds.name, {
                "path": str(path), "queries": len(qids), **stats,
                "fingerprint": benchmarks.fingerprint(path)[:16]})
            if cfg is not None:
                info_ds.setdefault("configs", {})[cfg.name] = {**cfg.describe(), **stats}
            _run_specs(res, ds, [cfg.system(sp) if cfg is not None else sp for sp in specs],
                       index, emb, texts, vectors, latency_ids, depth, stats, qids, min_score,
                       log)
    outcome = BenchOutcome(report={}, results=res, generations=built)
    if out_dir is not None:
        outcome.paths = benchmarks.write_report(res, out_dir, plots=plots, trec_depth=depth)
        outcome.report = benchmarks.load_report(outcome.paths["json"])
    else:
        outcome.report = benchmarks.build_report(res)
    if gates is not None:
        outcome.gates = benchmarks.evaluate_gates(outcome.report, gates)
    from indexer.lifecycle.bench_card import record_figures

    record_figures(outcome.report, built)
    return outcome


def _run_specs(res: benchmarks.BenchResults, ds: benchmarks.Dataset, specs: list[SystemSpec],
               index: Index, embedder: Embedder, texts: dict[str, str],
               vectors: dict[str, np.ndarray], latency_ids: set[str], depth: int,
               stats: dict[str, Any], qids: list[str], min_score: float,
               log: Callable[[str], None]) -> None:
    """Every system over one dataset's index (one configuration), into `res`."""
    runs: dict[str, dict] = {}
    whole: baseline.WholeDocuments | None = None
    for spec in specs:
        log(f"{ds.name}: running {spec.name}")
        if spec.baseline:
            if whole is None:
                whole = baseline.WholeDocuments.build(dataset_documents(ds), embedder)
            run, stages, top = run_baseline(whole, spec.name, texts, vectors, depth)
        else:
            run, stages, top = run_system(index, spec, texts, vectors, latency_ids, depth)
        info = {"mode": spec.mode, "fusion": spec.fusion, "rerank": spec.rerank}
        if top:
            in_scope = {q for q in qids if any(g > 0 for g in ds.qrels.get(q, {}).values())}
            info["answerability"] = answerability(top, in_scope, min_score)
        runs[spec.name] = run
        res.systems.append(benchmarks.SystemResult(
            dataset=ds.name, system=spec.name, run=run, latencies_by_stage=stages,
            build_seconds=stats.get("build_seconds"),
            peak_memory_mb=stats.get("peak_memory_mb"),
            first_stage=spec.first_stage if spec.first_stage in runs else None,
            info=info))


def select_queries(ds: benchmarks.Dataset, split: str, max_queries: int | None) -> list[str]:
    qids = [q for q in ds.queries if q in ds.qrels or ds.corpus_dir is not None]
    if split in ("train", "heldout"):
        train, heldout = benchmarks.split_by_hash(qids)
        qids = list(train if split == "train" else heldout)
    elif split != "all":
        raise ValueError(f"unknown split {split!r}: use all, train or heldout")
    qids = sorted(qids, key=stable_key)
    if max_queries is not None:
        qids = qids[:max_queries]
    return sorted(qids)


def stable_key(qid: str) -> str:
    """A query's place in stable subsets: its id's sha256."""
    return hashlib.sha256(qid.encode()).hexdigest()


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name)


def default_cache() -> Path:
    from indexer.embedding.cache import default_cache_path

    return default_cache_path().parent / "bench"
