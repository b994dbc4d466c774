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

from indexer.errors import IndexOpenError

FORMAT = "indexer-index"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
_GEN = re.compile(r"^gen-\d{6}$")


IndexError_ = IndexOpenError  # the old name (it shadowed a builtin); kept for callers


def read_manifest(root: Path) -> dict[str, Any]:
    path = root / MANIFEST
    if not root.is_dir():
        raise IndexOpenError(f"{root}: no such index directory")
    if path.is_symlink():
        raise IndexOpenError(f"{path}: refusing a symbolic link as the manifest")
    if not path.is_file():
        raise IndexOpenError(f"{root}: not an index (no {MANIFEST})")
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise IndexOpenError(f"{path}: manifest of {path.stat().st_size} bytes is too large "
                          f"(limit {MAX_MANIFEST_BYTES})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise IndexOpenError(f"{path}: unreadable manifest ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise IndexOpenError(f"{path}: not an indexer manifest")
    if data.get("format_version") != FORMAT_VERSION:
        raise IndexOpenError(f"{path}: format version {data.get('format_version')} is not "
                          f"supported (this indexer reads version {FORMAT_VERSION})")
    validate(path, data)
    generation_dir(root, data)  # validates the path
    return data


_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def validate(path: Path, data: dict[str, Any]) -> None:
    """The fields readers rely on, with the types they rely on: a hostile or damaged
    manifest fails here with its reason, not later with a KeyError or TypeError."""
    model = data.get("model")
    if not isinstance(model, dict) or not isinstance(model.get("name"), str) \
            or not isinstance(model.get("checksum"), str):
        raise IndexOpenError(f"{path}: invalid 'model' (needs a name and a checksum)")
    dim = data.get("dim")
    if not isinstance(dim, int) or isinstance(dim, bool) or not 0 < dim <= 65536:
        raise IndexOpenError(f"{path}: invalid dimension {dim!r}")
    counts = data.get("counts")
    if not isinstance(counts, dict) or not all(
            isinstance(counts.get(k), int) and not isinstance(counts.get(k), bool)
            and counts[k] >= 0 for k in ("documents", "chunks")):
        raise IndexOpenError(f"{path}: invalid 'counts' {counts!r}")
    if not isinstance(data.get("bm25"), dict):
        raise IndexOpenError(f"{path}: invalid 'bm25' settings")
    for key in ("chunker", "dense"):
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise IndexOpenError(f"{path}: invalid {key!r} settings")
    files = data.get("files")
    if files is not None:
        if not isinstance(files, dict):
            raise IndexOpenError(f"{path}: invalid 'files' map")
        for name, digest in files.items():
            _check_relative(path, name)
            if not isinstance(digest, str) or not _HEX64.match(digest):
                raise IndexOpenError(f"{path}: invalid checksum for {name!r}")


def _check_relative(where: Path, name: object) -> None:
    """A path from the manifest: relative, inside, plain (no '..', no absolute, no '\\')."""
    if not isinstance(name, str) or not name or "\x00" in name or "\\" in name:
        raise IndexOpenError(f"{where}: refusing path {name!r} from the manifest")
    p = Path(name)
    if p.is_absolute() or ".." in p.parts or name.startswith("~"):
        raise IndexOpenError(f"{where}: refusing path {name!r} from the manifest "
                          "(absolute or outside the index)")


def generation_dir(root: Path, manifest: dict[str, Any]) -> Path:
    """The current generation's directory, refusing anything that escapes the index root."""
    name = manifest.get("generation_dir")
    if not isinstance(name, str) or not _GEN.match(name):
        raise IndexOpenError(f"{root / MANIFEST}: invalid generation_dir {name!r}")
    path = root / name
    if path.is_symlink() or not path.is_dir():
        raise IndexOpenError(f"{path}: generation directory missing or not a plain directory")
    refuse_links(path)
    return path


def refuse_links(gen: Path) -> None:
    """No symbolic link anywhere in a generation: a link could make a reader load (or a
    writer's cleanup delete) files outside the index."""
    try:
        for dirpath, dirnames, filenames in os.walk(gen, followlinks=False):
            for name in dirnames + filenames:
                if os.path.islink(os.path.join(dirpath, name)):
                    rel = Path(dirpath, name).relative_to(gen).as_posix()
                    raise IndexOpenError(f"{gen}: refusing symbolic link {rel!r} in the index")
    except OSError as exc:
        raise IndexOpenError(f"{gen}: unreadable generation directory ({exc})") from None


def safe_file(gen: Path, name: str) -> Path:
    """A file inside a generation directory; no absolute paths, '..' or symlinks out."""
    _check_relative(gen, name)
    path = gen / name
    if path.is_symlink() or not path.resolve().is_relative_to(gen.resolve()):
        raise IndexOpenError(f"{path}: refusing a link or path outside the index")
    return path


def file_sha256(path: Path) -> str:
    """The project's one file checksum (streamed: model weights are hundreds of MB)."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def file_checksums(gen: Path) -> dict[str, str]:
    """sha256 of every file in a generation, by path relative to it."""
    return {f.relative_to(gen).as_posix(): file_sha256(f)
            for f in sorted(gen.rglob("*")) if f.is_file()}


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


def is_generation_dir(path: Path) -> bool:
    """A generation folder by name (gen-NNNNNN), not a link."""
    return bool(_GEN.match(path.name)) and path.is_dir() and not path.is_symlink()


def next_generation_name(root: Path) -> str:
    numbers = [int(p.name[4:]) for p in root.glob("gen-*") if _GEN.match(p.name)]
    return f"gen-{max(numbers, default=0) + 1:06d}"
