"""Ingest: paths → loaded documents → the index, with a per-file report.

A bad file is reported (failed, with its reason) and the batch goes on; an unsupported one is
skipped; nothing is written unless at least one document loaded.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import loaders
from indexer.index import AddReport, Index
from loaders import Document, LoadError, UnsupportedFormat


class IngestError(Exception):
    """Nothing could be ingested (missing path, empty folder, every file failed)."""


@dataclass
class FileResult:
    path: str
    status: str  # loaded | skipped | failed
    reason: str | None = None
    documents: int = 0


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    index: AddReport = field(default_factory=AddReport)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(f.status == status for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "loaded": self.count("loaded"), "skipped": self.count("skipped"),
            "failed": self.count("failed"),
            "files": [f.__dict__ for f in self.files],
            "index": self.index.to_dict(), "seconds": round(self.seconds, 3),
        }


def load_paths(paths: Iterable[str | Path], report: IngestReport, progress: bool = False
               ) -> list[Document]:
    """Load every file under `paths`; failures go into the report, not up the stack."""
    try:
        files = list(loaders.discover(paths))
    except LoadError as exc:
        raise IngestError(str(exc)) from None
    if not files:
        raise IngestError("no files found under " + ", ".join(str(p) for p in paths))
    load_all = getattr(loaders, "load_all", None)
    docs: list[Document] = []
    bar = _progress(files, progress, "loading")
    for path, root in bar:
        try:
            loaded = load_all(path, root=root) if load_all else [loaders.load(path, root=root)]
        except UnsupportedFormat as exc:
            report.files.append(FileResult(str(path), "skipped", exc.reason))
            continue
        except LoadError as exc:
            report.files.append(FileResult(str(path), "failed", exc.reason))
            continue
        except Exception as exc:  # noqa: BLE001 - one broken file must not stop the batch
            report.files.append(FileResult(str(path), "failed",
                                           f"{type(exc).__name__}: {exc}"))
            continue
        report.files.append(FileResult(str(path), "loaded", None, len(loaded)))
        docs.extend(loaded)
    return docs


def ingest(paths: Iterable[str | Path], index_dir: str | Path, *, model: str =
           "multilingual-e5-small", prune: bool = False, progress: bool = False,
           index: Index | None = None) -> IngestReport:
    """Load, chunk, embed and upsert; with `prune`, drop documents whose files are gone."""
    started = time.perf_counter()
    paths = list(paths)
    report = IngestReport()
    docs = load_paths(paths, report, progress)
    if not docs:
        reasons = "; ".join(f"{f.path}: {f.reason}" for f in report.files[:5])
        raise IngestError(f"no document could be loaded ({reasons})")
    ids = [d.id for d in docs]
    dupes = {i for i in ids if ids.count(i) > 1} if len(set(ids)) != len(ids) else set()
    if dupes:
        raise IngestError(f"two files map to the same document id(s) {sorted(dupes)[:5]}: "
                          "ingest them from one root folder")
    if index is None:
        index = Index.create(index_dir, model, exist_ok=True)
    report.index = index.add(docs, progress=progress)
    if prune:
        present = {d.id for d in docs}
        gone = [doc_id for doc_id, source in index.documents().items()
                if doc_id not in present and not (source and Path(source).exists())]
        if gone:
            deleted = index.delete(gone)
            report.index.deleted = deleted.deleted
            report.index.chunks_removed += deleted.chunks_removed
    report.seconds = time.perf_counter() - started
    return report


def _progress(items: list[Any], enabled: bool, desc: str) -> Iterable[Any]:
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="file", leave=False)
