"""Metadata filters → an SQL condition over chunks, applied before top-k in every retriever.

Keys: `language`, `source`, `doc_id` (a value or a list), `section` (a heading-trail prefix,
as a list or a ' > '-joined string), `tags` (any of). Unknown keys are an error, not ignored:
a misspelled filter that silently matched everything would return wrong passages.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

KEYS = ("language", "source", "doc_id", "section", "tags")


def _values(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def to_sql(filters: Mapping[str, Any] | None) -> tuple[str, list[Any]] | None:
    """(where clause, parameters), or None when there is nothing to filter."""
    if not filters:
        return None
    unknown = set(filters) - set(KEYS)
    if unknown:
        raise ValueError(f"unknown filter(s) {sorted(unknown)}: allowed are {list(KEYS)}")
    parts: list[str] = []
    params: list[Any] = []
    for key in ("language", "source", "doc_id"):
        if filters.get(key) is not None:
            vals = _values(filters[key])
            parts.append(f"{key} IN ({','.join('?' * len(vals))})")
            params.extend(vals)
    if filters.get("section"):
        prefix = filters["section"]
        if isinstance(prefix, str):
            prefix = [p.strip() for p in prefix.split(">") if p.strip()]
        head = json.dumps(list(prefix), ensure_ascii=False)[:-1]
        parts.append("section LIKE ? ESCAPE '\\'")
        params.append(_escape_like(head) + "%")
    if filters.get("tags"):
        vals = _values(filters["tags"])
        parts.append("EXISTS (SELECT 1 FROM json_each(chunks.metadata, '$.tags') "
                     f"WHERE value IN ({','.join('?' * len(vals))}))")
        params.extend(vals)
    if not parts:
        return None
    return " AND ".join(parts), params
