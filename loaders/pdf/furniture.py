"""Running headers, footers and page numbers: page furniture that is not the document's text.

A block in the top or bottom margin band is furniture when the same text (digits ignored,
so "Page 3" and "Page 4" match) recurs in that band on a good share of the pages, or
when it is a bare page number. Left in, they would repeat in every chunk's neighbourhood
and split paragraphs that run across pages.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from loaders.pdf.extract import TextBlock

MARGIN = 0.09  # share of the page height at the top and at the bottom
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(
    r"^(?:page|p\.|pg\.?|पृष्ठ|पृ\.|পৃষ্ঠা|பக்கம்|పేజీ|ಪುಟ|halaman|hal\.)?\s*"
    r"(?:#|[ivxlcdm]{1,6}|[०-९]+|[০-৯]+)\s*(?:(?:of|/|из|dari)\s*#)?$", re.I)


def _key(text: str) -> str:
    return " ".join(_DIGITS.sub("#", text.lower()).split())


def _in_margin(block: TextBlock, height: float) -> bool:
    x0, y0, x1, y1 = block.bbox
    return y1 <= height * MARGIN or y0 >= height * (1 - MARGIN)


def is_page_number(text: str) -> bool:
    """'12', 'xii', 'Page 3 of 10', '- 4 -', 'पृष्ठ 5' and the like."""
    return bool(_PAGE_NUMBER.match(_key(text).strip("-–— ")))


def furniture(pages: Sequence[Sequence[TextBlock]], heights: Sequence[float]
              ) -> set[tuple[int, int]]:
    """(page index, block index) of every header, footer and page number to drop."""
    seen: Counter[str] = Counter()
    for blocks, height in zip(pages, heights, strict=True):
        seen.update({_key(b.text) for b in blocks if _in_margin(b, height)})
    n = len(pages)
    repeated = {k for k, c in seen.items() if n >= 3 and c >= max(2, 0.4 * n) and k}
    drop = set()
    for p, (blocks, height) in enumerate(zip(pages, heights, strict=True)):
        for i, b in enumerate(blocks):
            if not _in_margin(b, height):
                continue
            if is_page_number(b.text) or _key(b.text) in repeated:
                drop.add((p, i))
    return drop
