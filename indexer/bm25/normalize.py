"""Text normalization before splitting: one spelling of a word gives one token.

NFC makes precomposed and decomposed input equal; ZWJ only changes the glyph shape of an
Indic conjunct, not the word, so it is dropped; ZWNJ is dropped too, or (zero_width="split",
the default) read as a word boundary; digits of every script fold to ASCII so "३०८" matches
"308".
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from indexer.bm25.config import TokenizerConfig
from indexer.bm25.scripts import char_ranges

ZWNJ, ZWJ = "\u200c", "\u200d"
# Invisible format characters that never separate words: ZWJ, soft hyphen, word joiner, BOM,
# left-to-right/right-to-left marks.
_INVISIBLE = (ZWJ, "\u00ad", "\u2060", "\ufeff", "\u200e", "\u200f")
_DEVANAGARI_NUKTA = "\u093c"


@cache
def _rewrites(zero_width: str, fold_digits: bool, fold_nukta: bool) -> tuple[re.Pattern, dict]:
    """(pattern of the characters to rewrite, char -> replacement).

    A regex substitution scans in C and calls back only at the (rare) matches, several times
    faster than str.translate with a large table.
    """
    table: dict[str, str] = {ch: "" for ch in _INVISIBLE}
    table[ZWNJ] = " " if zero_width == "split" else ""
    table["\u200b"] = " "  # zero-width space is a word boundary
    table["_"] = " "  # the token pattern uses \w, which includes the underscore
    if fold_digits:
        for cp in range(0x80, 0x10000):
            ch = chr(cp)
            if unicodedata.category(ch) == "Nd":
                table[ch] = str(unicodedata.decimal(ch))
    if fold_nukta:
        table[_DEVANAGARI_NUKTA] = ""
    # Compact ranges, all in the BMP, let the regex engine test membership with a bitmap.
    pattern = re.compile("[" + char_ranges(sorted(ord(ch) for ch in table)) + "]")
    return pattern, table


def normalize(text: str, config: TokenizerConfig) -> str:
    """Remove invisible characters, NFC, optionally casefold/fold digits and nukta."""
    pattern, table = _rewrites(config.zero_width, config.fold_digits, config.fold_nukta)
    # Invisible characters go first: removing them can create new canonical sequences.
    text = pattern.sub(lambda m: table[m.group()], text)
    if text.isascii():
        return text.lower() if config.lowercase else text
    if config.lowercase:
        text = text.casefold()
    text = unicodedata.normalize("NFC", text)
    if config.fold_nukta and _DEVANAGARI_NUKTA in text:
        # NFC decomposes precomposed nukta letters (U+0958-095F are composition exclusions),
        # so the nukta they release is removed only now.
        text = text.replace(_DEVANAGARI_NUKTA, "")
    return text
