"""Stopword lists, one file per language: stopwords/<lang>.txt, one word per line, # comments."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

_DIR = Path(__file__).resolve().parent


@cache
def raw_stopwords(language: str) -> tuple[str, ...]:
    """The words of stopwords/<language>.txt as written (NFC); empty for an unknown language."""
    path = _DIR / f"{language}.txt"
    if not path.is_file():
        return ()
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.append(line)
    return tuple(words)


def fingerprint() -> str:
    """SHA-256 of all lists, so an index built with other lists can be recognized."""
    digest = hashlib.sha256()
    for path in sorted(_DIR.glob("*.txt")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
