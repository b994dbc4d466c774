"""Stemmer per language: Snowball (PyStemmer) where it exists, else a light suffix stripper."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import Stemmer

from indexer.bm25.suffixes import SUFFIXES, strip_suffix

# Our language codes -> Snowball algorithm names available in PyStemmer.
SNOWBALL = {"en": "english", "hi": "hindi", "ne": "nepali", "ta": "tamil", "id": "indonesian"}


@cache
def snowball(language: str) -> Callable[[str], str] | None:
    """PyStemmer's stemWord for a language, or None when Snowball has no algorithm for it."""
    name = SNOWBALL.get(language)
    if name is None or name not in Stemmer.algorithms():
        return None
    return Stemmer.Stemmer(name).stemWord


def stemmer_for(language: str, stem: bool, suffix_strip: bool) -> Callable[[str], str] | None:
    """The word -> stem function the tokenizer applies for a language, or None."""
    if stem:
        fn = snowball(language)
        if fn is not None:
            return fn
    if suffix_strip and language in SUFFIXES:
        suffixes = SUFFIXES[language]
        return lambda word: strip_suffix(word, suffixes)
    return None
