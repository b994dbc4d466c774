"""Text normalization every loader applies: NFC, clean whitespace, keep meaningful ZWJ/ZWNJ."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZW_NOISE = re.compile(r"[\u200b\u2060\ufeff]")  # zero-width space, word joiner, BOM


def normalize_text(text: str) -> str:
    """NFC, no BOM or zero-width spaces, runs of spaces collapsed, lines stripped.

    ZWJ (U+200D) and ZWNJ (U+200C) are kept: in Indic scripts they select conjunct forms and
    change how a word is written, so deleting them changes the word.
    """
    text = unicodedata.normalize("NFC", text)
    text = _ZW_NOISE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()
