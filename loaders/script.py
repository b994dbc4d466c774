"""Script of a text by Unicode block: the cheapest, surest language signal for Indic text."""

from __future__ import annotations

import re
from collections import Counter

# (first, last, script name). Indic blocks beyond the nine languages' scripts are listed so
# that, say, Odia text is recognized as Odia (no supported language) rather than ignored.
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0900, 0x097F, "Devanagari"),
    (0xA8E0, 0xA8FF, "Devanagari"),
    (0x0980, 0x09FF, "Bengali"),
    (0x0A00, 0x0A7F, "Gurmukhi"),
    (0x0A80, 0x0AFF, "Gujarati"),
    (0x0B00, 0x0B7F, "Oriya"),
    (0x0B80, 0x0BFF, "Tamil"),
    (0x0C00, 0x0C7F, "Telugu"),
    (0x0C80, 0x0CFF, "Kannada"),
    (0x0D00, 0x0D7F, "Malayalam"),
    (0x0D80, 0x0DFF, "Sinhala"),
    (0x0041, 0x005A, "Latin"),
    (0x0061, 0x007A, "Latin"),
    (0x00C0, 0x00D6, "Latin"),
    (0x00D8, 0x00F6, "Latin"),
    (0x00F8, 0x024F, "Latin"),
)

INDIC_SCRIPTS = frozenset(
    ("Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada",
     "Malayalam", "Sinhala"))

# A script that belongs to one language only among the nine.
SCRIPT_LANGUAGE = {"Bengali": "bn", "Tamil": "ta", "Telugu": "te", "Kannada": "kn"}

# One regex per script: counting with findall runs in C, which matters on long PDFs.
_CLASSES: dict[str, str] = {}
for _first, _last, _name in _RANGES:
    _CLASSES[_name] = _CLASSES.get(_name, "") + f"\\u{_first:04x}-\\u{_last:04x}"
_SCRIPT_RE = {name: re.compile(f"[{cls}]") for name, cls in _CLASSES.items()}


def char_script(ch: str) -> str | None:
    cp = ord(ch)
    for first, last, name in _RANGES:
        if first <= cp <= last:
            return name
    return None


NON_LATIN = re.compile("[\u0900-\u0dff\ua8e0-\ua8ff]")  # any Indic letter
LATIN = _SCRIPT_RE["Latin"]


def script_counts(text: str) -> Counter[str]:
    """How many characters of each known script the text holds."""
    counts: Counter[str] = Counter()
    if not NON_LATIN.search(text):  # the common case: one scan instead of eleven
        n = len(_SCRIPT_RE["Latin"].findall(text))
        if n:
            counts["Latin"] = n
        return counts
    for name, rx in _SCRIPT_RE.items():
        n = len(rx.findall(text))
        if n:
            counts[name] = n
    return counts


def dominant_script(text: str) -> str | None:
    """The script with the most characters, or None for text with none of a known script."""
    counts = script_counts(text)
    return counts.most_common(1)[0][0] if counts else None
