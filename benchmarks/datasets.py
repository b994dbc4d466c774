"""Benchmark datasets in BEIR layout, plus "golden" sets whose corpus is a folder of files.

BEIR layout (one directory per dataset)::

    corpus.jsonl        {"_id", "title", "text", "lang", ...}   one document per line
    queries.jsonl       {"_id", "text", "lang", ...extra fields such as "kind"}
    qrels/test.tsv      header "query-id<TAB>corpus-id<TAB>score" (dev.tsv if no test.tsv)
    dataset.json        optional {"name": ..., "corpus_dir": "../sample"}

Without ``corpus.jsonl`` a ``dataset.json`` must name ``corpus_dir``: the corpus is then
a folder of files that the indexer ingests itself, and qrels name documents by their path
relative to that folder (e.g. ``en/hand-washing.md``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.types import Qrels

QRELS_SPLITS = ("test", "dev")


class DatasetError(ValueError):
    """A dataset file is missing or malformed; the message names the file (and line)."""


@dataclass
class Dataset:
    """A retrieval test collection held in memory as plain dicts.

    ``corpus`` is empty when ``corpus_dir`` is set (the indexer ingests that folder).
    """

    name: str
    corpus: dict[str, dict[str, Any]]
    queries: dict[str, dict[str, Any]]
    qrels: Qrels
    corpus_dir: Path | None = None
    path: Path | None = None
    split: str = "test"
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def query_langs(self) -> dict[str, str]:
        """query id -> language code ("unknown" when the query has none)."""
        return {q: str(v.get("lang") or "unknown") for q, v in self.queries.items()}

    def query_field(self, name: str) -> dict[str, str]:
        """query id -> value of an extra queries.jsonl field (e.g. "kind", "category"),
        for queries that have it; feeds ``BenchResults.query_groups``."""
        return {q: str(v[name]) for q, v in self.queries.items() if v.get(name) is not None}

    def subset(self, query_ids: Iterable[str]) -> Dataset:
        """The same dataset restricted to some queries (e.g. a held-out split)."""
        keep = [q for q in query_ids if q in self.queries]
        return Dataset(
            name=self.name, corpus=self.corpus,
            queries={q: self.queries[q] for q in keep},
            qrels={q: self.qrels[q] for q in keep if q in self.qrels},
            corpus_dir=self.corpus_dir, path=self.path, split=self.split, meta=self.meta,
        )

    def problems(self) -> list[str]:
        """Inconsistencies worth a warning (not errors: public BEIR sets have some)."""
        out = []
        no_query = sorted(set(self.qrels) - set(self.queries))
        if no_query:
            out.append(f"{len(no_query)} qrels queries missing from queries.jsonl, "
                       f"e.g. {no_query[:3]}")
        no_rel = sorted(q for q, r in self.qrels.items() if not any(g > 0 for g in r.values()))
        if no_rel:
            out.append(f"{len(no_rel)} queries without a relevant document, e.g. {no_rel[:3]}")
        if self.corpus:
            missing = sorted({d for r in self.qrels.values() for d in r} - set(self.corpus))
            if missing:
                out.append(f"{len(missing)} qrels documents missing from corpus.jsonl, "
                           f"e.g. {missing[:3]}")
        elif self.corpus_dir is not None:
            missing = sorted({d for r in self.qrels.values() for d in r
                              if not (self.corpus_dir / d).is_file()})
            if missing:
                out.append(f"{len(missing)} qrels documents missing from {self.corpus_dir}, "
                           f"e.g. {missing[:3]}")
        return out


def _read_jsonl(path: Path, required: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise DatasetError(f"{path}:{n}: invalid JSON ({e.msg})") from None
            if not isinstance(obj, dict):
                raise DatasetError(f"{path}:{n}: expected a JSON object")
            for key in required:
                if key not in obj:
                    raise DatasetError(f"{path}:{n}: missing field {key!r}")
            obj["_id"] = str(obj["_id"])
            yield obj


def _read_records(path: Path, required: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for obj in _read_jsonl(path, required):
        key = obj.pop("_id")
        if key in out:
            raise DatasetError(f"{path}: duplicate _id {key!r}")
        out[key] = obj
    return out


def _grade(text: str) -> int | None:
    """An integer grade from "2" or "2.0"; None when it is not a whole number."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None


def read_qrels_tsv(path: Path) -> Qrels:
    """Read a BEIR qrels TSV (``query-id corpus-id score``; the header is optional)."""
    qrels: Qrels = {}
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            parts = line.rstrip("\n\r").split("\t")
            if len(parts) != 3:
                parts = line.split()
            if len(parts) != 3:
                raise DatasetError(f"{path}:{n}: expected 3 tab-separated fields "
                                   f"(query-id, corpus-id, score), got {len(parts)}")
            qid, did, score = (p.strip() for p in parts)
            if n == 1 and score.lower() == "score":
                continue
            grade = _grade(score)
            if grade is None:
                raise DatasetError(f"{path}:{n}: score {score!r} is not an integer")
            qrels.setdefault(qid, {})[did] = grade
    return qrels


def _read_meta(path: Path) -> dict[str, Any]:
    meta_path = path / "dataset.json"
    if not meta_path.is_file():
        return {}
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise DatasetError(f"{meta_path}: invalid JSON ({e.msg}, line {e.lineno})") from None
    if not isinstance(meta, dict):
        raise DatasetError(f"{meta_path}: expected a JSON object")
    return meta


def _qrels_path(path: Path, split: str | None) -> tuple[Path, str]:
    splits = (split,) if split else QRELS_SPLITS
    for s in splits:
        p = path / "qrels" / f"{s}.tsv"
        if p.is_file():
            return p, s
    wanted = " or ".join(str(path / "qrels" / f"{s}.tsv") for s in splits)
    raise DatasetError(f"missing qrels file: {wanted}")


def load_beir(path: str | Path, split: str | None = None) -> Dataset:
    """Load a BEIR-layout dataset directory (or a corpus_dir "golden" set).

    ``split`` picks ``qrels/<split>.tsv``; by default ``test.tsv``, else ``dev.tsv``.
    Raises DatasetError naming the file (and line) for anything missing or malformed.
    """
    path = Path(path)
    if not path.is_dir():
        raise DatasetError(f"dataset directory not found: {path}")
    meta = _read_meta(path)
    name = str(meta.get("name") or path.name)
    corpus_file = path / "corpus.jsonl"
    corpus_dir: Path | None = None
    corpus: dict[str, dict[str, Any]] = {}
    if corpus_file.is_file():
        corpus = _read_records(corpus_file, ("_id", "text"))
    elif "corpus_dir" in meta:
        corpus_dir = (path / str(meta["corpus_dir"])).resolve()
        if not corpus_dir.is_dir():
            raise DatasetError(f"{path / 'dataset.json'}: corpus_dir {meta['corpus_dir']!r} "
                               f"is not a directory ({corpus_dir})")
    else:
        raise DatasetError(f"missing corpus: {corpus_file} (or a dataset.json with corpus_dir)")
    queries_file = path / "queries.jsonl"
    if not queries_file.is_file():
        raise DatasetError(f"missing queries file: {queries_file}")
    queries = _read_records(queries_file, ("_id", "text"))
    qrels_file, used_split = _qrels_path(path, split)
    qrels = read_qrels_tsv(qrels_file)
    return Dataset(name=name, corpus=corpus, queries=queries, qrels=qrels,
                   corpus_dir=corpus_dir, path=path.resolve(), split=used_split, meta=meta)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in
                                             p.relative_to(root).parts))


def fingerprint(dataset_dir: str | Path) -> str:
    """sha256 over the dataset's files (relative paths + bytes), and over the files of its
    ``corpus_dir`` when it has one, so a cached index is reused only when nothing changed.

    Hidden files (names starting with ".") are ignored.
    """
    root = Path(dataset_dir)
    if not root.is_dir():
        raise DatasetError(f"dataset directory not found: {root}")
    h = hashlib.sha256()
    roots = [("dataset", root)]
    meta = _read_meta(root)
    if "corpus_dir" in meta and not (root / "corpus.jsonl").is_file():
        roots.append(("corpus_dir", (root / str(meta["corpus_dir"])).resolve()))
    for label, r in roots:
        if not r.is_dir():
            continue
        for p in _files(r):
            rel = p.relative_to(r).as_posix()
            h.update(f"{label}\0{rel}\0{p.stat().st_size}\0".encode())
            with p.open("rb") as f:
                for block in iter(lambda f=f: f.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()


def split_by_hash(
    ids: Iterable[str], train_fraction: float = 0.8, salt: str = "indexer-v1"
) -> tuple[list[str], list[str]]:
    """Deterministic train/held-out split of query ids (input order kept in each part).

    Each id goes to train when sha256(salt + id) maps below ``train_fraction``: the
    assignment of an id never depends on the other ids or on the machine (unlike
    Python's salted ``hash()``), so adding queries does not reshuffle existing ones.
    """
    if not 0.0 <= train_fraction <= 1.0:
        raise ValueError(f"train_fraction must be in [0, 1], not {train_fraction}")
    train: list[str] = []
    heldout: list[str] = []
    for i in ids:
        digest = hashlib.sha256(f"{salt}\0{i}".encode()).digest()
        u = int.from_bytes(digest[:8], "big") / 2**64
        (train if u < train_fraction else heldout).append(i)
    return train, heldout
