"""Documents and chunks in SQLite; a chunk's integer row id is its vector id in FAISS and BM25.

One database per generation. A committed generation is never written again, so readers open
it immutable and need no locks.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from chunkers import Chunk
from indexer.errors import IndexOpenError
from loaders import Document

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, source TEXT, checksum TEXT, title TEXT, language TEXT,
    metadata TEXT NOT NULL DEFAULT '{}', chunk_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, doc_id TEXT NOT NULL, ord INTEGER,
    text TEXT NOT NULL, section TEXT NOT NULL DEFAULT '[]', page_start INTEGER,
    page_end INTEGER, language TEXT, source TEXT, metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE INDEX IF NOT EXISTS chunks_lang ON chunks(language);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""

CHUNK_COLUMNS = "rowid, id, doc_id, text, section, page_start, page_end, language, source, metadata"


def _reads(method: Callable[..., T]) -> Callable[..., T]:
    """A damaged database is an index error naming the file, not a raw sqlite3 crash: readers
    open committed generations unchecked (hashing every file on open would cost too much)."""
    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.DatabaseError, json.JSONDecodeError) as exc:
            raise _damaged(self.path, exc) from None
    return wrapper


def _damaged(path: Path, exc: Exception) -> IndexOpenError:
    return IndexOpenError(f"{path}: damaged chunk database ({exc}); run `indexer check` on the "
                       "index")


class Store:
    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.db = db
        self.path = path

    @classmethod
    def create(cls, path: Path) -> Store:
        db = sqlite3.connect(path, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(SCHEMA)
        return cls(db, path)

    @classmethod
    def copy_of(cls, source: Store, path: Path) -> Store:
        """A writable copy for the next generation (SQLite's online backup: consistent)."""
        new = cls.create(path)
        source.db.backup(new.db)
        new.db.execute("PRAGMA journal_mode=WAL")
        return new

    @classmethod
    def open_readonly(cls, path: Path) -> Store:
        if not path.is_file():
            raise FileNotFoundError(f"{path}: missing chunk database")
        db = sqlite3.connect(f"file:{path}?immutable=1", uri=True, check_same_thread=False)
        try:  # reads the header and the schema pages: a foreign or truncated file fails here
            db.execute("SELECT COUNT(*) FROM meta").fetchone()
        except sqlite3.DatabaseError as exc:
            db.close()
            raise _damaged(path, exc) from None
        return cls(db, path)

    def finish(self) -> None:
        """Fold the WAL into the main file so the generation is one self-contained file."""
        self.db.commit()
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.execute("PRAGMA journal_mode=DELETE")
        self.db.close()

    def close(self) -> None:
        self.db.close()

    # -- writes ------------------------------------------------------------------------
    def next_rowid(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key='next_rowid'").fetchone()
        top = self.db.execute("SELECT COALESCE(MAX(rowid), -1) FROM chunks").fetchone()[0]
        return max(int(row[0]) if row else 0, top + 1)

    def put_document(self, doc: Document, chunks: Sequence[Chunk], first_rowid: int) -> list[int]:
        """Insert a document and its chunks; returns the row ids given to the chunks.

        Row ids only grow (kept in `meta`), so a deleted chunk's id is never reused and a stale
        vector can never be mistaken for a new chunk.
        """
        meta = {**doc.metadata, "title": doc.title}
        self.db.execute(
            "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
            (doc.id, doc.source, doc.checksum, doc.title, doc.language,
             json.dumps(meta, ensure_ascii=False), len(chunks)))
        rowids = list(range(first_rowid, first_rowid + len(chunks)))
        self.db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(r, c.id, c.doc_id, i, c.text, json.dumps(c.section, ensure_ascii=False),
              c.page_start, c.page_end, c.language, c.source,
              json.dumps(c.metadata, ensure_ascii=False))
             for i, (r, c) in enumerate(zip(rowids, chunks, strict=True))])
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('next_rowid', ?)",
                        (str(first_rowid + len(chunks)),))
        return rowids

    def delete_document(self, doc_id: str) -> list[int]:
        """Remove a document and its chunks; returns the removed chunks' row ids."""
        rowids = [r for (r,) in self.db.execute(
            "SELECT rowid FROM chunks WHERE doc_id=?", (doc_id,))]
        self.db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
        self.db.execute("DELETE FROM documents WHERE id=?", (doc_id,))
        return rowids

    # -- reads -------------------------------------------------------------------------
    @_reads
    def counts(self) -> dict[str, int]:
        """Documents and chunks stored. Reads every document record (cheap: there are far
        fewer documents than chunks) so that a damaged table shows when an index opens."""
        docs = sum(1 for _ in self.db.execute("SELECT id, checksum, source FROM documents"))
        return {"documents": docs, "chunks": self.count("chunks")}

    @_reads
    def document_checksums(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT id, checksum FROM documents"))

    @_reads
    def document_rows(self) -> list[tuple[str, str, str]]:
        """(id, source, checksum) of every document."""
        return list(self.db.execute("SELECT id, source, checksum FROM documents ORDER BY id"))

    @_reads
    def count(self, table: str) -> int:
        if table not in ("documents", "chunks"):
            raise ValueError(table)
        return int(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    @_reads
    def languages(self) -> dict[str, int]:
        return {lang or "unknown": n for lang, n in self.db.execute(
            "SELECT language, COUNT(*) FROM chunks GROUP BY language ORDER BY 2 DESC")}

    @_reads
    def chunks_by_rowid(self, rowids: Sequence[int]) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for start in range(0, len(rowids), 500):
            part = [int(r) for r in rowids[start:start + 500]]
            marks = ",".join("?" * len(part))
            for row in self.db.execute(
                    f"SELECT {CHUNK_COLUMNS} FROM chunks WHERE rowid IN ({marks})", part):
                out[row[0]] = _row_dict(row)
        return out

    @_reads
    def languages_of(self, rowids: Sequence[int]) -> list[str | None]:
        """Each chunk's language, in the order asked (None for unknown row ids)."""
        ids = [int(r) for r in rowids]
        marks = ",".join("?" * len(ids))
        found = dict(self.db.execute(
            f"SELECT rowid, language FROM chunks WHERE rowid IN ({marks})", ids))
        return [found.get(r) for r in ids]

    @_reads
    def documents_with_chunks(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM chunks WHERE ord = 0").fetchone()[0])

    @_reads
    def document_keys(self, rowids: Sequence[int]) -> dict[int, int]:
        """Each chunk's document key: the row id of its document's first chunk (ord 0), the
        id the document's own vector is stored under."""
        out: dict[int, int] = {}
        ids = [int(r) for r in rowids]
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            marks = ",".join("?" * len(part))
            out.update(self.db.execute(
                "SELECT c.rowid, f.rowid FROM chunks c JOIN chunks f "
                f"ON f.doc_id = c.doc_id AND f.ord = 0 WHERE c.rowid IN ({marks})", part))
        return out

    @_reads
    def chunks_of_documents(self, keys: Sequence[int]) -> dict[int, list[int]]:
        """Document key → the row ids of all its chunks."""
        out: dict[int, list[int]] = {}
        ids = [int(k) for k in keys]
        if not ids:
            return out
        marks = ",".join("?" * len(ids))
        for key, rowid in self.db.execute(
                "SELECT f.rowid, c.rowid FROM chunks f JOIN chunks c ON c.doc_id = f.doc_id "
                f"WHERE f.rowid IN ({marks}) AND f.ord = 0 ORDER BY c.rowid", ids):
            out.setdefault(key, []).append(rowid)
        return out

    @_reads
    def filter_rowids(self, where: str, params: Sequence[Any]) -> list[int]:
        return [r for (r,) in self.db.execute(f"SELECT rowid FROM chunks WHERE {where}",
                                              list(params))]


def _row_dict(row: Sequence[Any]) -> dict[str, Any]:
    rowid, cid, doc_id, text, section, p0, p1, lang, source, meta = row
    return {"rowid": rowid, "chunk_id": cid, "doc_id": doc_id, "text": text,
            "section": json.loads(section), "page_start": p0, "page_end": p1,
            "language": lang, "source": source, "metadata": json.loads(meta)}
