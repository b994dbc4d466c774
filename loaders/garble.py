"""Is a PDF text layer usable, or garbled enough that the page should be OCRed instead?

PDFs made with legacy Indic fonts or broken ToUnicode maps extract as text that looks
plausible to a byte counter and is useless to a reader or an index: `(cid:12)` runs,
U+FFFD, private-use glyph codes, Latin-1 or IPA letters standing in for conjuncts, and
vowel signs stored in visual order (Bengali i-kar and e-kar before the consonant they follow
in speech). Each of those is counted here; the page is OCRed when any of them is frequent.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from loaders.script import INDIC_SCRIPTS, char_script

_CID = re.compile(r"\(cid:\d+\)")
_PUA = re.compile("[\ue000-\uf8ff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_INDIC = re.compile("[\u0900-\u0dff]")
# Any character or run that one of the rules below counts.
_SUSPECT = re.compile("\\(cid:\\d+\\)|[\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0e-\x1f\x7f-\x9f"
                      "\u0900-\u0dff]")
_SIGNALS = ("cid", "replacement", "private_use", "control", "orphan_sign", "visual_order",
            "impossible_sequence", "mixed_script")
_TOKEN_SPLIT = re.compile(r"[\s\-‐-―/\\(),.;:!?\"'“”‘’\[\]{}<>|।॥…*•·+=%&@#$^~`_0-9]+")

# Character roles inside an Indic syllable.
CONSONANT, VOWEL, SIGN, PREBASE, VIRAMA, NUKTA, MODIFIER, JOINER, OTHER = range(9)

# Vowel signs drawn to the left of their consonant; a PDF made from visual glyph order
# stores them first, which is the most common Indic garble.
_PREBASE = frozenset("\u093f\u094e\u09bf\u09c7\u09c8\u0a3f\u0abf\u0b47\u0bc6\u0bc7\u0bc8"
                     "\u0d46\u0d47\u0d48\u0dd9\u0dda\u0ddb")
_VOWEL_NAMES = re.compile(
    r" LETTER (?:SHORT |CANDRA |)(?:A|AA|I|II|U|UU|E|EE|AI|O|OO|AU|VOCALIC R|VOCALIC RR"
    r"|VOCALIC L|VOCALIC LL|AW|UE|UUE|OE|OOE)$")


@lru_cache(maxsize=4096)
def _role(ch: str) -> int:
    if ch in "\u200c\u200d":
        return JOINER
    name = unicodedata.name(ch, "")
    if ch in _PREBASE:
        return PREBASE
    if "VOWEL SIGN" in name:
        return SIGN
    if "SIGN VIRAMA" in name:
        return VIRAMA
    if "SIGN NUKTA" in name:
        return NUKTA
    if ("SIGN ANUSVARA" in name or "SIGN CANDRABINDU" in name or "SIGN VISARGA" in name
            or "LENGTH MARK" in name):
        return MODIFIER
    if unicodedata.category(ch) == "Lo":
        return VOWEL if _VOWEL_NAMES.search(name) else CONSONANT
    return OTHER


@dataclass(frozen=True)
class GarbleReport:
    """Counts of each garble signal and the verdict; `reasons` names what tipped it."""

    garbled: bool
    chars: int
    words: int
    signals: dict[str, int] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        """Share of words hit by any word-level signal (0 = clean)."""
        bad = (self.signals.get("orphan_sign", 0) + self.signals.get("visual_order", 0)
               + self.signals.get("impossible_sequence", 0) + self.signals.get("mixed_script", 0))
        return min(1.0, bad / self.words) if self.words else 0.0


def _word_problems(word: str) -> set[str]:
    """Which Indic spelling rules one word breaks; empty for a well-formed word."""
    problems: set[str] = set()
    scripts = set()
    foreign = False
    prev = None  # role of the previous non-joiner character, None at word start
    prev_block = None
    for ch in word:
        cp = ord(ch)
        in_indic = 0x0900 <= cp <= 0x0DFF
        if in_indic:
            scripts.add(cp >> 7)
        elif ch.isalpha() or unicodedata.category(ch) in ("Sk", "Lm", "Co", "So"):
            foreign = True
            prev = OTHER
            continue
        role = _role(ch) if in_indic else OTHER
        if role == JOINER:
            continue
        block = cp >> 7
        base_ok = prev in (CONSONANT, NUKTA) and block == prev_block
        if role == PREBASE:
            if not base_ok:
                problems.add("visual_order" if prev in (None, VOWEL, SIGN, PREBASE, MODIFIER,
                                                        VIRAMA, OTHER) else "orphan_sign")
        elif role in (SIGN, VIRAMA):
            if not base_ok:
                problems.add("orphan_sign" if prev is None else "impossible_sequence")
        elif role == NUKTA:
            if prev != CONSONANT or block != prev_block:
                problems.add("orphan_sign" if prev is None else "impossible_sequence")
        elif role == MODIFIER:
            if prev is None:
                problems.add("orphan_sign")
            elif prev in (VIRAMA, OTHER) or block != prev_block:
                problems.add("impossible_sequence")
        prev, prev_block = role, block
    if scripts and (foreign or len(scripts) > 1):
        problems.add("mixed_script")
    return problems


def garble_report(text: str) -> GarbleReport:
    """Count garble signals in `text` and decide whether it is too damaged to use."""
    if not _SUSPECT.search(text):  # one scan: most pages have nothing any rule counts
        pieces = text.split()
        chars = sum(map(len, pieces))
        signals = dict.fromkeys(_SIGNALS, 0)
        reasons = _verdict(signals, chars, len(pieces))
        return GarbleReport(garbled=bool(reasons), chars=chars, words=len(pieces),
                            signals=signals, reasons=reasons)
    signals = dict.fromkeys(_SIGNALS, 0)
    signals["cid"], signals["replacement"] = len(_CID.findall(text)), text.count("\ufffd")
    body = _CID.sub("", text) if signals["cid"] else text
    pieces = body.split()  # str.split and \s agree on what whitespace is
    chars = sum(map(len, pieces))
    ascii_only = body.isascii()
    signals["private_use"] = 0 if ascii_only else len(_PUA.findall(body))
    signals["control"] = 0 if ascii_only and body.isprintable() else len(_CONTROL.findall(body))
    if ascii_only or not _INDIC.search(body):  # no Indic letters: character signals only
        words = len(pieces)
        reasons = _verdict(signals, chars + signals["cid"], words)
        return GarbleReport(garbled=bool(reasons), chars=chars, words=words, signals=signals,
                            reasons=reasons)
    words = 0
    for word in _TOKEN_SPLIT.split(body):
        if not word:
            continue
        words += 1
        if _INDIC.search(word):
            for problem in _word_problems(word):
                signals[problem] += 1
    reasons = _verdict(signals, chars + signals["cid"], words)
    return GarbleReport(garbled=bool(reasons), chars=chars, words=words, signals=signals,
                        reasons=reasons)


def _verdict(s: dict[str, int], chars: int, words: int) -> list[str]:
    """Thresholds: a few hits can be a stray symbol; a steady share means a broken layer."""
    reasons = []
    if s["cid"] >= 3 and s["cid"] * 8 >= 0.05 * max(chars, 1):
        reasons.append(f"{s['cid']} (cid:NN) glyph codes")
    if s["replacement"] >= 3 and s["replacement"] >= 0.02 * chars:
        reasons.append(f"{s['replacement']} replacement characters")
    odd = s["private_use"] + s["control"]
    if odd >= 5 and odd >= 0.10 * chars:
        reasons.append(f"{odd} private-use or control characters")
    # Letters of another script inside an Indic word, or a vowel sign before its
    # consonant, are near-certain damage: one such word in twenty is enough. Orphan signs
    # and odd sequences also come from typing mistakes, so they need a few more.
    for key, label, least in (("visual_order", "vowel signs in visual order", 1),
                              ("orphan_sign", "vowel signs with no base consonant", 2),
                              ("impossible_sequence", "impossible sign sequences", 2),
                              ("mixed_script", "words mixing scripts", 1)):
        if s[key] >= least and s[key] >= 0.05 * words:
            reasons.append(f"{s[key]} words with {label}")
    return reasons


def is_garbled(text: str) -> bool:
    """True when the text layer is too damaged to index (see `garble_report`)."""
    return garble_report(text).garbled


def garbled_script(text: str) -> str | None:
    """The Indic script a garbled layer was meant to be in: it picks the OCR language."""
    counts: dict[str, int] = {}
    for ch in text:
        if 0x0900 <= ord(ch) <= 0x0DFF:
            name = char_script(ch)
            if name in INDIC_SCRIPTS:
                counts[name] = counts.get(name, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None
