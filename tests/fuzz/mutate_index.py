"""Mutations of a committed index directory: damaged files, hostile manifests, links out.

Each mutator edits a copy in place; `mutate_index` applies one or two. What a reader must
do with any of them is refuse with `IndexOpenError` (or open and give consistent answers, if
the change is harmless, like a new `committed_at`).
"""

from __future__ import annotations

import json
import os
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tests.fuzz.mutate import BYTE_MUTATORS

IndexMutator = Callable[[random.Random, Path], str]

_HOSTILE_GENS = ["../outside", "/tmp", "gen-000001/..", "gen-1", "gen-999999", "", None, 7,
                 "gen-000001/../gen-000001", "~", "gen-000001\x00", "GEN-000001", ["gen"]]
_VALUES = [None, 0, -1, 1, 2**63, "x", "", [], {}, True, 1.5, "../../etc/passwd",
           "/etc/passwd", {"name": "x"}, [1, 2, 3], "a" * 10000]


def _gen(root: Path) -> Path:
    manifest = json.loads((root / "manifest.json").read_text())
    return root / manifest["generation_dir"]


def _files(root: Path) -> list[Path]:
    return sorted(p for p in _gen(root).rglob("*") if p.is_file())


def _edit_manifest(root: Path, edit: Callable[[dict], None]) -> None:
    path = root / "manifest.json"
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


def manifest_generation(rng: random.Random, root: Path) -> str:
    value = rng.choice(_HOSTILE_GENS)
    _edit_manifest(root, lambda d: d.__setitem__("generation_dir", value))
    return f"generation_dir={value!r}"


def manifest_field(rng: random.Random, root: Path) -> str:
    """A random top-level or nested field gets a value of the wrong kind or size."""
    data = json.loads((root / "manifest.json").read_text())
    key = rng.choice(sorted(data))
    value = rng.choice(_VALUES)
    if isinstance(data[key], dict) and data[key] and rng.random() < 0.6:
        sub = rng.choice(sorted(data[key]))
        data[key][sub] = value
        what = f"{key}.{sub}"
    elif rng.random() < 0.2:
        del data[key]
        what, value = f"{key} removed", None
    else:
        data[key] = value
        what = key
    (root / "manifest.json").write_text(json.dumps(data))
    return f"manifest {what}={str(value)[:40]!r}"


def manifest_files_traversal(rng: random.Random, root: Path) -> str:
    name = rng.choice(["../../etc/passwd", "/etc/passwd", "bm25/../../manifest.json",
                       "..", "store.sqlite/../..", "\\..\\x", "~/x"])
    _edit_manifest(root, lambda d: d["files"].__setitem__(name, "0" * 64))
    return f"files[{name!r}]"


def manifest_bytes(rng: random.Random, root: Path) -> str:
    path = root / "manifest.json"
    path.write_bytes(rng.choice(BYTE_MUTATORS)(rng, path.read_bytes()))
    return "manifest bytes"


def damage_file(rng: random.Random, root: Path) -> str:
    target = rng.choice(_files(root))
    mutator = rng.choice(BYTE_MUTATORS)
    target.write_bytes(mutator(rng, target.read_bytes()))
    return f"{mutator.__name__} {target.relative_to(root)}"


def delete_file(rng: random.Random, root: Path) -> str:
    target = rng.choice(_files(root))
    target.unlink()
    return f"deleted {target.relative_to(root)}"


def link_out(rng: random.Random, root: Path) -> str:
    """Replace a file (or the generation, or the bm25 folder) with a link outside."""
    outside = root.parent / "outside"
    outside.mkdir(exist_ok=True)
    choice = rng.random()
    if choice < 0.2:
        target = _gen(root) / "bm25"
    elif choice < 0.3:
        target = _gen(root)
    else:
        target = rng.choice(_files(root))
    copy = outside / target.name
    if target.is_dir():
        shutil.copytree(target, copy, dirs_exist_ok=True)
        shutil.rmtree(target)
    else:
        shutil.copy(target, copy)
        target.unlink()
    os.symlink(copy, target)
    return f"symlink {target.relative_to(root)} -> outside"


def swap_array(rng: random.Random, root: Path) -> str:
    """A BM25 or tombstone .npy replaced by one of another dtype, shape or size, an
    object array (needs pickle) or a header that claims a huge shape."""
    npys = [p for p in _files(root) if p.suffix == ".npy"]
    target = rng.choice(npys)
    kind = rng.randrange(6)
    if kind == 0:
        np.save(target, np.arange(rng.randint(0, 50), dtype=np.float64))
    elif kind == 1:
        np.save(target, np.zeros((3, 3), np.int64))
    elif kind == 2:
        np.save(target, np.array([{"a": 1}, "x"], dtype=object), allow_pickle=True)
    elif kind == 3:
        arr = np.load(target)
        np.save(target, np.concatenate([arr, arr]))
    elif kind == 4:
        with target.open("wb") as fh:  # a header claiming 2**40 elements, then little data
            np.lib.format.write_array_header_1_0(
                fh, {"descr": "<i8", "fortran_order": False, "shape": (2**40,)})
            fh.write(b"\0" * 64)
    else:
        arr = np.load(target)
        if arr.size:
            arr = arr.copy()
            arr.flat[rng.randrange(arr.size)] = rng.choice([-1, 2**31 - 1, 0])
        np.save(target, arr)
    return f"array {target.relative_to(root)} kind {kind}"


def bm25_manifest(rng: random.Random, root: Path) -> str:
    path = _gen(root) / "bm25" / "manifest.json"
    data = json.loads(path.read_text())
    key = rng.choice(["vocab_size", "segments", "tokenizer", "params", "format_version"])
    data[key] = rng.choice(_VALUES + [10**12])
    path.write_text(json.dumps(data))
    return f"bm25 manifest {key}"


def stray_generation(rng: random.Random, root: Path) -> str:
    """What an interrupted write leaves: a newer half-written generation."""
    gen = _gen(root)
    newer = root / f"gen-{int(gen.name[4:]) + rng.randint(1, 3):06d}"
    shutil.copytree(gen, newer)
    for p in sorted(newer.rglob("*"))[: rng.randint(0, 5)]:
        if p.is_file():
            p.unlink()
    if rng.random() < 0.5:
        (root / ".manifest.json.tmp").write_text('{"format": "indexer-index", "gen')
    return f"stray {newer.name}"


INDEX_MUTATORS: list[IndexMutator] = [
    manifest_generation, manifest_field, manifest_field, manifest_files_traversal,
    manifest_bytes, damage_file, damage_file, damage_file, delete_file, link_out, swap_array,
    swap_array, bm25_manifest, stray_generation]


def mutate_index(rng: random.Random, seed_dir: Path, out: Path) -> str:
    """Copy `seed_dir` to `out` (symlinks kept as links) and damage the copy."""
    shutil.copytree(seed_dir, out, symlinks=True)
    done = []
    for _ in range(rng.choice((1, 1, 2))):
        try:
            done.append(rng.choice(INDEX_MUTATORS)(rng, out))
        except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError,
                AttributeError, IndexError):
            done.append("(mutation not applicable)")
    return "; ".join(done)
