"""Verifying index directories after a SIGKILL.

    python -m tests.fuzz.crash SNAPSHOT_DIR...

For each directory: `check_index`, then `Index.open` (with a stub embedder carrying the
manifest's model checksum and dimension: opening reads every index file, no model needed),
its generation and counts, and the documents it holds. Prints one JSON list.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

from indexer.index import Index
from indexer.storage.check import check_index
from indexer.storage.manifest import read_manifest
from tests.fuzz.stub import StubEmbedder


def verify(path: Path) -> dict[str, Any]:
    report = check_index(path)
    out: dict[str, Any] = {"path": str(path), "ok": report.ok, "problems": report.problems,
                           "warnings": report.warnings}
    try:
        manifest = read_manifest(path)
        stub = StubEmbedder(dim=manifest["dim"], checksum=manifest["model"]["checksum"],
                            name=manifest["model"]["name"])
        index = Index.open(path, embedder=stub)
        info = index.info()
        out.update({"manifest_generation": manifest["generation_dir"],
                    "opened_generation": info["generation"], "documents": info["documents"],
                    "chunks": info["chunks"], "vectors": info["vectors"],
                    "bm25_documents": info["bm25_documents"]})
        db = sqlite3.connect(f"file:{path / info['generation'] / 'store.sqlite'}?immutable=1",
                             uri=True)
        out["docs"] = {doc_id: [checksum, n] for doc_id, checksum, n in db.execute(
            "SELECT id, checksum, chunk_count FROM documents")}
        out["chunk_ids_unique"] = db.execute(
            "SELECT COUNT(*) = COUNT(DISTINCT id) FROM chunks").fetchone()[0] == 1
        db.close()
        index.close()
    except Exception as exc:  # noqa: BLE001 - reported, the test decides
        out["open_error"] = f"{type(exc).__name__}: {exc}"
    return out


if __name__ == "__main__":
    print(json.dumps([verify(Path(p)) for p in sys.argv[1:]]))
