"""Markdown or plain text to Blocks, for text that arrives without a loader (LlamaIndex nodes).

The loaders own file parsing; this is the small subset the chunker needs to find structure in
text it is handed: ATX headings, list items, pipe tables, fenced code and paragraphs. Plain
text without any of these is paragraphs split at blank lines.
"""

from __future__ import annotations

import regex

from loaders import Block, BlockKind, detect_language, normalize_text

_HEADING = regex.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = regex.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
_TABLE_ROW = regex.compile(r"^\s*\|.*\|\s*$")
_FENCE = regex.compile(r"^\s*(```|~~~)")


def parse_markdown_blocks(text: str, language: str | None = None) -> list[Block]:
    """Blocks with heading trails; `language` is used where detection finds nothing."""
    blocks: list[Block] = []
    trail: list[tuple[int, str]] = []
    para: list[str] = []
    table: list[str] = []
    code: list[str] | None = None

    def add(kind: BlockKind, body: str, level: int | None = None) -> None:
        body = body.strip("\n") if kind == BlockKind.CODE else body.strip()
        if body:
            lang = detect_language(body) if kind != BlockKind.CODE else None
            blocks.append(Block(kind=kind, text=body, section=[t for _, t in trail],
                                level=level, language=lang or language))

    def flush() -> None:
        if para:
            add(BlockKind.PARAGRAPH, " ".join(para))
            para.clear()
        if table:
            add(BlockKind.TABLE, "\n".join(table))
            table.clear()

    for line in normalize_text(text).split("\n"):
        if code is not None:
            if _FENCE.match(line):
                add(BlockKind.CODE, "\n".join(code))
                code = None
            else:
                code.append(line)
            continue
        if _FENCE.match(line):
            flush()
            code = []
            continue
        if _TABLE_ROW.match(line):
            if para:  # a short line right above a table (no blank line) is its caption
                body = " ".join(para)
                para.clear()
                add(BlockKind.CAPTION if len(body) <= 200 else BlockKind.PARAGRAPH, body)
            table.append(line)
            continue
        if table:
            flush()
        heading = _HEADING.match(line)
        item = _LIST_ITEM.match(line)
        if heading:
            flush()
            level, title = len(heading.group(1)), heading.group(2)
            trail[:] = [(lvl, t) for lvl, t in trail if lvl < level]
            add(BlockKind.HEADING, title, level)
            trail.append((level, title))
        elif item:
            flush()
            add(BlockKind.LIST_ITEM, item.group(1))
        elif not line:
            flush()
        else:
            para.append(line)
    if code is not None:
        add(BlockKind.CODE, "\n".join(code))
    flush()
    return blocks
