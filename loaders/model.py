"""The types the loaders produce: a Document made of Blocks.

Everything downstream (chunkers, the index, the CLI's JSON) reads these, so they are plain
dataclasses with a lossless JSON round trip and no behaviour beyond (de)serialization.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class BlockKind(StrEnum):
    """What a block is in the document's structure; chunkers treat each kind differently."""

    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE = "table"
    CAPTION = "caption"
    CODE = "code"
    STEP = "step"  # one step of a curriculum lesson
    OTHER = "other"


BBox = tuple[float, float, float, float]


@dataclass
class Block:
    """One unit of reading order: a heading, a paragraph, a list item, a table (as Markdown)...

    `section` is the heading trail above the block (outermost first), so a chunk cut from it
    can carry its context; `page` is 1-based and `bbox` is (x0, y0, x1, y1) in PDF points,
    both None for formats without pages.
    """

    kind: BlockKind
    text: str
    page: int | None = None
    bbox: BBox | None = None
    language: str | None = None
    section: list[str] = field(default_factory=list)
    level: int | None = None  # heading level (1 = top) for headings
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = str(self.kind)
        data["bbox"] = list(self.bbox) if self.bbox is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Block:
        bbox = data.get("bbox")
        return cls(
            kind=BlockKind(data["kind"]),
            text=data["text"],
            page=data.get("page"),
            bbox=tuple(bbox) if bbox is not None else None,  # type: ignore[arg-type]
            language=data.get("language"),
            section=list(data.get("section") or []),
            level=data.get("level"),
            metadata=dict(data.get("metadata") or {}),
        )


@dataclass
class Document:
    """A loaded file (or one curriculum lesson) with provenance.

    `id` is stable for the same file under the same ingest root, so re-ingesting finds it;
    `checksum` (sha256 of the raw bytes) tells whether it changed.
    """

    id: str
    source: str
    checksum: str
    title: str | None = None
    language: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    @property
    def text(self) -> str:
        """All block texts joined by blank lines (for language detection and previews)."""
        return "\n\n".join(b.text for b in self.blocks if b.text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "checksum": self.checksum,
            "title": self.title,
            "language": self.language,
            "metadata": dict(self.metadata),
            "blocks": [b.to_dict() for b in self.blocks],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return cls(
            id=data["id"],
            source=data["source"],
            checksum=data["checksum"],
            title=data.get("title"),
            language=data.get("language"),
            metadata=dict(data.get("metadata") or {}),
            blocks=[Block.from_dict(b) for b in data.get("blocks") or []],
        )

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_json(cls, text: str) -> Document:
        return cls.from_dict(json.loads(text))
