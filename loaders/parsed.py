"""What a format parser hands back before the shared steps turn it into a Document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loaders.model import Block


@dataclass
class Parsed:
    """Blocks plus what the parser learned about the file.

    `parts` is for files that hold several documents (curriculum lessons): (part id,
    Parsed) pairs, while `blocks` holds all of them for `load()`. `group_by_page` tells
    language detection to judge a page's blocks together (PDFs); `empty_reason` replaces
    the generic "no text found" when the parser knows better (an image-only PDF without
    OCR, say).
    """

    blocks: list[Block] = field(default_factory=list)
    title: str | None = None
    language: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    parts: list[tuple[str, Parsed]] = field(default_factory=list)
    group_by_page: bool = False
    empty_reason: str | None = None
