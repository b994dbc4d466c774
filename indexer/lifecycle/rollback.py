"""`indexer rollback`: make a kept generation current again by swapping the manifest.

Nothing in any generation is rewritten: the manifest the target was committed with (kept
in `history.jsonl`) is written back, atomically, under the writer lock; readers and a
polling `indexer serve` switch on their next refresh exactly as after a commit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from indexer.errors import IndexOpenError
from indexer.lifecycle import history
from indexer.lifecycle.reader import normalize_gen
from indexer.storage.manifest import generation_dir, read_manifest, safe_file, write_manifest


def default_target(root: Path, current: dict[str, Any],
                   recorded: dict[str, dict[str, Any]]) -> str:
    """The current generation's parent when it is kept, else the newest older kept one."""
    name = current["generation_dir"]
    parent = (current.get(history.RECORD_KEY) or {}).get("parent")
    if parent in recorded and (root / parent).is_dir():
        return parent
    older = sorted((g for g in recorded if g < name and (root / g).is_dir()), reverse=True)
    if not older:
        raise IndexOpenError(f"{root}: no earlier generation is kept to roll back to "
                             "(see `indexer generations`)")
    return older[0]


def rollback(root: Path, to: str | int | None = None) -> dict[str, Any]:
    """Switch to `to` (default: the previous generation). Returns what switched."""
    from indexer.index import writer_lock

    read_manifest(root)  # an index, or a clear error (before a lock file is made)
    with writer_lock(root):
        current = read_manifest(root)
        recorded = history.committed(root, current)
        history.repair(root, current)
        target = normalize_gen(to) if to is not None else default_target(root, current,
                                                                         recorded)
        if target == current["generation_dir"]:
            raise IndexOpenError(f"{root}: {target} is already the current generation")
        entry = recorded.get(target)
        if entry is None:
            raise IndexOpenError(f"{root}: {target} has no recorded manifest (never "
                                 "committed, or written before generation records)")
        manifest = dict(entry["manifest"])
        gen = generation_dir(root, manifest)  # present, a plain directory, no links
        missing = [n for n in manifest.get("files") or {} if not safe_file(gen, n).exists()]
        if missing:
            raise IndexOpenError(f"{gen}: files missing ({', '.join(missing[:3])}); not "
                                 "switched")
        if manifest["model"].get("checksum") != current["model"].get("checksum"):
            raise IndexOpenError(
                f"{root}: {target} was built with model {manifest['model'].get('name')!r}, "
                f"the current generation with {current['model'].get('name')!r}; readers "
                "holding the current model could not search it. Not switched")
        at = history.now()
        manifest["rolled_back"] = {"at": at, "from": current["generation_dir"]}
        for key in ("format", "format_version"):
            manifest.pop(key, None)
        write_manifest(root, manifest)
        event = {"event": "rollback", "at": at, "from": current["generation_dir"],
                 "to": target}
        history.append(root, event)
    return event
