"""Ingest: paths → loaded documents → the index, with a per-file report.

A bad file is reported (failed, with its reason) and the batch goes on; an unsupported one is
skipped; nothing is written unless at least one document loaded. Files are parsed in worker
processes under `IngestLimits` (`indexer.ingestion.isolation`), so a file that hangs, crashes the
parser or exhausts memory fails alone. Personal data found in the text is flagged in the
report (kinds and counts, never the values) or redacted before chunking (`indexer.ingestion.pii`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import loaders
from indexer.defaults import DEFAULT_MODEL
from indexer.errors import IndexerError
from indexer.index import AddReport, Index
from indexer.ingestion import pii as pii_mod
from indexer.ingestion.isolation import LOAD_TARGET, Outcome, run_isolated
from indexer.ingestion.limits import IngestLimits, LimitExceeded, check_size
from indexer.storage.manifest import MANIFEST
from loaders import Document, LoadError

PII_REDACTION_VERSION = "pii-redact-1"


class IngestError(IndexerError):
    """Nothing could be ingested (missing path, empty folder, every file failed)."""


@dataclass
class FileResult:
    path: str
    status: str  # loaded | unchanged (same bytes as indexed: not re-read) | skipped | failed
    reason: str | None = None
    documents: int = 0
    doc_ids: list[str] = field(default_factory=list)  # unchanged files: their documents
    seconds: float = 0.0
    # Personal data found: one entry per (document, kind) with count, block indexes and
    # pages; never the matched text.
    pii: list[dict[str, Any]] = field(default_factory=list)
    # PDF pages by how their text was obtained (text | repaired | ocr), over the documents
    page_routes: dict[str, int] = field(default_factory=dict)


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    index: AddReport = field(default_factory=AddReport)
    seconds: float = 0.0
    pii_mode: str = "off"

    def count(self, status: str) -> int:
        return sum(f.status == status for f in self.files)

    def pii_counts(self) -> dict[str, int]:
        """Findings per kind over all files."""
        out: dict[str, int] = {}
        for f in self.files:
            for entry in f.pii:
                out[entry["kind"]] = out.get(entry["kind"], 0) + entry["count"]
        return out

    def page_routes(self) -> dict[str, int]:
        """PDF pages per text route (text layer, repaired layer, OCR) over all files."""
        out: dict[str, int] = {}
        for f in self.files:
            for route, n in f.page_routes.items():
                out[route] = out.get(route, 0) + n
        return out

    def pii_lines(self) -> list[str]:
        """One line per file and kind, for people: where, never what."""
        lines = []
        for f in self.files:
            for e in f.pii:
                pages = f", pages {', '.join(map(str, e['pages']))}" if e["pages"] else ""
                blocks = ", ".join(map(str, e["blocks"][:10]))
                lines.append(f"{f.path}: {e['count']} {e['kind']} in {e['doc_id']} "
                             f"(blocks {blocks}{pages})")
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "loaded": self.count("loaded"), "unchanged": self.count("unchanged"),
            "skipped": self.count("skipped"), "failed": self.count("failed"),
            "files": [f.__dict__ for f in self.files],
            "index": self.index.to_dict(), "seconds": round(self.seconds, 3),
            "page_routes": self.page_routes(),
            "pii": {"mode": self.pii_mode, "findings": self.pii_counts(),
                    "files": sum(1 for f in self.files if f.pii)},
        }


def load_paths(paths: Iterable[str | Path], report: IngestReport, progress: bool = False,
               *, limits: IngestLimits | None = None,
               indexed: Mapping[str, list[tuple[str, str]]] | None = None,
               redact: bool = False) -> list[Document]:
    """Load every file under `paths`; failures go into the report, not up the stack.

    `indexed` (source path → [(document id, checksum)] of an existing index) lets a file whose
    bytes are exactly those indexed skip loading: it is reported `unchanged` with its document
    ids, which is what makes re-ingesting an unchanged corpus cheap (no parser, no worker).
    """
    return load_files(discover_files(paths), report, progress, limits=limits, indexed=indexed,
                      redact=redact)


def discover_files(paths: Iterable[str | Path]) -> list[tuple[Path, Path | None]]:
    """Every file under `paths` with the root folder its document id is relative to."""
    paths = list(paths)
    try:
        files = list(loaders.discover(paths))
    except LoadError as exc:
        raise IngestError(str(exc)) from None
    if not files:
        raise IngestError("no files found under " + ", ".join(str(p) for p in paths))
    return files


def load_files(files: Sequence[tuple[Path, Path | None]], report: IngestReport,
               progress: bool | Any = False, *, limits: IngestLimits | None = None,
               indexed: Mapping[str, list[tuple[str, str]]] | None = None,
               redact: bool = False) -> list[Document]:
    """`load_paths` for files already discovered; `progress` may be a bar to advance."""
    limits = limits or IngestLimits()
    results: list[FileResult | None] = [None] * len(files)
    jobs: list[dict[str, Any]] = []
    slots: list[int] = []
    for i, (path, root) in enumerate(files):
        try:
            check_size(path, limits)
        except LimitExceeded as exc:
            results[i] = FileResult(str(path), "failed", str(exc))
            continue
        except OSError as exc:
            results[i] = FileResult(str(path), "failed", f"cannot read: {exc.strerror or exc}")
            continue
        same = _unchanged_ids(path, root, indexed, redact) if indexed else None
        if same:
            results[i] = FileResult(str(path), "unchanged", None, len(same), doc_ids=same)
            continue
        jobs.append({"path": str(path), "root": str(root) if root is not None else None})
        slots.append(i)
    own_bar = isinstance(progress, bool)
    bar = _progress(len(jobs), progress, "loading") if own_bar else progress
    if bar is not None and not own_bar:
        bar.update(len(files) - len(jobs))  # unchanged and refused files count as done
    outcomes = run_isolated(jobs, limits, target=LOAD_TARGET,
                            on_done=lambda _i, _o: bar.update(1) if bar else None) \
        if jobs else []
    if bar and own_bar:
        bar.close()
    docs_by_file: list[list[Document]] = [[] for _ in files]
    for slot, job, outcome in zip(slots, jobs, outcomes, strict=True):
        results[slot], docs_by_file[slot] = _file_result(job["path"], outcome)
    report.files.extend(r for r in results if r is not None)
    return [d for docs in docs_by_file for d in docs]


def _unchanged_ids(path: Path, root: Path | None, indexed: Mapping[str, list[tuple[str, str]]],
                   redact: bool) -> list[str] | None:
    """The ids of a file's indexed documents when its bytes are those indexed, else None."""
    stored = indexed.get(str(path.resolve()))
    if not stored:
        return None
    file_id = loaders.document_id(path, root)
    if not all(doc_id == file_id or doc_id.startswith(file_id + "#") for doc_id, _ in stored):
        return None  # ingested from another root folder: ids would differ
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None  # let the loader report it
    if redact:
        digest = redacted_checksum(digest)
    return [doc_id for doc_id, _ in stored] if all(c == digest for _, c in stored) else None


def redacted_checksum(checksum: str) -> str:
    """A redacted document's checksum: switching flag ↔ redact re-indexes it."""
    return hashlib.sha256(f"{checksum}:{PII_REDACTION_VERSION}".encode()).hexdigest()


def _file_result(path: str, outcome: Outcome) -> tuple[FileResult, list[Document]]:
    if outcome.status == "ok":
        docs = [Document.from_dict(d) for d in outcome.value["documents"]]
        result = FileResult(path, "loaded", None, len(docs), seconds=round(outcome.seconds, 3))
        for doc in docs:
            for route, n in (doc.metadata.get("page_routes") or {}).items():
                result.page_routes[route] = result.page_routes.get(route, 0) + n
        return result, docs
    status = "skipped" if outcome.status == "skipped" else "failed"
    return FileResult(path, status, outcome.reason, 0, seconds=round(outcome.seconds, 3)), []


COMMIT_EVERY = 256  # documents per generation: a kill loses at most these
COMMIT_SECONDS = 300.0  # ... or what was loaded in this long
LOAD_BATCH = 64  # files handed to the loader workers at a time


def ingest(paths: Iterable[str | Path], index_dir: str | Path, *, model: str =
           DEFAULT_MODEL, prune: bool = False, progress: bool = False,
           index: Index | None = None, limits: IngestLimits | None = None,
           pii: str = "flag", commit_every: int = COMMIT_EVERY,
           commit_seconds: float = COMMIT_SECONDS) -> IngestReport:
    """Load, chunk, embed and upsert in bounded batches; with `prune`, drop documents whose
    files are gone.

    Files stream through load → chunk → embed → write: a generation is committed every
    `commit_every` documents or `commit_seconds` of loading, whichever comes first, so memory
    stays bounded as the corpus grows and a killed ingest keeps every committed batch. The
    same command run again finds those files unchanged (same bytes as indexed) and loads,
    and embeds, only the rest; the embedding cache is written per batch.

    `pii`: off | flag (list findings per file in the report) | redact (replace them in the
    text before chunking)."""
    if pii not in pii_mod.MODES:
        raise ValueError(f"unknown PII mode {pii!r}: use one of {', '.join(pii_mod.MODES)}")
    if commit_every < 1 or commit_seconds <= 0:
        raise ValueError("commit_every must be >= 1 and commit_seconds > 0")
    started = time.perf_counter()
    report = IngestReport(pii_mode=pii)
    files = discover_files(paths)
    if index is None and (Path(index_dir) / MANIFEST).exists():
        # An existing index (opened, and its model checked, as before): files it already
        # holds byte for byte need no loading.
        index = Index.create(index_dir, model, exist_ok=True)
    indexed = index.documents_by_source() if index is not None else None
    seen: set[str] = set()  # document ids loaded in this run (duplicates across files)
    loaded_any = False
    pending: list[Document] = []
    since = time.perf_counter()
    bar = _progress(len(files), progress, "loading")

    def commit() -> None:
        nonlocal index, pending, since
        if pending:
            if index is None:
                index = Index.create(index_dir, model, exist_ok=True)
            report.index.merge(index.add(pending, progress=progress))
        pending, since = [], time.perf_counter()

    try:
        for start in range(0, len(files), LOAD_BATCH):
            docs = load_files(files[start:start + LOAD_BATCH], report, bar, limits=limits,
                              indexed=indexed, redact=pii == "redact")
            ids = [d.id for d in docs]
            dupes = ({i for i in ids if ids.count(i) > 1} if len(set(ids)) != len(ids)
                     else set()) | (seen & set(ids))
            if dupes:
                raise IngestError(f"two files map to the same document id(s) "
                                  f"{sorted(dupes)[:5]}: ingest them from one root folder")
            seen.update(ids)
            if pii != "off":
                apply_pii(docs, report, redact=pii == "redact")
            loaded_any = loaded_any or bool(docs)
            for doc in docs:
                pending.append(doc)
                if len(pending) >= commit_every:
                    commit()
            if time.perf_counter() - since >= commit_seconds:
                commit()
        commit()
    finally:
        if bar:
            bar.close()
    unchanged = [i for f in report.files if f.status == "unchanged" for i in f.doc_ids]
    if not loaded_any and not unchanged:
        reasons = "; ".join(f"{f.path}: {f.reason}" for f in report.files[:5])
        raise IngestError(f"no document could be loaded ({reasons})")
    if index is None:
        index = Index.create(index_dir, model, exist_ok=True)
    report.index.unchanged = sorted({*report.index.unchanged, *unchanged})
    if prune:
        prune_missing(index, seen | set(unchanged), report.index)
    report.seconds = time.perf_counter() - started
    return report


def prune_missing(index: Index, present: set[str], report: AddReport) -> None:
    """Delete documents not seen in this run whose source files are gone."""
    gone = [doc_id for doc_id, source in index.documents().items()
            if doc_id not in present and not (source and Path(source).exists())]
    if gone:
        deleted = index.delete(gone)
        report.deleted = deleted.deleted
        report.chunks_removed += deleted.chunks_removed


def apply_pii(docs: list[Document], report: IngestReport, redact: bool) -> None:
    """Scan every block (and title and heading trail); record findings on the file's
    result; with `redact`, replace them in place.

    A redacted document gets a derived checksum, so switching between flag and redact
    re-indexes it instead of finding it unchanged."""
    by_source = {str(Path(f.path).resolve()): f for f in report.files}
    for doc in docs:
        found: dict[str, dict[str, Any]] = {}
        for i, block in enumerate(doc.blocks):
            findings = pii_mod.scan(block.text)
            for f in findings:
                entry = found.setdefault(f.kind, {"doc_id": doc.id, "kind": f.kind,
                                                  "count": 0, "blocks": [], "pages": []})
                entry["count"] += 1
                if i not in entry["blocks"]:
                    entry["blocks"].append(i)
                if block.page is not None and block.page not in entry["pages"]:
                    entry["pages"].append(block.page)
            if redact and findings:
                block.text = pii_mod.redact(block.text, findings)
            if redact:
                block.section = [_redacted(s) for s in block.section]
        if redact:
            if doc.title:
                doc.title = _redacted(doc.title)
            doc.checksum = redacted_checksum(doc.checksum)
            doc.metadata["pii_redacted"] = {k: v["count"] for k, v in found.items()}
        result = by_source.get(doc.source)
        if result is not None:
            result.pii.extend(found.values())


def _redacted(text: str) -> str:
    findings = pii_mod.scan(text)
    return pii_mod.redact(text, findings) if findings else text


class _Bar:
    def __init__(self, total: int, desc: str) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, desc=desc, unit="file", leave=False)

    def update(self, n: int) -> None:
        self._bar.update(n)

    def close(self) -> None:
        self._bar.close()


def _progress(total: int, enabled: bool, desc: str) -> _Bar | None:
    return _Bar(total, desc) if enabled and total else None
