"""Ruled tables: PyMuPDF's table finder, run only where the page's drawings form a grid.

`Page.find_tables` costs 30–150 ms a page (and far more when the optional layout model is
installed, which we switch off with `use_layout=False`); most pages have no table at all.
So pages whose text does not sit in rows of cells skip the search; so do pages where even
the boxes of the vector paths, which MuPDF's text device collects with the text
(`TEXT_COLLECT_VECTORS`), form no grid (reading the drawings themselves costs ~1.5 ms a
page). Otherwise ruling lines are read from `get_cdrawings()`, and the finder runs only on
the clip of a cluster with at least three horizontal and three vertical rule positions,
given those drawings rather than reading them again. Only ruled tables are found, and a
table whose rules are all one path (one box) is not.

The finder is fed our spans instead of the per-character list it builds itself (see
`_span_chars`), and cell text comes from our spans too, so spaces inside cells survive.
That replaces `pymupdf.table.make_chars` for the duration of one call, a PyMuPDF internal:
its presence is checked at run time, and without it (or if the patched call fails) the
finder runs unpatched.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from loaders.markdown import table_markdown
from loaders.normalize import collapse_lines
from loaders.pdf.extract import join_lines

Rect = tuple[float, float, float, float]


@dataclass
class FoundTable:
    bbox: Rect
    markdown: str
    rows: int
    columns: int


def _add_box(horiz: list[Rect], vert: list[Rect], box: Rect, middle: bool) -> None:
    """A box as rules: a thin one is one rule (along its middle when `middle`, else along
    its top or left edge), any other gives its four edges."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if h < 3 and w > 5:
        y = (y0 + y1) / 2 if middle else y0
        horiz.append((x0, y, x1, y))
    elif w < 3 and h > 5:
        x = (x0 + x1) / 2 if middle else x0
        vert.append((x, y0, x, y1))
    elif w > 5 and h > 5:
        horiz += [(x0, y0, x1, y0), (x0, y1, x1, y1)]
        vert += [(x0, y0, x0, y1), (x1, y0, x1, y1)]


def _vector_segments(page_dict: dict[str, Any]) -> tuple[list[Rect], list[Rect]]:
    """Rules as MuPDF's text device saw them (`TEXT_COLLECT_VECTORS`): one box per path,
    free with the page's text. A stroked line's box is the line widened on both sides, so a
    thin box stands for the rule along its middle."""
    horiz: list[Rect] = []
    vert: list[Rect] = []
    for block in page_dict["blocks"]:
        if block.get("type") == 3:
            _add_box(horiz, vert, block["bbox"], middle=True)
    return horiz, vert


def _segments(drawings: list[dict[str, Any]]) -> tuple[list[Rect], list[Rect]]:
    """Horizontal and vertical rules (lines, thin rectangles, rectangle edges)."""
    horiz: list[Rect] = []
    vert: list[Rect] = []
    for path in drawings:
        for item in path.get("items", ()):
            op = item[0]
            if op == "l":
                (ax, ay), (bx, by) = item[1], item[2]
                if abs(ay - by) < 1 and abs(ax - bx) > 5:
                    horiz.append((min(ax, bx), ay, max(ax, bx), ay))
                elif abs(ax - bx) < 1 and abs(ay - by) > 5:
                    vert.append((ax, min(ay, by), ax, max(ay, by)))
            elif op == "re":
                x0, y0, x1, y1 = item[1]
                box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
                _add_box(horiz, vert, box, middle=False)
    return horiz, vert


def _touch(a: Rect, b: Rect, tol: float = 3.0) -> bool:
    return a[0] <= b[2] + tol and b[0] <= a[2] + tol and a[1] <= b[3] + tol and b[1] <= a[3] + tol


def grid_regions(page: Any, drawings: list[dict[str, Any]] | None = None) -> list[Rect]:
    """Clips of clusters of touching rules that look like a grid (two or more rows and
    columns of cells), from the page's drawings (`get_cdrawings()`, read if not given)."""
    if drawings is None:
        drawings = page.get_cdrawings()
    return _grid(*_segments(drawings), page.rect.width, page.rect.height)


def _grid(horiz: list[Rect], vert: list[Rect], width: float, height: float) -> list[Rect]:
    if len(horiz) < 2 or len(vert) < 2:
        return []
    segs = [(s, True) for s in horiz] + [(s, False) for s in vert]
    segs = [(s, h) for s, h in segs
            if s[2] >= 0 and s[3] >= 0 and s[0] <= width and s[1] <= height
            and (s[2] - s[0] < 0.98 * width or not h) and (s[3] - s[1] < 0.98 * height or h)]

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    segs.sort(key=lambda s: s[0][0])
    parent = list(range(len(segs)))
    for i, j in _touching_pairs(segs):
        parent[find(i)] = find(j)
    clusters: dict[int, list[tuple[Rect, bool]]] = {}
    for i, seg in enumerate(segs):
        clusters.setdefault(find(i), []).append(seg)
    regions = []
    for members in clusters.values():
        ys = {round(s[1]) for s, h in members if h}
        xs = {round(s[0]) for s, h in members if not h}
        if len(ys) >= 3 and len(xs) >= 3:
            regions.append((min(s[0] for s, _ in members) - 2, min(s[1] for s, _ in members) - 2,
                            max(s[2] for s, _ in members) + 2, max(s[3] for s, _ in members) + 2))
    return regions


def _touching_pairs(segs: list[tuple[Rect, bool]]) -> list[tuple[int, int]]:
    """Index pairs (horizontal, vertical) of segments that touch (`_touch`): all at once
    with numpy when there are enough pairs to test but not too many, else a sweep along x."""
    hs = [i for i, (_, horizontal) in enumerate(segs) if horizontal]
    vs = [i for i, (_, horizontal) in enumerate(segs) if not horizontal]
    if not hs or not vs:
        return []
    if 400 <= len(hs) * len(vs) <= 1_000_000:
        import numpy as np

        h = np.array([segs[i][0] for i in hs])[:, None, :]
        v = np.array([segs[i][0] for i in vs])[None, :, :]
        near = ((h[..., 0] <= v[..., 2] + 3) & (v[..., 0] <= h[..., 2] + 3)
                & (h[..., 1] <= v[..., 3] + 3) & (v[..., 1] <= h[..., 3] + 3))
        rows, cols = np.nonzero(near)
        return [(hs[r], vs[c]) for r, c in zip(rows.tolist(), cols.tolist(), strict=True)]
    pairs = []
    for i in range(len(segs)):  # segs are sorted by x0: only pairs whose x ranges meet
        reach = segs[i][0][2] + 3
        for j in range(i + 1, len(segs)):
            if segs[j][0][0] > reach:
                break
            if segs[i][1] != segs[j][1] and _touch(segs[i][0], segs[j][0]):
                pairs.append((i, j))
    return pairs


def _spans(page_dict: dict[str, Any]) -> list[tuple[Rect, str, float]]:
    return [(tuple(span["bbox"]), span["text"], span["size"])
            for block in page_dict["blocks"] if block.get("type", 0) == 0
            for line in block["lines"] for span in line["spans"] if span["text"].strip()]


def _centred_in(box: Rect, spans: list[tuple[Rect, str, float]]
                ) -> list[tuple[Rect, str, float]]:
    """The spans whose centre lies in the box (one rule for a table and for its cells)."""
    x0, y0, x1, y1 = box
    return [s for s in spans
            if x0 <= (s[0][0] + s[0][2]) / 2 <= x1 and y0 <= (s[0][1] + s[0][3]) / 2 <= y1]


def _cell_text(cell: Rect, spans: list[tuple[Rect, str, float]]) -> str:
    """The text of the spans whose centre is in the cell, as lines joined by spaces.

    PyMuPDF's own cell text rebuilds words from characters and loses the spaces of PDFs
    that position words instead of printing space glyphs; spans keep them.
    """
    inside = _centred_in(cell, spans)
    inside.sort(key=lambda s: ((s[0][1] + s[0][3]) / 2, s[0][0]))
    lines: list[list[tuple[Rect, str, float]]] = []
    for span in inside:
        mid = (span[0][1] + span[0][3]) / 2
        if lines and abs(mid - (lines[-1][0][0][1] + lines[-1][0][0][3]) / 2) < 0.5 * span[2]:
            lines[-1].append(span)
        else:
            lines.append([span])
    texts = []
    for line in lines:
        line.sort(key=lambda s: s[0][0])
        out = ""
        prev_x1: float | None = None
        for (bx0, _, bx1, _), text, size in line:
            if (prev_x1 is not None and not out.endswith(" ") and not text.startswith(" ")
                    and bx0 - prev_x1 > 0.15 * size):
                out += " "
            out += text
            prev_x1 = bx1
        texts.append(out.strip())
    return join_lines([t for t in texts if t])


def _rows(table: Any, spans: list[tuple[Rect, str, float]]) -> list[list[str]]:
    """The table's non-empty rows as cell texts, Markdown pipes escaped. Only spans whose
    centre is in the table's box can be in one of its cells, so each cell searches those."""
    inside = _centred_in(table.bbox, spans)
    rows = [[collapse_lines(_cell_text(c, inside)).replace("|", "\\|") if c else ""
             for c in row.cells] for row in table.rows]
    return [r for r in rows if any(r)]


_finder_lock = threading.Lock()


def _span_chars(spans: list[tuple[Rect, str, float]], height: float) -> Any:
    """A stand-in for PyMuPDF's `table.make_chars` that lists our spans, one entry each.

    The finder only asks whether a candidate grid holds any text; the original builds a
    Python dict for every character from a fresh textpage (~0.1-0.2 s a page) to serve
    `Table.extract()`, which we do not call: cell text comes from our own spans."""
    from pymupdf import table as pmt

    def make_chars(page: Any, clip: Any = None) -> None:
        chars = pmt.CHARS._list()
        for (x0, y0, x1, y1), text, size in spans:
            if clip is not None and not (clip[0] <= x0 and x1 <= clip[2]
                                         and clip[1] <= y0 and y1 <= clip[3]):
                continue
            chars.append({"x0": x0, "x1": x1, "top": y0, "bottom": y1, "y0": height - y1,
                          "y1": height - y0, "text": text.strip() or " ", "upright": True,
                          "size": size, "doctop": y0, "width": x1 - x0, "height": y1 - y0,
                          # what the text strategy's word builder reads besides
                          "matrix": (1.0, 0.0, 0.0, 1.0, x0, y1), "adv": x1 - x0,
                          "fontname": "", "bold": False, "object_type": "char",
                          "page_number": page.number + 1})
        return None

    return make_chars


def _as_drawings(cdrawings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`page.get_drawings()` made from `get_cdrawings()` output we already have, as fresh
    objects: the finder edits the paths it is given, and this spares it a second pass over
    the page's content. Mirrors PyMuPDF's own conversion (`Page.get_drawings`)."""
    import pymupdf

    keys = ("closePath", "fill", "color", "width", "lineCap", "lineJoin", "dashes",
            "stroke_opacity", "fill_opacity", "even_odd")
    out = []
    for path in cdrawings:
        new = dict(path)
        if new["type"].startswith("clip"):
            new["scissor"] = pymupdf.Rect(new["scissor"])
        else:
            new["rect"] = pymupdf.Rect(new["rect"])
        if new["type"] != "group":
            items = []
            for item in new["items"]:
                if item[0] == "re":
                    items.append(("re", pymupdf.Rect(item[1]).normalize(), item[2]))
                elif item[0] == "qu":
                    items.append(("qu", pymupdf.Quad(item[1])))
                else:
                    items.append(tuple([item[0]] + [pymupdf.Point(p) for p in item[1:]]))
            new["items"] = items
        if new["type"] in ("f", "s"):
            for key in keys:
                new[key] = new.get(key)
        out.append(new)
    return out


def _finder(page: Any, clip: Any, spans: list[tuple[Rect, str, float]],
            paths: list[dict[str, Any]] | None = None, **options: Any) -> Any:
    """`page.find_tables` on `clip`, ruling lines only (no layout model) unless `options`
    say otherwise, fed our spans instead of its per-character list (see `_span_chars`)
    and the page's drawings when we have them."""
    from pymupdf import table as pmt

    if page.rotation or not all(hasattr(pmt, n) for n in ("make_chars", "CHARS")):
        return page.find_tables(clip=clip, use_layout=False, **options)
    with _finder_lock:
        original = pmt.make_chars
        pmt.make_chars = _span_chars(spans, page.rect.height)
        try:
            found = page.find_tables(clip=clip, use_layout=False, paths=paths, **options)
        finally:
            pmt.make_chars = original
    return (found if found is not None
            else page.find_tables(clip=clip, use_layout=False, **options))


def looks_tabular(boxes: list[Rect], min_rows: int = 2) -> bool:
    """Do short text blocks sit side by side on at least `min_rows` rows, as table cells
    do? A cheap test on boxes we already have, so most pages skip the drawings."""
    boxes = sorted(boxes, key=lambda b: b[1])
    rows = 0
    last_row_bottom = -1.0
    for i, a in enumerate(boxes):
        if a[1] < last_row_bottom:
            continue
        for b in boxes[i + 1:]:
            if b[1] > a[3]:
                break
            overlap = min(a[3], b[3]) - max(a[1], b[1])
            if overlap > 2 and (b[0] > a[2] or a[0] > b[2]):
                rows += 1
                last_row_bottom = max(a[3], b[3])
                break
        if rows >= min_rows:
            return True
    return False


# Paths farther than this (points) from a grid's box are not given to the finder with it:
# its merging of touching path boxes is quadratic in their number, and a rule that far
# away (a page header's line, a figure's frame) can add nothing inside the box.
NEAR_REGION = 10.0


def find_tables(page: Any, page_dict: dict[str, Any]) -> list[FoundTable]:
    """Tables with at least two rows and two columns, as Markdown (first row = header)."""
    import pymupdf

    found: list[FoundTable] = []
    width, height = page.rect.width, page.rect.height
    if not _grid(*_vector_segments(page_dict), width, height):
        return found  # no grid even in the paths' boxes: skip reading the drawings
    drawings = page.get_cdrawings()
    regions = _grid(*_segments(drawings), width, height)
    if not regions:
        return found
    spans = _spans(page_dict)
    for region in regions:
        near = [d for d in drawings if _touch(d["rect"], region, NEAR_REGION)]
        tables = _finder(page, pymupdf.Rect(region), spans, _as_drawings(near))
        if tables is None:  # the finder reports its own failures by returning None
            continue
        for table in tables.tables:
            rows = _rows(table, spans)
            if len(rows) < 2 or table.col_count < 2:
                continue
            found.append(FoundTable(bbox=tuple(table.bbox), markdown=table_markdown(rows),
                                    rows=len(rows), columns=table.col_count))
    return found


# Unruled tables: PyMuPDF's text strategy (columns from aligned words, no lines needed) is
# tried only where a page has no grid of rules but its lines do sit in cells, and what it
# finds is kept only when it looks like a table and not like columns of prose.
MAX_CELL_CHARS = 60  # mean characters per filled cell: prose columns run longer
MIN_FILLED = 0.7  # share of cells with text
MAX_COLUMNS = 8


def find_text_tables(page: Any, page_dict: dict[str, Any], clip: Rect) -> list[FoundTable]:
    """Tables without ruling lines in `clip`, found by text alignment, conservatively (see
    above)."""
    import pymupdf

    spans = _spans(page_dict)
    try:  # our spans as the finder's characters, and no drawings: it needs neither more
        tables = _finder(page, pymupdf.Rect(clip), spans, paths=[], strategy="text")
    except Exception:  # noqa: BLE001 - the finder's failures cost the table, not the page
        return []
    found: list[FoundTable] = []
    if tables is None:
        return found
    for table in tables.tables:
        rows = _rows(table, spans)
        if _plausible_table(rows, table.col_count):
            found.append(FoundTable(bbox=tuple(table.bbox), markdown=table_markdown(rows),
                                    rows=len(rows), columns=table.col_count))
    return found


def _plausible_table(rows: list[list[str]], columns: int) -> bool:
    """Three or more rows of two to eight columns, most cells filled, cells short, and
    every column holding text in most rows (prose beside a sidebar fails one of them)."""
    if len(rows) < 3 or not 2 <= columns <= MAX_COLUMNS:
        return False
    cells = [c for r in rows for c in r]
    filled = [c for c in cells if c]
    if len(filled) < MIN_FILLED * len(cells):
        return False
    if sum(map(len, filled)) / len(filled) > MAX_CELL_CHARS:
        return False
    for col in range(columns):
        if sum(1 for r in rows if col < len(r) and r[col]) < MIN_FILLED * len(rows):
            return False
    return not _contents_list(rows)


_PAGE_NUMBER = re.compile(r"^(?:\d{1,3}|[ivxlcdm]{1,6})$", re.I)


def _contents_list(rows: list[list[str]]) -> bool:
    """Entries and page numbers aligned, a table of contents: text, not a table."""
    last = [r[-1] for r in rows if r[-1]]
    return len(last) >= 0.8 * len(rows) and all(_PAGE_NUMBER.match(c) for c in last)
