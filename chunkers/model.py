"""The type the chunkers produce: a Chunk, the unit that is embedded, indexed and returned."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any


def chunk_id(doc_id: str, text: str, section: list[str] | None = None, ordinal: int = 0) -> str:
    """A stable id from the document id and the chunk's content.

    Re-chunking unchanged text gives the same id, so upserts can skip what did not change;
    `ordinal` separates identical texts repeated inside one document.
    """
    h = hashlib.sha256()
    for part in (doc_id, "\x1f".join(section or []), text, str(ordinal)):
        h.update(part.encode("utf-8"))
        h.update(b"\x1e")
    return h.hexdigest()[:24]


@dataclass
class Chunk:
    """A piece of a document sized for the embedding model, with its heading trail and pages."""

    id: str
    text: str
    doc_id: str
    section: list[str] = field(default_factory=list)
    page_start: int | None = None
    page_end: int | None = None
    language: str | None = None
    source: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def context_text(self) -> str:
        """The text to embed and to index for BM25: heading trail first, then the chunk."""
        if not self.section:
            return self.text
        return " > ".join(self.section) + "\n" + self.text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(
            id=data["id"],
            text=data["text"],
            doc_id=data["doc_id"],
            section=list(data.get("section") or []),
            page_start=data.get("page_start"),
            page_end=data.get("page_end"),
            language=data.get("language"),
            source=data.get("source"),
            metadata=dict(data.get("metadata") or {}),
        )

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_json(cls, text: str) -> Chunk:
        return cls.from_dict(json.loads(text))
