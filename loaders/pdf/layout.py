"""Reading order of a page's blocks: top to bottom, column by column.

A recursive cut over block rectangles. Where a vertical strip of white space runs through
all blocks of a region, the region is columns, read left to right, each top to bottom.
Otherwise the region is cut into horizontal bands at every horizontal gap; consecutive
bands that continue the same column structure (share a white strip, or stay on one side
of it) are merged back, so that paragraphs which happen to line up across two columns do
not make the page read row by row. A full-width title or figure breaks the chain, as it
should.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

Rect = tuple[float, float, float, float]

MIN_GUTTER = 7.0  # points of white space that separate columns


def reading_order(rects: Sequence[Rect]) -> list[int]:
    """Indices of `rects` in reading order."""
    return _order(list(range(len(rects))), rects, 0)


def _order(items: list[int], rects: Sequence[Rect], depth: int) -> list[int]:
    if len(items) <= 1:
        return items
    if depth > 40:
        return _top_down(items, rects)
    columns = _split_columns(items, rects)
    if len(columns) > 1:
        return [i for col in columns for i in _order(col, rects, depth + 1)]
    bands = _split_bands(items, rects)
    if len(bands) == 1:
        return _top_down(items, rects)
    groups = _merge_bands(bands, rects)
    if len(groups) == 1:
        return _top_down(items, rects)
    return [i for g in groups for i in _order(g, rects, depth + 1)]


def _top_down(items: list[int], rects: Sequence[Rect]) -> list[int]:
    return sorted(items, key=lambda i: (round(rects[i][1], 0), rects[i][0]))


def _gaps(items: list[int], rects: Sequence[Rect], axis: int) -> list[tuple[float, float]]:
    """White intervals along x (axis 0) or y (axis 1) between the items' extents."""
    if len(items) < 2:
        return []
    end = axis + 2
    spans = sorted([(rects[i][axis], rects[i][end]) for i in items])
    gaps = []
    reach = spans[0][1]
    for lo, hi in spans[1:]:
        if lo > reach:
            gaps.append((reach, lo))
        reach = max(reach, hi)
    return gaps


def _split_columns(items: list[int], rects: Sequence[Rect]) -> list[list[int]]:
    gaps = [g for g in _gaps(items, rects, 0) if g[1] - g[0] >= MIN_GUTTER]
    if not gaps:
        return [items]
    cuts = [(lo + hi) / 2 for lo, hi in gaps]
    columns: list[list[int]] = [[] for _ in range(len(cuts) + 1)]
    for i in items:
        columns[bisect_left(cuts, (rects[i][0] + rects[i][2]) / 2)].append(i)
    return [c for c in columns if c]


def _split_bands(items: list[int], rects: Sequence[Rect]) -> list[list[int]]:
    gaps = _gaps(items, rects, 1)
    if not gaps:
        return [items]
    cuts = [(lo + hi) / 2 for lo, hi in gaps]
    bands: list[list[int]] = [[] for _ in range(len(cuts) + 1)]
    for i in items:
        bands[bisect_left(cuts, (rects[i][1] + rects[i][3]) / 2)].append(i)
    return [b for b in bands if b]


def _crosses(items: list[int], rects: Sequence[Rect], gap: tuple[float, float]) -> bool:
    """Does any item lie across the white strip `gap`?"""
    lo, hi = gap
    return any(rects[i][0] < hi - 1 and rects[i][2] > lo + 1 for i in items)


def _merge_bands(bands: list[list[int]], rects: Sequence[Rect]) -> list[list[int]]:
    """Rejoin consecutive bands that belong to one multi-column region."""
    groups: list[list[int]] = []
    gutters: list[tuple[float, float]] = []  # the white strips of the current group
    for band in bands:
        own = [g for g in _gaps(band, rects, 0) if g[1] - g[0] >= MIN_GUTTER]
        if groups:
            shared = [g for g in gutters if not _crosses(band, rects, g)]
            if gutters and shared:
                groups[-1].extend(band)
                gutters = shared
                continue
            if not gutters and own:
                fits = [g for g in own if not _crosses(groups[-1], rects, g)]
                if fits:  # a one-column lead-in above the columns it belongs to
                    groups[-1].extend(band)
                    gutters = fits
                    continue
        groups.append(list(band))
        gutters = own
    return groups
