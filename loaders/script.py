"""Script of a text by Unicode block: the cheapest, surest language signal for Indic text."""

from __future__ import annotations

from collections import Counter

# (first, last, script name) for the scripts of the nine supported languages.
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0900, 0x097F, "Devanagari"),
    (0x0980, 0x09FF, "Bengali"),
    (0x0B80, 0x0BFF, "Tamil"),
    (0x0C00, 0x0C7F, "Telugu"),
    (0x0C80, 0x0CFF, "Kannada"),
    (0x0041, 0x005A, "Latin"),
    (0x0061, 0x007A, "Latin"),
    (0x00C0, 0x024F, "Latin"),
)

# A script that belongs to one language only among the nine.
SCRIPT_LANGUAGE = {"Bengali": "bn", "Tamil": "ta", "Telugu": "te", "Kannada": "kn"}


def char_script(ch: str) -> str | None:
    cp = ord(ch)
    for first, last, name in _RANGES:
        if first <= cp <= last:
            return name
    return None


def script_counts(text: str) -> Counter[str]:
    """How many letters of each known script the text holds."""
    counts: Counter[str] = Counter()
    for ch in text:
        name = char_script(ch)
        if name:
            counts[name] += 1
    return counts


def dominant_script(text: str) -> str | None:
    """The script with the most letters, or None for text with no letters of a known script."""
    counts = script_counts(text)
    return counts.most_common(1)[0][0] if counts else None
