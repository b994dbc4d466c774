"""Every environment variable the `loaders` package reads, in one place, documented.

Read when called, like `indexer.settings`. `LOADERS_MAX_BYTES` is how an ingest's isolated
worker learns its parent's per-file size limit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TypeVar

T = TypeVar("T")


def var(env: str, doc: str) -> dict[str, str]:
    """A settings field's metadata: its variable and what it does."""
    return {"env": env, "doc": doc}


def from_env(cls: type[T], env: Mapping[str, str] | None = None) -> T:
    """An instance of the settings dataclass `cls` from the environment; a malformed value is
    a ValueError naming the variable. Unset or blank variables keep their defaults."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        raw = (env.get(f.metadata["env"]) or "").strip()
        if raw:
            try:
                values[f.name] = int(raw) if f.type in ("int", int, "int | None") else raw
            except ValueError:
                raise ValueError(f"{f.metadata['env']}={raw!r}: not a whole number") from None
    return cls(**values)


def documented(cls: type) -> list[tuple[str, str, str]]:
    """(variable, default, what it does) of a settings dataclass, for the README."""
    return [(f.metadata["env"], str(f.default), f.metadata["doc"]) for f in fields(cls)]


@dataclass(frozen=True)
class Settings:
    langid: str = field(default="py3langid", metadata=var(
        "LOADERS_LANGID", "language classifier for shared scripts: py3langid or langdetect"))
    max_bytes: int | None = field(default=None, metadata=var(
        "LOADERS_MAX_BYTES", "per-file size limit in bytes (unset: the loaders' 200 MB)"))
    max_ocr_pages: int | None = field(default=None, metadata=var(
        "LOADERS_MAX_OCR_PAGES", "most pages of one PDF read with OCR (unset: 100; 0: none)"))
    hunspell_dir: str = field(default="", metadata=var(
        "LOADERS_HUNSPELL_DIR", "hunspell dictionaries for the PDF page choice (default: "
        "/usr/share/hunspell and the usual system folders)"))
    noto_dir: str = field(default="/usr/share/fonts/truetype/noto", metadata=var(
        "LOADERS_NOTO_DIR", "Noto fonts for generated test and sample PDFs"))



def settings() -> Settings:
    return from_env(Settings)
