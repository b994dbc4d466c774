"""Script of a token and the character classes that make a token.

Python's `\\w` does not match combining marks (categories Mn/Mc: vowel signs, virama, nukta,
anusvara), so `\\b\\w\\w+\\b` cuts "बच्चे" into pieces. The token pattern here is letters, marks
and numbers, with the mark ranges computed from `unicodedata` once at import.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# (first, last, script) for the scripts of the nine languages; everything else is "other".
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0900, 0x097F, "deva"),
    (0xA8E0, 0xA8FF, "deva"),
    (0x0980, 0x09FF, "beng"),
    (0x0B80, 0x0BFF, "taml"),
    (0x0C00, 0x0C7F, "telu"),
    (0x0C80, 0x0CFF, "knda"),
)

# Scripts used by exactly one of the nine languages.
SCRIPT_LANGUAGE = {"beng": "bn", "taml": "ta", "telu": "te", "knda": "kn"}


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
