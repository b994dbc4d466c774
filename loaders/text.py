"""Plain text and Markdown without heavy dependencies: blocks from blank lines and headings."""

from __future__ import annotations

import re

from loaders.language import detect_language
from loaders.model import Block, BlockKind
from loaders.normalize import normalize_text

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+(.*)$")


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), then UTF-16 by BOM; anything else is an error."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


def parse_markdown(text: str) -> list[Block]:
    """Headings (`#`), list items and paragraphs, each with its heading trail."""
    blocks: list[Block] = []
    trail: list[tuple[int, str]] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            body = " ".join(paragraph).strip()
            if body:
                blocks.append(_block(BlockKind.PARAGRAPH, body, trail))
            paragraph.clear()

    for line in normalize_text(text).split("\n"):
        heading = _HEADING.match(line)
        item = _LIST_ITEM.match(line)
        if heading:
            flush()
            level, title = len(heading.group(1)), heading.group(2)
            trail[:] = [(lvl, t) for lvl, t in trail if lvl < level]
            blocks.append(_block(BlockKind.HEADING, title, trail, level=level))
            trail.append((level, title))
        elif item:
            flush()
            blocks.append(_block(BlockKind.LIST_ITEM, item.group(1), trail))
        elif not line:
            flush()
        else:
            paragraph.append(line)
    flush()
    return blocks


def parse_text(text: str) -> list[Block]:
    """Paragraphs separated by blank lines; a short first line becomes the title heading."""
    paragraphs = [p for p in re.split(r"\n\s*\n", normalize_text(text)) if p.strip()]
    blocks: list[Block] = []
    trail: list[tuple[int, str]] = []
    for i, para in enumerate(paragraphs):
        para = " ".join(para.split("\n"))
        if i == 0 and len(para) <= 120 and not para.endswith((".", "।", "?", "!")):
            blocks.append(_block(BlockKind.HEADING, para, trail, level=1))
            trail.append((1, para))
        else:
            blocks.append(_block(BlockKind.PARAGRAPH, para, trail))
    return blocks


def _block(kind: BlockKind, text: str, trail: list[tuple[int, str]], level: int | None = None
           ) -> Block:
    return Block(kind=kind, text=text, section=[t for _, t in trail], level=level,
                 language=detect_language(text))
