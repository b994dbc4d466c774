"""Training data for the project's cross-encoder, mined with the project's own hybrid index.

`rerankers` learns from plain pairs; this module decides which pairs, and guards the
evaluation:

- every dataset is split with `benchmarks.split_by_hash` on the query id (the split `indexer
  bench --split heldout` reports on); only the train side is used, and a dev part of it
  (another hash) drives early stopping;
- a train query that shares a relevant document with a held-out query is dropped (in
  flores-xling the eight translations of a sentence share one English target: training on
  the Hindi one would leak the answer of the held-out Bengali one);
- benchmark test sets (the golden and adversarial sets, xquad-hi and its English twin) are
  refused as training inputs, and training stops if any training query's normalized text
  also occurs in one of them;
- hard negatives are the index's own top hybrid results that are not judged relevant.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import benchmarks
from indexer.defaults import DEFAULT_MODEL
from indexer.hits import Hit
from indexer.paths import SOURCE_ROOT, shared_datasets
from indexer.reranking.glue import passage_text
from rerankers.training import TrainConfig, TrainPair, TrainReport

ROOT = SOURCE_ROOT
TEST_SET_NAMES = frozenset({"golden", "adversarial", "xquad-hi", "xquad-en"})
TEST_ONLY_KEYS = ("test_only", "benchmark_test_set")
DEV_SALT = "indexer-rerank-dev-v1"
QUERIES_FILE = "training_queries.json"

Log = Callable[[str], None]


class TestSetLeakError(ValueError):
    """Training would touch a benchmark test set (its files or its queries)."""

    __test__ = False  # not a pytest class, despite the name


def default_test_sets() -> list[Path]:
    """The sets whose queries must never be trained on (those absent here are skipped)."""
    shared = shared_datasets()
    candidates = [ROOT / "corpora" / "golden", ROOT / "corpora" / "adversarial",
                  shared / "xquad-hi", shared / "xquad-en"]
    return [p for p in candidates if (p / "queries.jsonl").is_file()]


_PUNCT = re.compile(r"[\s\u200b-\u200d\ufeff]+")


def normalize_query(text: str) -> str:
    """NFKC, case-folded, punctuation and symbols dropped, whitespace collapsed: "How long
    should I wash my hands?" and "how long should i wash my hands" are the same query."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in text)
    return _PUNCT.sub(" ", text).strip()


def _read_query_texts(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    with (path / "queries.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                out[str(row["_id"])] = str(row.get("text", ""))
    return out


def forbidden_queries(test_sets: Iterable[str | Path]) -> dict[str, str]:
    """Normalized query text → "set:query-id" for every query of every test set."""
    out: dict[str, str] = {}
    for raw in test_sets:
        path = Path(raw)
        for qid, text in _read_query_texts(path).items():
            key = normalize_query(text)
            if key:
                out.setdefault(key, f"{path.name}:{qid}")
    return out


def _is_marked_test_only(path: Path) -> bool:
    meta_file = path / "dataset.json"
    if not meta_file.is_file():
        return False
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return False
    return isinstance(meta, dict) and any(meta.get(k) for k in TEST_ONLY_KEYS)


def refuse_test_set(path: str | Path, test_sets: Sequence[str | Path]) -> None:
    """A benchmark test set given as training data is an error, not a warning."""
    p = Path(path).resolve()
    known = {Path(t).resolve() for t in test_sets}
    name = p.name
    meta_file = p / "dataset.json"
    if meta_file.is_file():
        with contextlib.suppress(json.JSONDecodeError, AttributeError):
            name = str(json.loads(meta_file.read_text(encoding="utf-8")).get("name") or name)
    if p in known or name in TEST_SET_NAMES or p.name in TEST_SET_NAMES \
            or _is_marked_test_only(p):
        raise TestSetLeakError(
            f"{path} is a benchmark test set ({name}): golden and test sets are never used "
            "for training; train on mediqa-dev, flores-xling or your own BEIR-layout data")


def check_queries(name: str, queries: Mapping[str, str], forbidden: Mapping[str, str]) -> None:
    """Refuse training queries whose normalized text is a test-set query."""
    clashes = [(qid, forbidden[key]) for qid, text in queries.items()
               if (key := normalize_query(text)) and key in forbidden]
    if clashes:
        shown = ", ".join(f"{q} = {t}" for q, t in clashes[:5])
        raise TestSetLeakError(
            f"{name}: {len(clashes)} training queries also appear in a benchmark test set "
            f"({shown}{', …' if len(clashes) > 5 else ''}); remove them from the training "
            "data: test-set queries never go into training")


@dataclass
class Split:
    """Query ids of one dataset: trained on, early-stopping dev, never touched."""

    train: list[str]
    dev: list[str]
    heldout: list[str]
    dropped: list[str] = field(default_factory=list)  # shared a document with held-out


def judged_queries(ds: benchmarks.Dataset) -> list[str]:
    """Queries with qrels, in file order: the ids `indexer bench` splits too."""
    return [q for q in ds.queries if q in ds.qrels]


def split_queries(ds: benchmarks.Dataset, dev_fraction: float = 0.15) -> Split:
    """bench's hash split, minus train queries that share a relevant document with a
    held-out query, then a dev part of the rest by a second hash."""
    train, heldout = benchmarks.split_by_hash(judged_queries(ds))
    held_docs = {d for q in heldout for d, g in ds.qrels[q].items() if g > 0}
    kept, dropped = [], []
    for q in train:
        shares = any(g > 0 and d in held_docs for d, g in ds.qrels[q].items())
        (dropped if shares else kept).append(q)
    tr, dev = benchmarks.split_by_hash(kept, 1.0 - dev_fraction, salt=DEV_SALT)
    return Split(train=tr, dev=dev, heldout=heldout, dropped=dropped)


def stable_subset(ids: Sequence[str], n: int | None) -> list[str]:
    """At most n ids, chosen by hash (not by file order, which is often sorted by topic or
    language), returned in input order."""
    if n is None or len(ids) <= n:
        return list(ids)
    keep = set(sorted(ids, key=lambda q: hashlib.sha256(q.encode()).hexdigest())[:n])
    return [q for q in ids if q in keep]


def doc_text(row: Mapping[str, Any]) -> str:
    """A corpus row as the index shows it: the title as heading trail, then the text."""
    title = str(row.get("title") or "").strip()
    text = str(row.get("text") or "").strip()
    return f"{title}\n{text}" if title and text else (text or title)


def first_hits_by_doc(hits: Sequence[Hit]) -> dict[str, Hit]:
    """Each document's best-ranked chunk, in rank order."""
    out: dict[str, Hit] = {}
    for h in hits:
        out.setdefault(h.doc_id, h)
    return out


def _search_all(index: Any, ds: benchmarks.Dataset, qids: Sequence[str], depth: int
                ) -> Iterable[tuple[str, str, list[Hit]]]:
    """Hybrid top `depth` per query, the query vectors encoded in one batch."""
    texts = [str(ds.queries[q]["text"]) for q in qids]
    vectors = index.embedder.embed_queries(texts) if texts else []
    for qid, text, vector in zip(qids, texts, vectors, strict=True):
        yield qid, text, index.search(text, k=depth, depth=depth, query_vector=vector)


def training_groups(index: Any, ds: benchmarks.Dataset, qids: Sequence[str], *,
                    depth: int = 30, negatives: int = 4) -> list[TrainPair]:
    """Per query: every judged document with its grade (grade 0 included: an answer judged
    wrong is the best negative there is), plus the top unjudged hybrid hits as negatives."""
    pairs: list[TrainPair] = []
    for qid, query, hits in _search_all(index, ds, qids, depth):
        best = first_hits_by_doc(hits)
        judged = ds.qrels[qid]
        for doc, grade in judged.items():
            if doc in best:
                text = passage_text(best[doc])
            elif doc in ds.corpus:
                text = doc_text(ds.corpus[doc])
            else:
                continue
            pairs.append(TrainPair(query, text, float(max(grade, 0)), f"{ds.name}:{qid}",
                                   source=ds.name))
        mined = [h for d, h in best.items() if d not in judged][:negatives]
        pairs += [TrainPair(query, passage_text(h), 0.0, f"{ds.name}:{qid}",
                            first_stage_score=h.score, source=ds.name) for h in mined]
    return pairs


def dev_groups(index: Any, ds: benchmarks.Dataset, qids: Sequence[str], *,
               depth: int = 10) -> list[TrainPair]:
    """Per query: the hybrid top `depth` documents as the reranker would get them, labelled
    by the qrels (unjudged = 0), with their first-stage score for the blend."""
    pairs: list[TrainPair] = []
    for qid, query, hits in _search_all(index, ds, qids, max(depth * 3, 30)):
        best = first_hits_by_doc(hits)
        for doc, hit in list(best.items())[:depth]:
            pairs.append(TrainPair(query, passage_text(hit), float(ds.qrels[qid].get(doc, 0)),
                                   f"{ds.name}:{qid}", first_stage_score=hit.score,
                                   source=ds.name))
    return pairs


@dataclass
class DataOptions:
    """How much of each dataset a run uses (the CPU budget decides, not the data)."""

    max_train_queries: int | None = 320
    per_dataset: dict[str, int] = field(default_factory=dict)  # name → its own cap
    max_dev_queries: int | None = 24
    negatives: int = 4
    mine_depth: int = 30
    dev_candidates: int = 20  # as many as the reranker will see at evaluation
    dev_fraction: float = 0.15


@dataclass
class PreparedData:
    train: list[TrainPair]
    dev: list[TrainPair]
    datasets: list[dict[str, Any]]
    queries: dict[str, dict[str, list[str]]]


def prepare(train_dirs: Sequence[str | Path], *, embedder: Any,
            options: DataOptions | None = None, test_sets: Sequence[str | Path] | None = None,
            cache_dir: str | Path | None = None, log: Log = lambda _m: None) -> PreparedData:
    """Check, split, index and mine every training dataset."""
    from indexer.harness.bench import open_or_build

    options = options or DataOptions()
    test_sets = default_test_sets() if test_sets is None else list(test_sets)
    for path in train_dirs:
        refuse_test_set(path, test_sets)
    forbidden = forbidden_queries(test_sets)
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    out = PreparedData([], [], [], {})
    for path in train_dirs:
        ds = benchmarks.load_beir(path)
        if ds.corpus_dir is not None:
            raise ValueError(f"{path}: a folder corpus ({ds.corpus_dir}); training needs a "
                             "BEIR corpus.jsonl")
        split = split_queries(ds, options.dev_fraction)
        train_ids = stable_subset(split.train, options.per_dataset.get(
            ds.name, options.max_train_queries))
        dev_ids = stable_subset(split.dev, options.max_dev_queries)
        check_queries(ds.name, {q: str(ds.queries[q]["text"]) for q in train_ids + dev_ids},
                      forbidden)
        log(f"{ds.name}: {len(train_ids)} train / {len(dev_ids)} dev queries "
            f"({len(split.heldout)} held out, {len(split.dropped)} dropped for sharing a "
            "document with held-out ones); building or reusing its index")
        index, _stats = open_or_build(ds, cache, embedder)
        train = training_groups(index, ds, train_ids, depth=options.mine_depth,
                                negatives=options.negatives)
        dev = dev_groups(index, ds, dev_ids, depth=options.dev_candidates)
        out.train += train
        out.dev += dev
        langs = sorted({str(ds.queries[q].get("lang") or "?") for q in train_ids}
                       | {str(ds.corpus[d].get("lang") or "?") for d in ds.corpus})
        out.datasets.append({
            "name": ds.name, "path": str(Path(path).resolve()),
            "fingerprint": benchmarks.fingerprint(path)[:16], "languages": langs,
            "train_queries": len(train_ids), "dev_queries": len(dev_ids),
            "heldout_queries": len(split.heldout), "dropped_queries": len(split.dropped),
            "pairs": len(train), "dev_pairs": len(dev)})
        out.queries[ds.name] = {"train": train_ids, "dev": dev_ids}
    return out


def default_cache_dir() -> Path:
    """The same index cache `indexer bench` uses, so both reuse one build per dataset."""
    from indexer.embedding.cache import default_cache_path

    return default_cache_path().parent / "bench"


def train(train_dirs: Sequence[str | Path], out_dir: str | Path, *,
          base_model: str = DEFAULT_MODEL, config: TrainConfig | None = None,
          options: DataOptions | None = None, test_sets: Sequence[str | Path] | None = None,
          cache_dir: str | Path | None = None, overwrite: bool = False,
          log: Log = lambda _m: None) -> TrainReport:
    """Mine pairs from `train_dirs` and fine-tune a cross-encoder from `base_model` into
    `out_dir`, with a model card and the list of query ids it was trained on."""
    from indexer import models
    from indexer.embedding.embedder import Embedder
    from rerankers.training import train_cross_encoder

    out = Path(out_dir)
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise FileExistsError(f"{out} is not empty; choose another --out or pass --overwrite")
    config = config or TrainConfig()
    if config.threads:
        import torch

        torch.set_num_threads(config.threads)
    base_path = models.resolve(base_model)
    embedder = Embedder(base_model)
    data = prepare(train_dirs, embedder=embedder, options=options, test_sets=test_sets,
                   cache_dir=cache_dir, log=log)
    log(f"{len(data.train)} training pairs, {len(data.dev)} dev pairs")
    card = {
        "name": "ce-multilingual (indexer reranker)",
        "base_model": f"{base_model} ({base_path.name}, checksum {embedder.checksum[:12]})",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "datasets": data.datasets,
        "excluded_test_sets": [str(p) for p in (default_test_sets() if test_sets is None
                                                else test_sets)],
        "data_notes": _DATA_NOTES,
    }
    report = train_cross_encoder(base_path, data.train, data.dev, out, config, card=card,
                                 log=log)
    (out / QUERIES_FILE).write_text(json.dumps(data.queries, indent=1) + "\n",
                                    encoding="utf-8")
    return report


def trained_queries(model_dir: str | Path) -> dict[str, set[str]]:
    """dataset name → every query id a model saw in training (train and dev)."""
    file = Path(model_dir) / QUERIES_FILE
    if not file.is_file():
        return {}
    data = json.loads(file.read_text(encoding="utf-8"))
    return {name: set(parts.get("train", [])) | set(parts.get("dev", []))
            for name, parts in data.items()}


_DATA_NOTES = """\
Each dataset is split by `benchmarks.split_by_hash` on the query id (salt `indexer-v1`, 80 %
train side). Train-side queries that share a relevant document with a held-out query are
dropped; a second hash (salt `indexer-rerank-dev-v1`) takes 15 % of the rest as the dev split.
Per training query: every judged document with its grade, plus the top unjudged documents of
the project's hybrid index (BM25 + multilingual-e5-small, fused) as hard negatives. Benchmark
test sets (corpora/golden, corpora/adversarial, xquad-hi, xquad-en) are refused as inputs, and
no training query's normalized text occurs in any of them (checked before training)."""
