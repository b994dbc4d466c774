"""Block kinds from typography: headings, list items, captions, paragraphs, and the
section path every block carries.

Headings are judged against the body text of the whole document: larger than the body
size, or bold where the body is not. Their levels follow their sizes (largest = 1), so a
document's own hierarchy comes out without a table of contents.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from loaders.model import Block, BlockKind
from loaders.normalize import collapse_lines, normalize_text
from loaders.pdf.extract import TextBlock

_NUMBERED = re.compile(r"^\(?(?:\d{1,2}|[a-z]|[ivx]{1,4}|[०-९]{1,2})[.)]\s+\S")
_CAPTION = re.compile(
    r"^(?:figure|fig\.|table|box|chart|graph|photo|image|source|map|annex table|"
    r"चित्र|तालिका|सारणी|आकृति|ছবি|চিত্র|সারণি|படம்|அட்டவணை|చిత్రం|పట్టిక|ಚಿತ್ರ|ಕೋಷ್ಟಕ|"
    r"gambar|tabel|sumber)\s*[\dIVXivx०-९০-৯]*[.:\-–]?(\s|$)", re.I)
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE_END = (".", ",", ";", "।", "॥")


def body_style(blocks: Sequence[TextBlock]) -> tuple[float, bool]:
    """(font size of most text, whether most text at that size is bold)."""
    sizes: Counter[float] = Counter()
    bold: Counter[float] = Counter()
    for b in blocks:
        for ln in b.lines:
            sizes[ln.size] += len(ln.text)
            if ln.bold:
                bold[ln.size] += len(ln.text)
    if not sizes:
        return 10.0, False
    size = sizes.most_common(1)[0][0]
    return size, bold[size] > 0.6 * sizes[size]


def _heading_style(b: TextBlock, body: float, body_bold: bool) -> bool:
    text = b.text
    if len(text) > 200 or len(b.lines) > 4 or not _LETTER.search(text):
        return False
    if text.rstrip().endswith(_SENTENCE_END) or text.rstrip().endswith(":") and len(text) > 60:
        return False
    if b.lines[0].bullet:
        return False
    size = b.size
    if size >= body + max(1.0, 0.12 * body):
        return True
    if not b.bold or body_bold:
        return False
    # Bold run-in or sub-headings, sometimes set a little smaller than the body (a sans
    # semibold beside a serif body): one or two short lines.
    return size >= body - 0.5 and len(text) <= 120 or (
        size >= 0.85 * body and len(b.lines) <= 2 and len(text) <= 80)


def _kind(b: TextBlock, body: float, body_bold: bool) -> BlockKind:
    text = b.text
    if len(text) <= 400 and _CAPTION.match(text):
        return BlockKind.CAPTION
    if b.lines[0].bullet:
        return BlockKind.LIST_ITEM
    if _heading_style(b, body, body_bold):
        return BlockKind.HEADING
    if _NUMBERED.match(text):
        return BlockKind.LIST_ITEM
    return BlockKind.PARAGRAPH


def _continues(first: TextBlock, prev: TextBlock, b: TextBlock, prev_kind: BlockKind,
               kind: BlockKind) -> bool:
    """Is `b` more lines of the run `first`..`prev` (a list item's wrapped lines, a
    paragraph or a heading cut into one block per line by the PDF producer)?"""
    if prev.page != b.page or b.lines[0].bullet:
        return False
    if kind == BlockKind.HEADING and prev_kind == BlockKind.HEADING:  # a title on two lines
        return (abs(prev.size - b.size) < 0.5 and prev.bold == b.bold
                and -2 <= b.bbox[1] - prev.bbox[3] <= 0.6 * b.size
                and b.bbox[0] <= prev.bbox[2] and b.bbox[2] >= prev.bbox[0])
    if kind != BlockKind.PARAGRAPH:
        return False
    _, _, px1, py1 = prev.bbox
    px0 = first.bbox[0]
    x0, y0, x1, _ = b.bbox
    gap = y0 - py1
    if gap < -2 or gap > 0.6 * b.size or x1 < px0 or x0 > max(px1, first.bbox[2]):
        return False
    if abs(prev.size - b.size) >= 0.5 or prev.bold != b.bold or _NUMBERED.match(b.text):
        return False
    if prev_kind == BlockKind.LIST_ITEM:
        return x0 >= px0 - 2
    return abs(x0 - px0) <= 2 and not prev.text.rstrip().endswith((".", "!", "?", "।", ":"))


def to_blocks(ordered: Sequence[TextBlock]) -> list[Block]:
    """Kinds, merged continuations, heading levels and section paths, in reading order."""
    body, body_bold = body_style([b for b in ordered if not b.kind])
    kinds: list[BlockKind] = []
    runs: list[list[TextBlock]] = []  # consecutive blocks that form one
    for b in ordered:
        if b.kind:
            kinds.append(BlockKind(b.kind))
            runs.append([b])
            continue
        kind = _kind(b, body, body_bold)
        if (runs and not runs[-1][0].kind
                and _continues(runs[-1][0], runs[-1][-1], b, kinds[-1], kind)):
            runs[-1].append(b)
            continue
        kinds.append(kind)
        runs.append([b])
    merged = [run[0] if len(run) == 1 else
              TextBlock([ln for part in run for ln in part.lines], run[0].page, meta=run[0].meta)
              for run in runs]
    levels = _levels([b for b, k in zip(merged, kinds, strict=True) if k == BlockKind.HEADING])
    out: list[Block] = []
    trail: list[tuple[int, str]] = []
    for b, kind in zip(merged, kinds, strict=True):
        heading = kind is BlockKind.HEADING
        if kind is BlockKind.TABLE:
            text = b.meta["markdown"]
        elif heading:
            text = collapse_lines(b.text)
        else:
            text = normalize_text(b.text)
        if not text:
            continue
        level = levels.get(_style(b)) if heading else None
        if heading and level is not None:
            trail[:] = [(lv, t) for lv, t in trail if lv < level]
        x0, y0, x1, y1 = b.bbox
        meta = {k: v for k, v in b.meta.items() if k != "markdown"}
        meta.setdefault("font_size", b.size)
        out.append(Block(kind=kind, text=text, page=b.page, section=[t for _, t in trail],
                         bbox=(round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2)),
                         level=level, metadata=meta))
        if heading and level is not None:
            trail.append((level, text))
    return out


def _style(b: TextBlock) -> tuple[float, bool]:
    return round(b.size), b.bold


def _levels(headings: Sequence[TextBlock]) -> dict[tuple[float, bool], int]:
    """Heading level per (size, bold) style: bigger first, bold before regular."""
    styles = sorted({_style(b) for b in headings}, key=lambda s: (-s[0], not s[1]))
    return {s: min(i + 1, 6) for i, s in enumerate(styles)}
