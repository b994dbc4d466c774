"""Which old generations stay on disk: the newest `keep` (the current one included, and the
one a write is building counted), never one a reader holds (`holds`).

The policy lives in `retention.json` at the index root (`indexer generations DIR --keep N`
sets it). The default, 2, is what the indexer always kept: the current generation and the
one before it, so a rollback of the last commit is always possible.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.errors import IndexOpenError
from indexer.lifecycle import history, holds

POLICY = "retention.json"
DEFAULT_KEEP = 2
_GEN = re.compile(r"^gen-\d{6}$")


@dataclass
class Sweep:
    deleted: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # due for deletion, but a reader holds it
    kept: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"deleted": self.deleted, "held": self.held, "kept": self.kept}


def read_keep(root: Path) -> int:
    path = root / POLICY
    if not path.is_file():
        return DEFAULT_KEEP
    try:
        keep = json.loads(path.read_text(encoding="utf-8")).get("keep")
    except (OSError, ValueError, AttributeError):
        return DEFAULT_KEEP
    return keep if isinstance(keep, int) and not isinstance(keep, bool) and keep >= 1 \
        else DEFAULT_KEEP


def write_keep(root: Path, keep: int) -> None:
    if not isinstance(keep, int) or keep < 1:
        raise IndexOpenError(f"--keep must be at least 1 (the current generation), not {keep}")
    tmp = root / f".{POLICY}.tmp"
    tmp.write_text(json.dumps({"keep": keep}) + "\n", encoding="utf-8")
    os.replace(tmp, root / POLICY)


def generation_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("gen-*")
                  if _GEN.match(p.name) and p.is_dir() and not p.is_symlink())


def sweep(root: Path, current: dict[str, Any], *, building: str | None = None,
          keep: int | None = None) -> Sweep:
    """Delete what the policy lets go; the caller holds the writer lock.

    A directory no commit recorded and no manifest names is an interrupted write (or, in an
    index from before generation records, an old generation): it goes first. `building`:
    the generation a write is building (never touched; one fewer old one stays)."""
    keep = read_keep(root) if keep is None else keep
    recorded = history.committed(root, current)
    name = current["generation_dir"]
    out = Sweep(kept=[name])
    older = [p for p in generation_dirs(root) if p.name not in (name, building)]
    stale = [p for p in older if p.name not in recorded]
    kept = sorted((p for p in older if p.name in recorded), key=lambda p: p.name, reverse=True)
    room = max(keep - 1 - int(building is not None), 0)
    out.kept += [p.name for p in kept[:room]]
    for p in stale + kept[room:]:
        with holds.exclusive(p) as free:
            if not free:
                out.held.append(p.name)
                continue
            shutil.rmtree(p, ignore_errors=True)
        out.deleted.append(p.name)
    return out
