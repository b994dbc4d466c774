"""Which reading of a page to keep — raw text layer, repaired layer or OCR — by measuring
each: the share of its Indic words that are well-formed syllables (`loaders.syllable`) and
the share found in the language's dictionary (`loaders.lexicon`, where one is installed).

A word holding U+FFFD, a private-use glyph code or a `(cid:NN)` run counts as broken, so a
layer with unmapped conjuncts loses to OCR that reads them. Ties keep the earlier candidate
(raw before repaired before OCR): a page is only changed when the change measures better.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders import lexicon
from loaders.syllable import is_indic, word_problems

_BROKEN = re.compile("[\ufffd\ue000-\uf8ff]|\\(cid:\\d+\\)")
_WORD = re.compile(r"(?:[^\W\d_]|[\u0900-\u0dff\u200c\u200d\ufffd\ue000-\uf8ff])+")


@dataclass(frozen=True)
class Quality:
    """How one reading of a page measures."""

    words: int  # Indic words (a word with a broken glyph code counts as Indic)
    valid: float  # share of them well-formed
    plausible: float | None  # share of them in the dictionary; None without one
    language: str | None

    @property
    def score(self) -> float:
        return self.valid if self.plausible is None else (self.valid + self.plausible) / 2

    def describe(self) -> str:
        lex = ("" if self.plausible is None
               else f", dictionary words {self.plausible:.2f} ({self.language})")
        return f"score {self.score:.3f} (well-formed words {self.valid:.2f}{lex})"


def indic_words(text: str) -> list[str]:
    """Words holding an Indic letter or a broken glyph code."""
    return [w for w in _WORD.findall(text)
            if any(is_indic(c) for c in w) or _BROKEN.search(w)]


def quality(text: str, language: str | None) -> Quality:
    """Measure one reading of a page (see the module docstring)."""
    found = indic_words(text)
    if not found:
        return Quality(0, 1.0, None, language)
    ok = [w for w in found if not _BROKEN.search(w) and not word_problems(w)]
    plausible = lexicon.plausibility(found, language) if language else None
    return Quality(len(found), len(ok) / len(found), plausible, language)


def pick(candidates: dict[str, Quality]) -> str:
    """The route whose reading scores best; the first listed on a tie."""
    best = None
    for route, q in candidates.items():
        if best is None or q.score > candidates[best].score + 1e-9:
            best = route
    assert best is not None
    return best
