"""A hit on the wire has exactly the fields of `indexer search --json`'s hits.

`Hit.metadata` stays on the server: it can hold PII findings from ingestion (phone numbers,
names), which a search response must never carry.
"""

from __future__ import annotations

from typing import Any

from indexer.hits import Hit

HIT_FIELDS = ("chunk_id", "doc_id", "score", "text", "source", "page", "lang", "section",
              "rank", "scores")


def hit_json(hit: Hit) -> dict[str, Any]:
    return {name: getattr(hit, name) for name in HIT_FIELDS}
