"""The manifest: the one small file that says which generation of an index is current.

A write builds a complete new generation directory, then replaces `manifest.json` with
`os.replace` (atomic on POSIX). A crash before that leaves the previous manifest, which
still names the previous, untouched generation.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

FORMAT = "indexer-index"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_GEN = re.compile(r"^gen-\d{6}$")


class IndexError_(Exception):
    """An index directory that cannot be opened as asked; the message says why."""


def read_manifest(root: Path) -> dict[str, Any]:
    path = root / MANIFEST
    if not root.is_dir():
        raise IndexError_(f"{root}: no such index directory")
    if not path.is_file():
        raise IndexError_(f"{root}: not an index (no {MANIFEST})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexError_(f"{path}: unreadable manifest ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise IndexError_(f"{path}: not an indexer manifest")
    if data.get("format_version") != FORMAT_VERSION:
        raise IndexError_(f"{path}: format version {data.get('format_version')} is not "
                          f"supported (this indexer reads version {FORMAT_VERSION})")
    generation_dir(root, data)  # validates the path
    return data


def generation_dir(root: Path, manifest: dict[str, Any]) -> Path:
    """The current generation's directory, refusing anything that escapes the index root."""
    name = manifest.get("generation_dir")
    if not isinstance(name, str) or not _GEN.match(name):
        raise IndexError_(f"{root / MANIFEST}: invalid generation_dir {name!r}")
    path = root / name
    if path.is_symlink() or not path.is_dir():
        raise IndexError_(f"{path}: generation directory missing or not a plain directory")
    return path


def safe_file(gen: Path, name: str) -> Path:
    """A file inside a generation directory; no absolute paths, '..' or symlinks out."""
    if not name or Path(name).is_absolute() or ".." in Path(name).parts:
        raise IndexError_(f"{gen}: refusing path {name!r} from the manifest")
    path = gen / name
    if path.is_symlink() or not path.resolve().is_relative_to(gen.resolve()):
        raise IndexError_(f"{path}: refusing a link or path outside the index")
    return path


def file_checksums(gen: Path) -> dict[str, str]:
    """sha256 of every file in a generation, by path relative to it."""
    out = {}
    for f in sorted(gen.rglob("*")):
        if f.is_file():
            h = hashlib.sha256()
            with f.open("rb") as fh:
                for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    h.update(block)
            out[f.relative_to(gen).as_posix()] = h.hexdigest()
    return out


def write_manifest(root: Path, manifest: dict[str, Any]) -> None:
    """Write atomically: temp file, fsync, rename, fsync the directory."""
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "committed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **manifest}
    tmp = root / f".{MANIFEST}.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=2, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / MANIFEST)
    fsync_dir(root)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def next_generation_name(root: Path) -> str:
    numbers = [int(p.name[4:]) for p in root.glob("gen-*") if _GEN.match(p.name)]
    return f"gen-{max(numbers, default=0) + 1:06d}"
