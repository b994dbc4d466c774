"""Markdown tables cut by rows, so every piece can still be read as a table.

A table that fits the budget stays one piece. A larger one is cut between rows (a row is one
line, so a piece never ends inside a row) and every piece repeats the lines above the first
row: any caption, the header row and the `|---|` separator. Without the header a piece of
numbers means nothing to the reader or to the embedding model.

A single row bigger than the budget is, by default ("split"), cut into groups of columns,
each a small table with the first column (the row's label) and the matching header cells
repeated; a cell that alone is too big is cut at sentences and words like running text.
With "keep" the row stays whole and the piece is flagged `oversize` (the model will
truncate it): for callers who would rather lose the tail than see a row in parts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import regex

from chunkers.sentences import split_to_fit

Counter = Callable[[Sequence[str]], list[int]]

_SEPARATOR = regex.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_CELL_SPLIT = regex.compile(r"(?<!\\)\|")


@dataclass
class TablePiece:
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParsedTable:
    """A Markdown table: lines repeated in every piece (caption, header, separator), rows."""

    caption: list[str]
    header: list[str]
    rows: list[str]
    header_cells: list[str] | None

    @property
    def prefix(self) -> list[str]:
        return [*self.caption, *self.header]


def parse_table(text: str) -> ParsedTable:
    """Find the header by its separator line; without one, the first row is the header."""
    lines = [ln for ln in text.strip().split("\n") if ln.strip()]
    sep = next((i for i, ln in enumerate(lines) if i > 0 and _SEPARATOR.match(ln)), None)
    if sep is not None:
        return ParsedTable(lines[:sep - 1], lines[sep - 1:sep + 1], lines[sep + 1:],
                           cells(lines[sep - 1]))
    first = next((i for i, ln in enumerate(lines) if "|" in ln), None)
    if first is None:
        return ParsedTable([], [], lines, None)
    return ParsedTable(lines[:first], [lines[first]], lines[first + 1:], cells(lines[first]))


def cells(row: str) -> list[str]:
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [c.strip() for c in _CELL_SPLIT.split(row)]


def _row(values: Sequence[str]) -> str:
    return "| " + " | ".join(values) + " |"


def split_table(text: str, limit: int, count: Counter, oversize_rows: str = "split"
                ) -> list[TablePiece]:
    """Pieces of at most `limit` tokens (except rows kept whole under "keep")."""
    text = text.strip()
    if not text:
        return []
    if count([text])[0] <= limit:
        return [TablePiece(text)]
    table = parse_table(text)
    prefix = "\n".join(table.prefix)
    prefix_tokens = count([prefix])[0] if prefix else 0
    if prefix_tokens > limit // 2:  # a giant header: cut the table as plain lines instead
        table = ParsedTable([], [], table.prefix + table.rows, None)
        prefix, prefix_tokens = "", 0
    room = limit - prefix_tokens
    sizes = count(table.rows) if table.rows else []
    groups: list[list[str]] = []
    cur: list[str] = []
    cur_size = 0
    total = sum(sizes)
    target = total / max(1, -(-total // max(room, 1)))
    pieces: list[TablePiece] = []

    def flush() -> None:
        nonlocal cur, cur_size
        if cur:
            groups.append(cur)
        cur, cur_size = [], 0

    for row, size in zip(table.rows, sizes, strict=True):
        if size > room:
            flush()
            groups.append([row])
            continue
        if cur and (cur_size + size > room or cur_size + size / 2 > target):
            flush()
        cur.append(row)
        cur_size += size
    flush()
    for rows in groups:
        piece = "\n".join([*table.prefix, *rows])
        if len(rows) == 1 and count([piece])[0] > limit:
            pieces.extend(_oversize_row(table, rows[0], limit, count, oversize_rows))
        else:
            pieces.append(TablePiece(piece))
    return pieces


def _oversize_row(table: ParsedTable, row: str, limit: int, count: Counter, mode: str
                  ) -> list[TablePiece]:
    whole = "\n".join([*table.prefix, row])
    if mode == "keep":
        return [TablePiece(whole, {"oversize": True})]
    values = cells(row)
    header = table.header_cells
    if header is None or len(header) != len(values) or len(values) < 2:
        parts = split_to_fit(row, max(1, limit - _prefix_tokens(table, count)), count)
        return [TablePiece("\n".join([*table.prefix, p]), {"row_part": True}) for p in parts]
    caption = table.caption

    def mini(cols: list[int], vals: list[str]) -> str:
        return "\n".join([*caption, _row([header[c] for c in cols]),
                          _row(["---"] * len(cols)), _row(vals)])

    out: list[TablePiece] = []
    cols: list[int] = []
    for c in range(1, len(values)):
        trial = [0, *cols, c]
        if count([mini(trial, [values[k] for k in trial])])[0] <= limit:
            cols.append(c)
            continue
        if cols:
            keep = [0, *cols]
            out.append(TablePiece(mini(keep, [values[k] for k in keep]), {"row_part": True}))
            cols = []
        if count([mini([0, c], [values[0], values[c]])])[0] <= limit:
            cols = [c]
            continue
        overhead = count([mini([0, c], [values[0], ""])])[0]
        for part in split_to_fit(values[c], max(1, limit - overhead), count):
            out.append(TablePiece(mini([0, c], [values[0], part]), {"row_part": True}))
    if cols:
        keep = [0, *cols]
        out.append(TablePiece(mini(keep, [values[k] for k in keep]), {"row_part": True}))
    return out


def _prefix_tokens(table: ParsedTable, count: Counter) -> int:
    return count(["\n".join(table.prefix)])[0] if table.prefix else 0
