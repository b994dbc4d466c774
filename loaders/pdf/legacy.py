"""Legacy (pre-Unicode) Devanagari fonts: Kruti Dev, DevLys, Chanakya and kin map
Devanagari glyphs onto Latin code points, so a page set in one has a text layer of Latin
"glyph soup" ("gkFk /kksuk" for "हाथ धोना"). Such a page is told by its font names or,
when the font is renamed or subset, by its glyph statistics (Latin words broken by
symbols and stray capitals, hardly any of them in an English or Indonesian dictionary),
and is read by OCR in Devanagari instead. No converter is bundled: the existing ones are
GPL, and OCR of the rendered page serves every legacy font at once.
"""

from __future__ import annotations

import re
from typing import Any

from loaders import lexicon

LEGACY_FONT = re.compile(r"kruti|devlys|dev[\s_-]?lys|chanakya|shusha|aps[\s_-]?dv|shivaji"
                         r"|\bdv[\s_-]?tt|sushma|walkman", re.I)
# Marks of glyph soup inside a word: a capital after a lower-case letter ("gkFk", "gS"),
# a symbol or Latin-1 sign where a letter should be ("/kksuk", "laØe.k").
_SOUP_MARK = re.compile(r"[a-z][A-Z]|[A-Za-z][~;/\[\]{}|\\Ø¼½¾º¶§Ãç][A-Za-z]"
                        r"|(?<![^\s])[/;~\[\]{}][a-z]|[a-z]\.[a-z]")
# A coarser, faster first look: symbols, and capitals after lower case, anywhere. The two
# never overlap, so two single-class patterns count what one alternation would, in 2/3 of
# its time (the alternation retries both branches at every character of the page).
_QUICK_SYMBOL = re.compile(r"[~;/\[\]{}|\\Ø¼½¾º¶§Ãç]")
_QUICK_CAMEL = re.compile(r"[a-z][A-Z]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
NAMED_SHARE = 0.1  # of the words marked, for a legacy font name to be looked for
SOUP_SHARE = 0.3  # of the words: this many marked, and
SOUP_DICTIONARY = 0.2  # at most this share of them real English or Indonesian words
MIN_WORDS = 8


def _font_chars(page_dict: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for block in page_dict["blocks"]:
        if block.get("type", 0) == 0:
            for line in block["lines"]:
                for span in line["spans"]:
                    counts[span["font"]] = counts.get(span["font"], 0) + len(span["text"])
    return counts


def legacy_reason(page_dict: dict[str, Any], text: str) -> str | None:
    """Why this page's text layer is a legacy font's Latin codes, or None if it is not.

    The cheap test comes first (one regex over the page's text): Kruti Dev and kin mark
    a good share of words with symbols and stray capitals, ordinary Latin text hardly
    any, so most pages stop there before their fonts or a dictionary are looked at."""
    quick = len(_QUICK_SYMBOL.findall(text)) + len(_QUICK_CAMEL.findall(text))
    if not quick:  # below any share of the words, however many there are
        return None
    words = text.split()
    if len(words) < MIN_WORDS or quick < NAMED_SHARE * len(words):
        return None
    marked = len(_SOUP_MARK.findall(text))
    if marked < NAMED_SHARE * len(words):
        return None
    counts = _font_chars(page_dict)
    named = sorted(f for f in counts if LEGACY_FONT.search(f))
    total = sum(counts.values()) or 1
    legacy = sum(counts[f] for f in named)
    if named and legacy >= 20 and legacy >= 0.3 * total:
        return (f"legacy non-Unicode Devanagari font ({', '.join(named)}): the text layer "
                "holds Latin glyph codes")
    if marked < SOUP_SHARE * len(words):
        return None
    latin = _LATIN_WORD.findall(text)
    known = [lexicon.plausibility(latin, lang) for lang in ("en", "id")]
    known = [k for k in known if k is not None]
    if not latin or (known and max(known) > SOUP_DICTIONARY):
        return None
    share = f"{max(known):.2f}" if known else "no dictionary"
    return (f"Latin glyph soup ({marked} symbol-broken words of {len(words)}, dictionary "
            f"words {share}): a legacy non-Unicode Devanagari font")
