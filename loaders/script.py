"""Script of a text by Unicode block: the cheapest, surest language signal for Indic text."""

from __future__ import annotations

import re
from collections import Counter

from loaders.languages import SCRIPT_LANGUAGE, SCRIPTS

# (first, last, script name), from the one table in `loaders.languages`.
_RANGES: tuple[tuple[int, int, str], ...] = tuple(
    (first, last, s.name) for s in SCRIPTS for first, last in s.ranges)

INDIC_SCRIPTS = frozenset(s.name for s in SCRIPTS if s.name != "Latin")

__all__ = ["INDIC_SCRIPTS", "LATIN", "NON_LATIN", "SCRIPT_LANGUAGE", "char_script",
           "dominant_script", "script_counts"]

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
