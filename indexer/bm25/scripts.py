"""Script of a token and the character classes that make a token.

Python's `\\w` does not match combining marks (categories Mn/Mc: vowel signs, virama, nukta,
anusvara), so `\\b\\w\\w+\\b` cuts "बच्चे" into pieces. The token pattern here is letters, marks
and numbers, with the mark ranges computed from `unicodedata` once at import.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from loaders.languages import ISO15924, SCRIPT_LANGUAGES, SCRIPTS
from loaders.languages import SCRIPT_LANGUAGE as _ONE_LANGUAGE

# (first, last, script) for the non-Latin scripts of the nine languages, by lower-case ISO
# 15924 code ("deva", "beng", ...), from the one table in `loaders.languages`;
# everything else is "other".
_RANGES: tuple[tuple[int, int, str], ...] = tuple(
    (first, last, s.iso15924.lower()) for s in SCRIPTS
    if s.name != "Latin" and s.name in SCRIPT_LANGUAGES for first, last in s.ranges)

# Scripts used by exactly one of the nine languages.
SCRIPT_LANGUAGE = {ISO15924[s].lower(): code for s, code in _ONE_LANGUAGE.items()}


def char_script(ch: str) -> str:
    """'latn', 'deva', 'beng', 'taml', 'telu', 'knda', 'digit' or 'other'."""
    cp = ord(ch)
    if cp < 0x80:
        return "digit" if ch.isdigit() else "latn"
    if cp <= 0x024F or 0x1E00 <= cp <= 0x1EFF:
        return "latn" if ch.isalpha() else "other"
    for first, last, name in _RANGES:
        if first <= cp <= last:
            return name
    if ch.isdecimal():
        return "digit"
    return "other"


def char_ranges(codepoints: list[int]) -> str:
    """A regex character-class body for a sorted list of code points."""
    out: list[str] = []
    start = prev = codepoints[0]
    for cp in codepoints[1:] + [-2]:
        if cp != prev + 1:
            out.append(re.escape(chr(start)) + ("" if start == prev else "-" + re.escape(chr(prev))))
            start = cp
        prev = cp
    return "".join(out)


@cache
def token_pattern() -> re.Pattern[str]:
    """Runs of word characters and combining marks (BMP marks cover all nine scripts).

    One character class (not an alternation) keeps the regex engine fast; `\\w` also
    matches "_", which normalize() has already turned into a space.
    """
    marks = [cp for cp in range(0x10000) if unicodedata.category(chr(cp))[0] == "M"]
    return re.compile(r"[\w" + char_ranges(marks) + r"]+")
