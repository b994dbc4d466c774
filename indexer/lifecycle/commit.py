"""The lifecycle's part of a commit: the record, the card, the history line, retention.

`indexer.index` calls these at fixed points of a write, so every generation, however it
was written (create, ingest, delete), is recorded the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from indexer.lifecycle import card, history, retention
from indexer.lifecycle.reader import Generation
from indexer.storage.manifest import read_manifest, write_manifest

PER_COMMIT = (history.RECORD_KEY, "rolled_back")  # never inherited from the base manifest


def before_write(root: Path, current: dict[str, Any]) -> None:
    """Writer lock held: repair a lost history line."""
    history.repair(root, current)


def make_room(root: Path, current: dict[str, Any], building: str) -> retention.Sweep:
    """A write is about to change something: drop what retention lets go, counting the
    generation being built (a write that changes nothing deletes nothing)."""
    return retention.sweep(root, current, building=building)


def next_generation(root: Path, by_dirs: str) -> str:
    """The next name: past every directory and every number ever recorded."""
    number = max(int(re.sub(r"\D", "", by_dirs) or 0), history.highest_number(root) + 1)
    return f"gen-{number:06d}"


def action_of(report: Any) -> dict[str, Any]:
    """What a write did, from its AddReport."""
    if report is None:
        return {"op": "write"}
    ops = [op for op, names in (("upsert", ("added", "replaced")), ("delete", ("deleted",)))
           if any(getattr(report, n) for n in names)]
    return {"op": "+".join(ops) or "write", "added": len(report.added),
            "replaced": len(report.replaced), "deleted": len(report.deleted),
            "chunks_added": report.chunks_added, "chunks_removed": report.chunks_removed}


def write_card(gen: Path, manifest: Mapping[str, Any], base: Path | None,
               upserted: Sequence[str], removed: Sequence[str]) -> None:
    """The new generation's card (before the swap; outside the checksums)."""
    g = Generation.open(gen.parent, gen, dict(manifest))
    try:
        base_card = card.read_card(base) if base is not None else None
        card.write(gen, card.build(g, manifest, base_card, set(upserted) | set(removed)))
    finally:
        g.close()


def commit(root: Path, manifest: dict[str, Any], *, action: Mapping[str, Any],
           parent: str | None) -> dict[str, Any]:
    """Swap the manifest (carrying the new record), append the history line, sweep."""
    at = history.now()
    manifest = {**manifest, "committed_at": at}
    manifest[history.RECORD_KEY] = history.make_record(
        manifest["generation_dir"], manifest, action, parent, at)
    write_manifest(root, manifest)
    written = read_manifest(root)
    history.append(root, history.commit_entry(written))
    retention.sweep(root, written)
    return written
