"""Markdown without heavy dependencies: headings, lists, tables, fenced code, paragraphs.

A line-based reader is enough for the leaflets and notes content teams write, and keeps
`.md` loading free of unstructured's multi-second import.
"""

from __future__ import annotations

import re
import unicodedata

from loaders.model import Block, BlockKind
from loaders.normalize import collapse_lines

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([\w+.#-]*)")
_ITEM = re.compile(r"^(\s*)(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$|^[^|`]*\|[^|]*")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_HR = re.compile(r"^ {0,3}([-*_])(\s*\1){2,}\s*$")
_QUOTE = re.compile(r"^\s*>\s?")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|`)(.+?)\1")
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _inline(text: str) -> str:
    """Link and image markup to their text, emphasis and code marks dropped."""
    text = _LINK.sub(r"\1", text)
    return collapse_lines(_EMPHASIS.sub(r"\2", text))


def _cells(row: str) -> list[str]:
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [_inline(c.replace("\\|", "|")).replace("|", "\\|")
            for c in re.split(r"(?<!\\)\|", row)]


def table_markdown(rows: list[list[str]]) -> str:
    """Rows of cell texts as a Markdown table; the first row is the header."""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def parse_markdown(text: str) -> list[Block]:
    """Blocks in order, each with its heading trail (`section`)."""
    text = unicodedata.normalize("NFC", _COMMENT.sub("", text))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = _strip_front_matter(lines)
    blocks: list[Block] = []
    trail: list[tuple[int, str]] = []
    para: list[str] = []
    item: list[str] | None = None

    def section() -> list[str]:
        return [t for _, t in trail]

    def flush() -> None:
        nonlocal item
        if item is not None:
            body = _inline(" ".join(item))
            if body:
                blocks.append(Block(kind=BlockKind.LIST_ITEM, text=body, section=section()))
            item = None
        if para:
            body = _inline(" ".join(para))
            if body:
                blocks.append(Block(kind=BlockKind.PARAGRAPH, text=body, section=section()))
            para.clear()

    def heading(level: int, title: str) -> None:
        title = _inline(title)
        if not title:
            return
        trail[:] = [(lvl, t) for lvl, t in trail if lvl < level]
        blocks.append(Block(kind=BlockKind.HEADING, text=title, level=level, section=section()))
        trail.append((level, title))

    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            flush()
            marker, lang = fence.group(1), fence.group(2)
            body: list[str] = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(marker):
                body.append(lines[i])
                i += 1
            code = "\n".join(body).strip("\n")
            if code.strip():
                blocks.append(Block(kind=BlockKind.CODE, text=code, section=section(),
                                    metadata={"code_language": lang} if lang else {}))
            i += 1
            continue
        if (_TABLE_ROW.match(line) and i + 1 < len(lines) and _TABLE_SEP.match(lines[i + 1])
                and "|" in line):
            if para and item is None:  # a short line right above a table is its caption
                caption = _inline(" ".join(para))
                para.clear()
                if caption:
                    blocks.append(Block(kind=BlockKind.CAPTION if len(caption) <= 200
                                        else BlockKind.PARAGRAPH, text=caption,
                                        section=section()))
            flush()
            rows = [_cells(line)]
            i += 2
            while i < len(lines) and lines[i].strip() and "|" in lines[i]:
                rows.append(_cells(lines[i]))
                i += 1
            blocks.append(Block(kind=BlockKind.TABLE, text=table_markdown(rows),
                                section=section(),
                                metadata={"rows": len(rows), "columns": len(rows[0])}))
            continue
        atx = _ATX.match(line)
        if atx:
            flush()
            heading(len(atx.group(1)), atx.group(2) or "")
            i += 1
            continue
        setext = _SETEXT.match(line)
        if setext and para and item is None:
            title = " ".join(para)
            para.clear()
            heading(1 if setext.group(1)[0] == "=" else 2, title)
            i += 1
            continue
        if _HR.match(line) or not line.strip():
            flush()
            i += 1
            continue
        line = _QUOTE.sub("", line)
        bullet = _ITEM.match(line)
        if bullet:
            flush()
            item = [bullet.group(2)]
        elif item is not None and (line.startswith((" ", "\t")) or not para):
            item.append(line.strip())
        else:
            para.append(line.strip())
        i += 1
    flush()
    return blocks


def _strip_front_matter(lines: list[str]) -> list[str]:
    """YAML front matter (between --- lines at the very top) is metadata, not text."""
    if lines and lines[0].strip() == "---":
        for j in range(1, min(len(lines), 200)):
            if lines[j].strip() in ("---", "..."):
                return lines[j + 1:]
    return lines
