"""Shared by the lifecycle tests: small real documents and a file fingerprint."""

from __future__ import annotations

import hashlib
from pathlib import Path

from loaders import Block, BlockKind, Document


def doc(doc_id: str, text: str, lang: str = "en") -> Document:
    return Document(id=doc_id, source=f"/virtual/{doc_id}",
                    checksum=hashlib.sha256(text.encode()).hexdigest(), title=doc_id,
                    language=lang, blocks=[Block(BlockKind.PARAGRAPH, text, language=lang,
                                                 section=[doc_id])])


def fingerprint(root: Path) -> dict[str, tuple[str, int, int]]:
    """sha256, mtime_ns and inode of every file in every generation directory."""
    out = {}
    for f in sorted(root.glob("gen-*/**/*")):
        if f.is_file():
            st = f.stat()
            out[f.relative_to(root).as_posix()] = (
                hashlib.sha256(f.read_bytes()).hexdigest(), st.st_mtime_ns, st.st_ino)
    return out
