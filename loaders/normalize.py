"""Text normalization every loader applies: NFC, Latin ligatures expanded, clean whitespace,
keep meaningful ZWJ/ZWNJ."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# Zero-width space, word joiner, BOM, soft hyphen and C0/C1 controls other than newline/tab:
# invisible noise that breaks matching and tokenization.
_NOISE = re.compile(r"[\u200b\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Latin typographic ligatures (U+FB00-FB06: ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ) as their letters, the one
# compatibility mapping applied: OCR and some text layers emit them, and "ﬁrst" never
# matches "first". (Full NFKC would also rewrite superscripts, fractions, full-width forms.)
_LIGATURES = {c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFB00, 0xFB07)}
_LIGATURE = re.compile("[\ufb00-\ufb06]")
# ZWJ/ZWNJ only change rendering between two letters or marks of one word; anywhere else
# (word edges, next to spaces or punctuation, as OCR leaves them after Tamil words) they
# are noise.
_ZW_EDGE = re.compile(r"[\u200c\u200d]+(?![^\W\d_]|[\u0900-\u0dff])"
                      r"|(?<![\w\u0900-\u0dff])[\u200c\u200d]+")


def normalize_text(text: str) -> str:
    """NFC, Latin ligatures as letters, no BOM or zero-width spaces, runs of spaces
    collapsed, lines stripped.

    ZWJ (U+200D) and ZWNJ (U+200C) are kept inside words: in Indic scripts they select
    conjunct or half forms and change how a word is written, so deleting them there changes
    the word. At word edges they carry nothing and are dropped.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        if _LIGATURE.search(text):
            text = text.translate(_LIGATURES)
    if text.isprintable():
        # No control, format (ZWJ, ZWNJ, BOM, soft hyphen), line-break or non-ASCII space
        # character: only runs of plain spaces can need tidying. Most blocks take this path.
        return (_SPACES.sub(" ", text) if "  " in text else text).strip()
    if not text.isascii() and ("\u200c" in text or "\u200d" in text):
        text = _ZW_EDGE.sub("", text)
    text = _NOISE.sub("", text)
    if "\r" in text or "\u2028" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    if "\n" not in text:
        return _SPACES.sub(" ", text).strip()
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def collapse_lines(text: str) -> str:
    """One line of text: newlines become spaces (for headings, list items and cells)."""
    return " ".join(normalize_text(text).split())
