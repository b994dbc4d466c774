"""Indic syllables: character roles and the Unicode syllable grammar, for every Brahmic
script the nine languages use (and Gurmukhi, Gujarati, Oriya, Malayalam, Sinhala).

A well-formed syllable (after the Unicode Standard's chapter on South and Southeast Asian
scripts and OpenType's Indic shaping rules) is

    consonant syllable: (C N? H J?)* C N? (H J? | M)? D*
    vowel syllable:     V N? D*

with C a consonant, N nukta, H virama, J a joiner, M one dependent vowel sign (a split
vowel's two halves count as one), D a modifier (anusvara, candrabindu, visarga). A text
layer built from glyphs breaks it in recognisable ways: two vowel signs on one base
(doubled glyphs), a sign with no base (a pre-base sign stored before its consonant). The
repair pass (`loaders.pdf.repair`) fixes those, and the page choice scores text with
`validity`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

CONSONANT, VOWEL, SIGN, VIRAMA, NUKTA, MODIFIER, JOINER, OTHER = range(8)

INDIC_FIRST, INDIC_LAST = 0x0900, 0x0DFF

# Vowel signs drawn left of their consonant (cluster): a text layer made from glyph order
# stores them first.
PREBASE = frozenset("\u093f\u094e"  # Devanagari i, prishthamatra e
                    "\u09bf\u09c7\u09c8"  # Bengali i, e, ai
                    "\u0a3f"  # Gurmukhi i
                    "\u0abf"  # Gujarati i
                    "\u0b47\u0b48"  # Oriya e, ai
                    "\u0bc6\u0bc7\u0bc8"  # Tamil e, ee, ai
                    "\u0d46\u0d47\u0d48"  # Malayalam e, ee, ai
                    "\u0dd9\u0dda\u0ddb")  # Sinhala e, ee, ai

# Ra whose virama form is drawn as a repha on top of the next cluster, right of it.
RA = frozenset("\u0930\u09b0\u09f0\u0ab0\u0b30")  # \u09f0: Assamese ra, as some Bengali fonts map it


def _split_vowels() -> dict[tuple[str, str], str]:
    """(pre-base half, other half) -> the composed vowel sign (Bengali o = e + aa, ...)."""
    out = {}
    for cp in range(INDIC_FIRST, INDIC_LAST + 1):
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            first, second = (chr(int(p, 16)) for p in parts)
            if "VOWEL SIGN" in unicodedata.name(chr(cp), ""):
                out[(first, second)] = chr(cp)
    return out


SPLIT_VOWELS = _split_vowels()
_VOWEL_LETTER = re.compile(r" LETTER (?:SHORT |CANDRA )?(?:A|AA|I|II|U|UU|E|EE|AI|O|OO|AU"
                           r"|VOCALIC [RL]{1,2}|AW|UE|UUE|OE|OOE|AE|AAE)$|YANNA$")


@lru_cache(maxsize=4096)
def role(ch: str) -> int:
    """The part a character plays in a syllable (OTHER outside the Indic blocks)."""
    if ch in "\u200c\u200d":
        return JOINER
    cp = ord(ch)
    if not INDIC_FIRST <= cp <= INDIC_LAST:
        return OTHER
    name = unicodedata.name(ch, "")
    if "VOWEL SIGN" in name or "AU LENGTH MARK" in name or "AI LENGTH MARK" in name:
        return SIGN
    if "SIGN VIRAMA" in name or name.endswith("SIGN AL-LAKUNA") or "SIGN PULLI" in name:
        return VIRAMA
    if "SIGN NUKTA" in name:
        return NUKTA
    if ("SIGN ANUSVARA" in name or "SIGN CANDRABINDU" in name or "SIGN VISARGA" in name
            or "SIGN ANUSVARAYA" in name or "SIGN VISARGAYA" in name):
        return MODIFIER
    if unicodedata.category(ch) == "Lo":
        if _VOWEL_LETTER.search(name):
            return VOWEL
        return CONSONANT
    return OTHER


def is_indic(ch: str) -> bool:
    return INDIC_FIRST <= ord(ch) <= INDIC_LAST


def word_problems(word: str) -> list[str]:
    """Where `word` breaks the syllable grammar: 'two vowel signs', 'sign without base',
    'nukta without consonant', 'virama without consonant', 'modifier without base',
    'mixed scripts'. Empty for a well-formed word (non-Indic characters end a syllable)."""
    problems: list[str] = []
    prev = OTHER  # role of the previous non-joiner character
    block = -1
    signs = 0  # dependent vowel signs on the current base
    last_sign = ""
    for ch in word:
        r = role(ch)
        if r == JOINER:
            continue
        b = ord(ch) >> 7
        if r != OTHER and prev != OTHER and b != block:
            problems.append("mixed scripts")
        if r == SIGN:
            if prev in (CONSONANT, NUKTA):
                signs, last_sign = 1, ch
            elif prev == SIGN and signs == 1 and (last_sign, ch) in SPLIT_VOWELS:
                signs = 2
            elif prev == SIGN:
                problems.append("two vowel signs")
            else:
                problems.append("sign without base")
        elif r == NUKTA and prev not in (CONSONANT, VOWEL):
            problems.append("nukta without consonant")
        elif r == VIRAMA and prev not in (CONSONANT, NUKTA):
            problems.append("virama without consonant")
        elif r == MODIFIER and prev not in (CONSONANT, NUKTA, VOWEL, SIGN, MODIFIER):
            problems.append("modifier without base")
        elif r in (CONSONANT, VOWEL, OTHER):
            signs = 0
        prev, block = r, b
    return problems


def words(text: str) -> list[str]:
    """Whitespace- and punctuation-separated words that hold an Indic letter."""
    out = []
    for piece in text.split():
        word = "".join(ch if (is_indic(ch) and unicodedata.category(ch)[0] in "LM")
                       or ch in "\u200c\u200d" or ch.isalpha() else " " for ch in piece)
        out += [w for w in word.split() if any(is_indic(c) for c in w)]
    return out


def validity(text: str) -> tuple[int, int]:
    """(Indic words, well-formed Indic words) of `text`."""
    found = words(text)
    return len(found), sum(1 for w in found if not word_problems(w))
