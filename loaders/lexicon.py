"""Word lists from Debian's hunspell dictionaries, to tell a plausible reading of a page
from an implausible one (`loaders.pdf.choose`).

Only the stems of the `.dic` files are read (no affix expansion): the share of a page's
words found is a comparative signal — the same page read two ways, which reading has
more real words — not a spelling check. Packages (`scripts/setup.sh`): hunspell-hi, -bn,
-ne, -te, -id, -en-us. Debian has none for Marathi, Tamil or Kannada; Marathi falls back
to the Hindi list (same script, much shared vocabulary), the other two get no lexicon and
are judged by syllable validity alone.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from loaders.settings import settings

HUNSPELL_DIRS = ("/usr/share/hunspell", "/usr/share/myspell/dicts", "/usr/share/myspell")
DICTIONARY = {"hi": ("hi_IN",), "bn": ("bn_IN", "bn_BD"), "ne": ("ne_NP",), "te": ("te_IN",),
              "id": ("id_ID",), "en": ("en_US", "en_GB"), "mr": ("mr_IN", "hi_IN")}


def dictionary_path(language: str) -> Path | None:
    """The `.dic` file for a language code, if a dictionary is installed."""
    override = settings().hunspell_dir
    dirs = [override] if override else list(HUNSPELL_DIRS)
    for name in DICTIONARY.get(language, ()):
        for d in dirs:
            path = Path(d) / f"{name}.dic"
            if path.is_file():
                return path
    return None


@lru_cache(maxsize=16)
def words(language: str) -> frozenset[str]:
    """The dictionary's words (stems, NFC, lower case); empty without a dictionary."""
    path = dictionary_path(language)
    if path is None:
        return frozenset()
    out = set()
    with path.open(encoding="utf-8", errors="replace") as fh:
        next(fh, None)  # the first line is the entry count
        for line in fh:
            word = line.split("/", 1)[0].strip()
            if word:
                out.add(unicodedata.normalize("NFC", word).lower())
    return frozenset(out)


def plausibility(tokens: list[str], language: str) -> float | None:
    """Share of `tokens` in the language's dictionary; None without a dictionary."""
    lexicon = words(language)
    if not lexicon or not tokens:
        return None
    found = sum(1 for t in tokens if unicodedata.normalize("NFC", t).lower() in lexicon)
    return found / len(tokens)
