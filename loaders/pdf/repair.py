"""Glyph-level repair of Indic text layers, from MuPDF's characters (`extractRAWDICT`).

Two faults of publisher PDFs are undone here, before anyone reaches for OCR:

- **Duplicate glyphs.** A glyph drawn twice at one origin (InDesign + Mangal does this to
  vowel signs, sometimes consonants): "केे". An Indic character that repeats the one
  before it on the line, in the same font and size, within a fraction of the font size
  of its origin, is dropped: the idea of pdfplumber's `dedupe_chars` and PDFBox's
  overlap suppression, restricted to Indic letters (Latin "ff" from an expanded
  ligature can share an origin legitimately).
- **Visual order.** A pre-base vowel sign (ि, Bengali ি ে ৈ, Tamil ெ ே ை, ...) stored
  before its consonant cluster, as glyph order has it: "िकनारे". Where a font's text on
  the page shows that order (more pre-base signs with no base before them than after a
  base), every pre-base sign in that font is moved after the cluster that follows it
  (consonants joined by virama, with nukta; a repha drawn after the cluster is put back
  in front of it; the halves of a split vowel, Bengali ে + া, are joined into ো).

`repair_page` returns the page as a "dict"-shaped structure (spans with `text`), which
`loaders.pdf.extract.page_blocks` reads as it reads MuPDF's own, and what it changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loaders.syllable import (
    CONSONANT,
    JOINER,
    MODIFIER,
    NUKTA,
    PREBASE,
    RA,
    SIGN,
    SPLIT_VOWELS,
    VIRAMA,
    is_indic,
    role,
)

DUPLICATE_TOLERANCE = 0.15  # of the font size: how close two origins must be to be one

# Scripts whose pre-base sign goes before the whole conjunct; Tamil's conjuncts are
# written as separate letters, so its sign precedes the last consonant only.
_TAMIL = range(0x0B80, 0x0C00)


@dataclass
class RepairStats:
    """What the pass changed on one page."""

    duplicates: int = 0
    reordered: int = 0
    visual_fonts: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.duplicates or self.reordered)

    def describe(self) -> str:
        parts = []
        if self.duplicates:
            parts.append(f"{self.duplicates} duplicate glyphs dropped")
        if self.reordered:
            parts.append(f"{self.reordered} pre-base vowel signs moved after their "
                         f"consonants (visual order in {', '.join(self.visual_fonts)})")
        return "; ".join(parts)


def _dedupe_line(line: dict[str, Any]) -> int:
    """Set each span's `text` from its chars minus duplicates; how many were dropped."""
    dropped = 0
    prev: tuple[str, float, float, str, float] | None = None
    for span in line["spans"]:
        size, font = span["size"], span["font"]
        tol = DUPLICATE_TOLERANCE * size
        kept = []
        for ch in span["chars"]:
            c = ch["c"]
            x, y = ch["origin"]
            if (prev is not None and c == prev[0] and is_indic(c) and font == prev[3]
                    and size == prev[4] and abs(x - prev[1]) <= tol
                    and abs(y - prev[2]) <= tol):
                dropped += 1
                continue
            kept.append(c)
            prev = (c, x, y, font, size)
        span["text"] = "".join(kept)
    return dropped


def _has_base_before(text: str, i: int) -> bool:
    return i > 0 and role(text[i - 1]) in (CONSONANT, NUKTA) and (
        ord(text[i - 1]) >> 7 == ord(text[i]) >> 7)


def _consonant_next(text: str, i: int) -> bool:
    return i + 1 < len(text) and role(text[i + 1]) == CONSONANT and (
        ord(text[i + 1]) >> 7 == ord(text[i]) >> 7)


def prebase_evidence(text: str) -> tuple[int, int]:
    """(pre-base signs with no base before them but a consonant after, pre-base signs after
    a base and not before a consonant): the first only happens in visual order, the second
    only in logical order."""
    visual = logical = 0
    for i, ch in enumerate(text):
        if ch in PREBASE:
            before, after = _has_base_before(text, i), _consonant_next(text, i)
            if after and not before:
                visual += 1
            elif before and not after:
                logical += 1
    return visual, logical


def _cluster_end(text: str, start: int) -> int:
    """End of the consonant cluster starting at `start`: C N? (H J? C N?)* (Tamil: C N?)."""
    n = len(text)
    i = start + 1
    if i < n and role(text[i]) == NUKTA:
        i += 1
    if ord(text[start]) in _TAMIL:
        return i
    while i < n and role(text[i]) == VIRAMA:
        j = i + 1
        if j < n and role(text[j]) == JOINER:
            j += 1
        if j < n and role(text[j]) == CONSONANT and not (text[j] in RA and _is_repha(text, j)):
            i = j + 1
            if i < n and role(text[i]) == NUKTA:
                i += 1
        else:
            break
    return i


def _is_repha(text: str, j: int) -> bool:
    """Ra + virama at `j` standing after a cluster: in visual order, the repha drawn on it."""
    return j + 1 < len(text) and role(text[j + 1]) == VIRAMA and (
        j + 2 >= len(text) or role(text[j + 2]) != JOINER)


def to_logical(text: str) -> tuple[str, int]:
    """`text` in visual order put in logical order; how many signs (and rephas) moved."""
    out: list[str] = []
    moved = 0
    start: int | None = None  # where in `out` the last consonant cluster begins
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in PREBASE and _consonant_next(text, i):
            end = _cluster_end(text, i + 1)
            sign, after = ch, end
            if after < n and (ch, text[after]) in SPLIT_VOWELS:
                sign = SPLIT_VOWELS[(ch, text[after])]
                after += 1
            start = len(out)
            out += [*text[i + 1:end], sign]
            moved += 1
            i = after
            continue
        if (ch in RA and start is not None and _is_repha(text, i)
                and role(out[-1]) != VIRAMA and ord(out[start]) >> 7 == ord(ch) >> 7):
            out[start:start] = [ch, text[i + 1]]  # the repha drawn after its cluster
            moved += 1
            start = None
            i += 2
            continue
        r = role(ch)
        if r == CONSONANT:
            if not (start is not None and out and role(out[-1]) in (VIRAMA, JOINER)):
                start = len(out)
        elif r not in (NUKTA, VIRAMA, JOINER, SIGN, MODIFIER):
            start = None
        out.append(ch)
        i += 1
    return "".join(out), moved


def repair_page(raw: dict[str, Any]) -> tuple[dict[str, Any], RepairStats]:
    """The page of `extractRAWDICT()` with duplicates dropped and visual order undone, in
    place: each text span gains `text` (its repaired characters) and loses `chars`."""
    stats = RepairStats()
    spans: list[dict[str, Any]] = []
    for block in raw["blocks"]:
        if block.get("type", 0) != 0:
            continue
        for line in block["lines"]:
            stats.duplicates += _dedupe_line(line)
            spans += line["spans"]
    evidence: dict[str, list[int]] = {}
    for span in spans:
        span.pop("chars", None)
        if any(c in PREBASE for c in span["text"]):
            visual, logical = prebase_evidence(span["text"])
            counts = evidence.setdefault(span["font"], [0, 0])
            counts[0] += visual
            counts[1] += logical
    visual_fonts = {f for f, (v, lg) in evidence.items() if v > lg}
    if visual_fonts:
        stats.visual_fonts = sorted(visual_fonts)
        for span in spans:
            if span["font"] in visual_fonts:
                span["text"], moved = to_logical(span["text"])
                stats.reordered += moved
    return raw, stats
