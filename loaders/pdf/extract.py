"""Text blocks of one page from PyMuPDF's "dict" output, with the styling later steps need.

PyMuPDF's blocks are good paragraph candidates but not always: a bold heading and the
paragraph under it often share a block, and a list item's bullet may sit in a separate
span in a symbol font. Here blocks are split where the style changes or a bullet starts a
line, and each line keeps its dominant font size and weight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Glyphs used as list bullets, including private-use and Wingdings-style codes that
# symbol fonts map to letters ("o", "§", "l", "ü").
BULLET_CHARS = "•◦▪▫●○■□►▶➢➤✓✔✗❖◆◇–—-*·∙⁃"
_SYMBOL_FONT = re.compile(r"wingding|symbol|dingbat|webding", re.I)
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.I)

# MuPDF text flags: clip to the media box, and nothing else: ligatures are expanded (no
# TEXT_PRESERVE_LIGATURES, 1: "ﬁrst" would not match "first" in BM25), other whitespace
# becomes plain spaces (no TEXT_PRESERVE_WHITESPACE, 2) and image data, which "dict" would
# otherwise copy, is skipped (no TEXT_PRESERVE_IMAGES, 4).
TEXT_FLAGS = 64  # TEXT_MEDIABOX_CLIP
# ... and, for the text layer, the boxes of vector paths as blocks of type 3, which the
# table probe screens before reading the drawings (free: same pass over the page).
PAGE_FLAGS = TEXT_FLAGS | 1024  # TEXT_COLLECT_VECTORS


@dataclass(slots=True)
class Line:
    text: str
    bbox: tuple[float, float, float, float]
    size: float
    bold: bool
    bullet: bool = False  # starts with a bullet glyph (already removed from `text`)
    wide_gaps: int = 0  # gaps wider than two characters between spans: table cells?


class TextBlock:
    """Lines that belong together, in PDF points, with the page they are on.

    `bbox`, `size` (font size of most of the text), `bold` and `text` are computed once,
    when the block is made: later steps read them many times. (A plain class with slots:
    thousands are made per document, and a dataclass with post-init costs twice as much.)
    """

    __slots__ = ("lines", "page", "kind", "meta", "bbox", "size", "bold", "text")

    def __init__(self, lines: list[Line], page: int, kind: str = "",
                 meta: dict[str, Any] | None = None) -> None:
        self.lines, self.page, self.kind = lines, page, kind  # kind: set by the caller
        self.meta = meta if meta is not None else {}
        if len(lines) == 1:
            ln = lines[0]
            self.bbox, self.size, self.bold, self.text = ln.bbox, ln.size, ln.bold, ln.text
            return
        x0, y0, x1, y1 = zip(*[ln.bbox for ln in lines], strict=True)
        self.bbox = (min(x0), min(y0), max(x1), max(y1))
        weights: dict[float, int] = {}
        bold = True
        for ln in lines:
            weights[ln.size] = weights.get(ln.size, 0) + len(ln.text)
            bold = bold and ln.bold
        self.size = max(weights, key=weights.__getitem__)
        self.bold = bold
        self.text = join_lines([ln.text for ln in lines])


_HYPHENATED = re.compile(r"[^\W\d_][-\u00ad\u2010]$")


def join_lines(lines: list[str]) -> str:
    """Lines of one paragraph as one string; words hyphenated at line ends joined.

    A hyphen after a letter at the end of a line, followed by a line starting in lower
    case, is typesetting ("treat-" + "ment"), so it goes; before a capital or a digit it
    is part of the word ("COVID-" + "19") and stays, without a space.
    """
    if len(lines) == 1:
        return lines[0]
    # Built as a list of pieces (a long paragraph joined by `+` is quadratic); the rules
    # only ever look at the last two characters joined so far. Empty lines carry nothing.
    lines = [ln for ln in lines if ln]
    if not lines:
        return ""
    parts, tail = [lines[0]], lines[0][-2:]
    for line in lines[1:]:
        if tail[-1] not in "-\u00ad\u2010":
            parts += (" ", line)
            tail = (tail + " " + line)[-2:]
            continue
        hyphenated = _HYPHENATED.search(tail) is not None
        if hyphenated and line[:1].islower() or tail[-1] == "\u00ad":
            parts[-1] = parts[-1][:-1]
            parts.append(line)
            tail = (tail[:-1] + line)[-2:]
        elif hyphenated and tail[-1] == "-" and line[:1].isalnum():
            parts.append(line)
            tail = (tail + line)[-2:]
        else:
            parts += (" ", line)
            tail = (tail + " " + line)[-2:]
    return "".join(parts)


_bold_fonts: dict[tuple[str, int, int], bool] = {}


def _is_bold(span: dict[str, Any]) -> bool:
    key = (span["font"], span["flags"], span.get("char_flags", 0))
    bold = _bold_fonts.get(key)
    if bold is None:
        bold = bool(key[1] & 16 or key[2] & 8 or _BOLD_FONT.search(key[0]))
        _bold_fonts[key] = bold
    return bold


def _line(spans: list[dict[str, Any]]) -> Line | None:
    """Join spans into one line; spaces are inserted where the PDF (or OCR) left a gap."""
    if len(spans) == 1:  # the common case, kept cheap
        span = spans[0]
        text = span["text"].strip()
        if not text:
            return None
        bullet = False
        if text[0] in BULLET_CHARS and len(text) > 2 and text[1] == " ":
            bullet, text = True, text[2:].strip()
        return Line(text, tuple(span["bbox"]), round(span["size"] * 2) / 2, _is_bold(span),
                    bullet)
    bullet = False
    first = spans[0]
    head = first["text"].strip()
    if len(head) == 1 and (head in BULLET_CHARS or _SYMBOL_FONT.search(first["font"])
                           or 0xE000 <= ord(head) <= 0xF8FF):
        rest = [s for s in spans[1:] if s["text"].strip()]
        if rest:
            bullet, spans = True, rest
    parts: list[str] = []
    prev_x1 = None
    wide_gaps = 0
    weights: dict[float, int] = {}
    bold_chars = chars = 0
    for span in spans:
        text = span["text"]
        if not text:
            continue
        x0 = span["bbox"][0]
        if prev_x1 is not None and x0 - prev_x1 > 1.5 * span["size"]:
            wide_gaps += 1
        if (prev_x1 is not None and parts and not parts[-1].endswith(" ")
                and not text.startswith(" ") and x0 - prev_x1 > 0.15 * span["size"]):
            parts.append(" ")
        parts.append(text)
        prev_x1 = span["bbox"][2]
        n = len(text.strip())
        if n:
            size = round(span["size"] * 2) / 2
            weights[size] = weights.get(size, 0) + n
            chars += n
            bold_chars += n if _is_bold(span) else 0
    text = "".join(parts).strip()
    if not text:
        return None
    if not bullet and text[0] in BULLET_CHARS and len(text) > 2 and text[1] == " ":
        bullet, text = True, text[2:].strip()
    x0, y0, x1, y1 = zip(*[s["bbox"] for s in spans], strict=True)
    return Line(text=text, bbox=(min(x0), min(y0), max(x1), max(y1)),
                size=max(weights, key=weights.__getitem__),
                bold=bold_chars >= 0.8 * chars, bullet=bullet, wide_gaps=wide_gaps)


def page_blocks(page_dict: dict[str, Any], page_no: int) -> list[TextBlock]:
    """Text blocks of a page, split where a bullet starts or the style changes."""
    out: list[TextBlock] = []
    for block in page_dict["blocks"]:
        if block.get("type", 0) != 0:
            continue
        lines: list[Line] = []
        for raw in block["lines"]:
            if raw["dir"][1] != 0 and abs(raw["dir"][0]) < 0.5:
                continue  # vertical text: margins' rotated labels, not body text
            line = _line(raw["spans"])
            if line is not None:
                lines.append(line)
        current: list[Line] = []
        for line in lines:
            if current and _side_by_side(current[-1], line):
                line.wide_gaps += 1  # two cells of one table row, as MuPDF often blocks them
            if current and _breaks(current[-1], line):
                out.append(TextBlock(current, page_no))
                current = []
            current.append(line)
        if current:
            out.append(TextBlock(current, page_no))
    return out


def _side_by_side(prev: Line, line: Line) -> bool:
    overlap = min(prev.bbox[3], line.bbox[3]) - max(prev.bbox[1], line.bbox[1])
    return overlap > 0.5 * line.size and line.bbox[0] - prev.bbox[2] > 1.5 * line.size


def _breaks(prev: Line, line: Line) -> bool:
    """Does `line` start a new block after `prev` inside one PyMuPDF block?"""
    if line.bullet:
        return True
    if abs(line.size - prev.size) >= 1:
        return True
    if prev.bold != line.bold and (prev.bold and len(prev.text) < 120):
        return True  # a bold run-in heading line followed by body text
    gap = line.bbox[1] - prev.bbox[3]
    return gap > 1.2 * line.size  # a blank line's worth of space
