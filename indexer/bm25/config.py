"""Serializable settings of the tokenizer and of the BM25 formula.

Both are stored in an index's manifest: an index must be queried with exactly the tokens and
the formula it was built with, so `load` compares them and refuses a mismatch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

LANGUAGES = ("en", "hi", "bn", "mr", "ta", "te", "kn", "ne", "id")
METHODS = ("lucene", "robertson", "atire")
_DEVANAGARI_AUTO = ("detect", "union")
_ZERO_WIDTH = ("drop", "split")


def _from_dict(cls: type, data: dict[str, Any]) -> Any:
    """Build a dataclass from a dict, refusing unknown keys (a typo must not pass silently)."""
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__}: expected a dict, got {type(data).__name__}")
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown field(s) {unknown}")
    return cls(**data)


@dataclass(frozen=True)
class TokenizerConfig:
    """How text becomes BM25 tokens. Defaults were picked by `indexer.harness.measure.bm25`.

    language: a code of LANGUAGES, or "auto" to detect each text's language from its script
        (and, for Latin and Devanagari, from stopword overlap). A per-text language given to
        `build`/`search` overrides it.
    stem: PyStemmer (Snowball) for en, hi, ne, ta, id.
    suffix_strip: light hand-written suffix strippers for bn, mr, te, kn (no Snowball stemmer).
    stopwords: drop the words of stopwords/<lang>.txt.
    lowercase: casefold (only changes cased scripts, i.e. Latin here).
    keep_single_latin: keep one-letter Latin tokens ("a", "b" of "vitamin b"). One-character
        Indic tokens and digits are always kept: many Indic words are a single akshara.
    fold_digits: map every decimal digit (Devanagari ०-९, Bengali, ...) to ASCII 0-9.
    fold_nukta: drop the Devanagari nukta (ज़ -> ज), which writers use inconsistently.
    zero_width: ZWJ is always dropped (it only selects a glyph form). ZWNJ is dropped ("drop")
        or read as a word boundary ("split"): Telugu and Kannada put it between a loanword and
        its case suffix ("ఒలింపిక్‌లో"), so splitting there matches the bare word (measured).
    auto_devanagari: for language "auto", Devanagari text is either assigned hi/mr/ne by
        stopword overlap ("detect") or processed with the union of their stopwords and the
        Hindi stemmer ("union").
    """

    language: str = "auto"
    stem: bool = True
    suffix_strip: bool = True
    stopwords: bool = True
    lowercase: bool = True
    keep_single_latin: bool = False
    fold_digits: bool = True
    fold_nukta: bool = True
    zero_width: str = "split"
    auto_devanagari: str = "detect"

    def __post_init__(self) -> None:
        if self.language != "auto" and self.language not in LANGUAGES:
            raise ValueError(f"language must be 'auto' or one of {LANGUAGES}: {self.language!r}")
        if self.zero_width not in _ZERO_WIDTH:
            raise ValueError(f"zero_width must be one of {_ZERO_WIDTH}: {self.zero_width!r}")
        if self.auto_devanagari not in _DEVANAGARI_AUTO:
            raise ValueError(
                f"auto_devanagari must be one of {_DEVANAGARI_AUTO}: {self.auto_devanagari!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenizerConfig:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class BM25Params:
    """The BM25 variant, named as in bm25s (Kamphuis et al., ECIR 2020).

    lucene (default): idf = ln(1 + (N - df + 0.5) / (df + 0.5)), tf part = tf / (tf + k1*L)
    robertson: idf = ln(max(1, (N - df + 0.5) / (df + 0.5))), same tf part
    atire: idf = ln(N / df), tf part = tf * (k1 + 1) / (tf + k1*L)
    with L = 1 - b + b * doc_len / avg_doc_len. BM25L/BM25+ are left out: they give every
    document a score for every query term, so a hit would no longer mean a shared term.
    """

    k1: float = 1.2
    b: float = 0.75
    method: str = "lucene"

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}: {self.method!r}")
        if not self.k1 >= 0 or not 0 <= self.b <= 1:
            raise ValueError(f"need k1 >= 0 and 0 <= b <= 1: k1={self.k1}, b={self.b}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BM25Params:
        return _from_dict(cls, data)


# Module-level defaults (frozen, so safe to share as argument defaults).
DEFAULT_CONFIG = TokenizerConfig()
DEFAULT_PARAMS = BM25Params()
