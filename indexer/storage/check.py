"""`indexer check DIR`: is this index directory whole and self-consistent?

Opening an index checks only what a reader needs to start; this reads everything: the
manifest's checksums of every file of the current generation, SQLite's own integrity check,
and that the chunk table, the FAISS ids and the BM25 ids are the same set, of the size the
manifest states. It also reports what an interrupted write leaves behind (unfinished
generations, a temporary manifest) as warnings: they are harmless, the next write removes
them. Nothing is modified, and no model is loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from indexer.errors import IndexOpenError
from indexer.lifecycle import history, retention
from indexer.lifecycle.card import CARD_FILES
from indexer.storage.manifest import MANIFEST, file_sha256, read_manifest

STORE_FILE, DENSE_FILE, BM25_DIR = "store.sqlite", "dense.faiss", "bm25"
DOCS_FILE = "documents.faiss"
_GEN = re.compile(r"^gen-(\d{6})$")
_KNOWN = {MANIFEST, ".lock", history.HISTORY, retention.POLICY}


@dataclass
class CheckReport:
    path: str
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "ok": self.ok, "problems": self.problems,
                "warnings": self.warnings, "facts": self.facts}


def check_index(path: str | Path) -> CheckReport:
    """Every check, each failure a line in `problems` (`ok` is False when any)."""
    root = Path(path)
    report = CheckReport(str(root))
    _check_links(report, root)
    try:
        manifest = read_manifest(root)
    except (IndexOpenError, OSError) as exc:
        report.problems.append(str(exc))
        if root.is_dir():
            _check_generations(report, root, None)
        return report
    gen = root / manifest["generation_dir"]
    counts = manifest["counts"]
    report.facts.update({
        "generation": gen.name, "committed_at": manifest.get("committed_at"),
        "model": manifest["model"].get("name"), "model_checksum": manifest["model"]["checksum"],
        "dim": manifest["dim"], "manifest_documents": counts["documents"],
        "manifest_chunks": counts["chunks"]})
    _check_generations(report, root, gen.name)
    _guarded(report, "model", _check_model, report, manifest["model"])
    _guarded(report, MANIFEST, _check_files, report, gen, manifest.get("files"))
    store = _guarded(report, STORE_FILE, _check_store, report, gen / STORE_FILE)
    dense = _guarded(report, DENSE_FILE, _check_dense, report, gen / DENSE_FILE,
                     manifest["dim"])
    bm25 = _guarded(report, BM25_DIR, _check_bm25, report, gen / BM25_DIR, manifest.get("bm25"))
    _compare(report, counts, store, dense, bm25)
    if manifest.get("documents"):
        _guarded(report, DOCS_FILE, _check_documents, report, gen / DOCS_FILE,
                 manifest["dim"], store)
    return report


def _check_documents(report: CheckReport, path: Path, dim: int,
                     store: dict[str, Any] | None) -> None:
    """One document vector per document with chunks, under its first chunk's row id."""
    from indexer.dense import files as dense_io
    try:
        index, tombstones, _ = dense_io.read(path, int(dim))
        import faiss

        ids = faiss.vector_to_array(index.id_map).astype(np.int64)
    except (ValueError, FileNotFoundError, OSError, RuntimeError, MemoryError) as exc:
        report.problems.append(f"{path.name}: {exc}")
        return
    live = set(np.setdiff1d(ids, tombstones).tolist())
    report.facts["document_vectors"] = len(live)
    if store is not None and live != set(store["firsts"].tolist()):
        want = set(store["firsts"].tolist())
        report.problems.append(f"{path.name}: {len(live - want)} document vectors without a "
                               f"document, {len(want - live)} documents without a vector")


def _guarded(report: CheckReport, what: str, func: Any, *args: Any) -> Any:
    """A damaged file can make a library raise anything (numpy's header parser raises
    tokenize errors); the check reports it and goes on to the next part."""
    try:
        return func(*args)
    except MemoryError:
        report.problems.append(f"{what}: too large to load (a header claims an absurd size?)")
    except Exception as exc:  # noqa: BLE001 - see above
        report.problems.append(f"{what}: unreadable ({type(exc).__name__}: {exc})")
    return None


def _check_links(report: CheckReport, root: Path) -> None:
    """Symbolic links out of the index are errors; inside it, warnings."""
    if not root.is_dir():
        return
    top = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            if p.is_symlink():
                rel = p.relative_to(root).as_posix()
                target = p.resolve()
                if not target.is_relative_to(top):
                    report.problems.append(f"{rel}: symbolic link out of the index "
                                           f"(to {target})")
                else:
                    report.warnings.append(f"{rel}: symbolic link inside the index")


def _check_generations(report: CheckReport, root: Path, current: str | None) -> None:
    """Unfinished generations (newer than the current one) and stray old ones."""
    cur = int(current[4:]) if current else None
    older: list[str] = []
    recorded = set(history.committed(root))  # kept generations, newer ones after a rollback
    for p in sorted(root.iterdir()):
        m = _GEN.match(p.name)
        if m and p.is_dir() and not p.is_symlink():
            n = int(m.group(1))
            if p.name == current:
                continue
            if (cur is None or n > cur) and p.name not in recorded:
                report.warnings.append(f"{p.name}: unfinished generation left by an "
                                       "interrupted write (the next write removes it)")
            else:
                older.append(p.name)
        elif p.name == f".{MANIFEST}.tmp":
            report.warnings.append(f"{p.name}: temporary manifest left by an interrupted "
                                   "commit (ignored; the next write replaces it)")
        elif p.name not in _KNOWN:
            report.warnings.append(f"{p.name}: unexpected entry in the index directory")
    report.facts["previous_generations"] = older
    keep = retention.read_keep(root) - 1  # older ones kept on purpose (retention policy)
    for name in older[:max(len(older) - keep, 0)]:
        report.warnings.append(f"{name}: stray old generation (the next write removes it)")


def _check_model(report: CheckReport, model: dict[str, Any]) -> None:
    """The model the index was built with must be the installed one, or readers refuse to
    open the index; checked from the install record (no weights are loaded)."""
    from indexer import models

    try:
        installed = models.model_checksum(models.resolve(model["name"]))
    except Exception:  # noqa: BLE001 - not installed here, or not a registered name
        report.warnings.append(f"model {model['name']!r} is not installed here: its checksum "
                               "cannot be confirmed")
        return
    if installed != model["checksum"]:
        report.problems.append(
            f"index was built with model {model['name']!r} checksum {model['checksum'][:12]}, "
            f"the installed one has {installed[:12]}: readers will refuse this index")


def _check_files(report: CheckReport, gen: Path, files: dict[str, str] | None) -> None:
    if files is None:
        report.problems.append(f"{MANIFEST}: no file checksums recorded")
        return
    present: dict[str, Path] = {}
    for dirpath, _, filenames in os.walk(gen, followlinks=False):
        for name in filenames:
            p = Path(dirpath, name)
            present[p.relative_to(gen).as_posix()] = p
    for rel in sorted(set(files) - set(present)):
        report.problems.append(f"{gen.name}/{rel}: listed in the manifest but missing")
    for rel in sorted(set(present) - set(files) - set(CARD_FILES)):  # cards: annotations
        report.problems.append(f"{gen.name}/{rel}: not in the manifest (added after commit)")
    bad = [rel for rel in sorted(set(files) & set(present))
           if not present[rel].is_symlink() and file_sha256(present[rel]) != files[rel]]
    for rel in bad:
        report.problems.append(f"{gen.name}/{rel}: checksum differs from the manifest "
                               "(modified or damaged after commit)")
    report.facts["files_checked"] = len(set(files) & set(present))


def _check_store(report: CheckReport, path: Path) -> dict[str, Any] | None:
    if not path.is_file() or path.is_symlink():
        report.problems.append(f"{path.name}: missing or not a plain file")
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        report.problems.append(f"{path.name}: cannot open ({exc})")
        return None
    try:
        verdict = [r[0] for r in db.execute("PRAGMA integrity_check")]
        if verdict != ["ok"]:
            report.problems.append(f"{path.name}: SQLite integrity_check: "
                                   + "; ".join(str(v) for v in verdict[:5]))
            return None
        docs = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        rowids = np.fromiter((r for (r,) in db.execute("SELECT rowid FROM chunks")),
                             dtype=np.int64)
        firsts = np.fromiter((r for (r,) in db.execute(
            "SELECT rowid FROM chunks WHERE ord = 0")), dtype=np.int64)
        orphans = db.execute("SELECT COUNT(*) FROM chunks WHERE doc_id NOT IN "
                             "(SELECT id FROM documents)").fetchone()[0]
        declared = db.execute("SELECT COALESCE(SUM(chunk_count), 0) FROM documents"
                              ).fetchone()[0]
    except sqlite3.Error as exc:
        report.problems.append(f"{path.name}: unreadable ({exc})")
        return None
    finally:
        db.close()
    if orphans:
        report.problems.append(f"{path.name}: {orphans} chunks belong to no document")
    if declared != len(rowids):
        report.problems.append(f"{path.name}: documents declare {declared} chunks, the chunk "
                               f"table holds {len(rowids)}")
    report.facts.update({"documents": int(docs), "chunks": len(rowids)})
    return {"documents": int(docs), "ids": rowids, "firsts": firsts}


def _check_dense(report: CheckReport, path: Path, dim: int) -> np.ndarray | None:
    from indexer.dense import files as dense_io
    try:
        index, tombstones, _ = dense_io.read(path, int(dim))
        import faiss

        ids = faiss.vector_to_array(index.id_map).astype(np.int64)
    except (ValueError, FileNotFoundError, OSError, RuntimeError, MemoryError) as exc:
        report.problems.append(f"{path.name}: {exc}")
        return None
    live = np.setdiff1d(ids, tombstones)
    if len(np.unique(ids)) != len(ids):
        report.problems.append(f"{path.name}: an id is stored twice")
    report.facts.update({"vectors": len(live), "tombstones": len(tombstones)})
    return live


def _check_bm25(report: CheckReport, path: Path, settings: Any) -> np.ndarray | None:
    from indexer.bm25 import BM25Index

    try:
        bm25 = BM25Index.load(path)
    except (ValueError, FileNotFoundError, OSError, KeyError, TypeError, MemoryError) as exc:
        report.problems.append(f"{BM25_DIR}: {exc}")
        return None
    if bm25.config.to_dict() != settings:
        report.problems.append(f"{BM25_DIR}: tokenizer settings differ from the manifest")
    ids = bm25.ids()
    report.facts["bm25_documents"] = int(bm25.doc_count)
    return ids


def _compare(report: CheckReport, counts: dict[str, int], store: dict[str, Any] | None,
             dense: np.ndarray | None, bm25: np.ndarray | None) -> None:
    if store is not None:
        if store["documents"] != counts["documents"]:
            report.problems.append(f"manifest counts {counts['documents']} documents, the "
                                   f"store holds {store['documents']}")
        if len(store["ids"]) != counts["chunks"]:
            report.problems.append(f"manifest counts {counts['chunks']} chunks, the store "
                                   f"holds {len(store['ids'])}")
    named = {"chunk rowids": store["ids"] if store is not None else None,
             "FAISS ids": dense, "BM25 ids": bm25}
    sets = {k: set(v.tolist()) for k, v in named.items() if v is not None}
    for name, ids in sets.items():
        if name != "chunk rowids" and len(ids) != counts["chunks"]:
            report.problems.append(f"{len(ids)} {name} for {counts['chunks']} chunks in the "
                                   "manifest")
    items = list(sets.items())
    for (a, ids_a), (b, ids_b) in zip(items, items[1:], strict=False):
        if ids_a != ids_b:
            report.problems.append(
                f"{a} and {b} differ: {len(ids_a - ids_b)} only in {a}, "
                f"{len(ids_b - ids_a)} only in {b}")


def format_report(report: CheckReport) -> str:
    """Plain lines for people: verdict, then problems, then warnings."""
    f = report.facts
    lines = [f"{report.path}: {'ok' if report.ok else 'DAMAGED'}"
             + (f" ({f.get('generation')}, {f.get('documents', '?')} documents, "
                f"{f.get('chunks', '?')} chunks)" if "generation" in f else "")]
    lines += [f"  problem: {p}" for p in report.problems]
    lines += [f"  warning: {w}" for w in report.warnings]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m indexer.storage.check DIR [--json]`: exit 0 when ok, 1 when damaged."""
    parser = argparse.ArgumentParser(prog="indexer check", description=__doc__.split("\n")[0])
    parser.add_argument("index_dir")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = check_index(args.index_dir)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
