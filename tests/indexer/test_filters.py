"""Filters become SQL that selects chunks before any top-k."""

from __future__ import annotations

import json
import sqlite3

import pytest

from indexer.filters import to_sql
from indexer.storage.store import SCHEMA


@pytest.fixture()
def db() -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.executescript(SCHEMA)
    rows = [
        (1, "c1", "en/a.md", "x", ["Care", "Cord"], "en", "/s/a.md", {"tags": ["newborn"]}),
        (2, "c2", "en/a.md", "y", ["Care", "Cord stump"], "en", "/s/a.md", {}),
        (3, "c3", "hi/b.md", "z", ["देखभाल"], "hi", "/s/b.md", {"tags": ["newborn", "hi"]}),
        (4, "c4", "ta/c.md", "w", ["Care_%"], "ta", "/s/c.md", {"tags": ["x"]}),
    ]
    for rowid, cid, doc, text, section, lang, src, meta in rows:
        con.execute("INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (rowid, cid, doc, 0, text, json.dumps(section, ensure_ascii=False),
                     None, None, lang, src, json.dumps(meta)))
    return con


def ids(db: sqlite3.Connection, filters: dict) -> list[int]:
    where, params = to_sql(filters)
    return [r for (r,) in db.execute(f"SELECT rowid FROM chunks WHERE {where} ORDER BY rowid",
                                     params)]


def test_no_filters_is_none() -> None:
    assert to_sql(None) is None and to_sql({}) is None


def test_language_doc_source(db: sqlite3.Connection) -> None:
    assert ids(db, {"language": "hi"}) == [3]
    assert ids(db, {"language": ["en", "ta"]}) == [1, 2, 4]
    assert ids(db, {"doc_id": "en/a.md", "language": "en"}) == [1, 2]
    assert ids(db, {"source": "/s/c.md"}) == [4]


def test_section_prefix_matches_whole_headings_only(db: sqlite3.Connection) -> None:
    assert ids(db, {"section": ["Care", "Cord"]}) == [1]  # not "Cord stump"
    assert ids(db, {"section": "Care > Cord stump"}) == [2]
    assert ids(db, {"section": ["Care"]}) == [1, 2]
    assert ids(db, {"section": ["Care_%"]}) == [4]  # LIKE wildcards are escaped
    assert ids(db, {"section": "देखभाल"}) == [3]


def test_tags_any_of(db: sqlite3.Connection) -> None:
    assert ids(db, {"tags": "newborn"}) == [1, 3]
    assert ids(db, {"tags": ["x", "hi"]}) == [3, 4]


def test_unknown_filter_is_an_error() -> None:
    with pytest.raises(ValueError, match="lang"):
        to_sql({"lang": "hi"})
