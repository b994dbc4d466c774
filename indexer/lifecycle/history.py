"""The sealed record of every commit: `history.jsonl` at the index root, one JSON line each.

The manifest swap is the commit point. The manifest itself carries the new generation's
record (key `record`), so the record is committed in the same atomic rename; the line
appended to `history.jsonl` right after (under the writer lock, fsynced) keeps the
records of older generations, and the full manifest each was committed with, which is what
a rollback switches back to. A crash between the swap and the append loses nothing: the
current manifest's record is merged in on read and appended by the next writer (`repair`).
A torn last line (a crash mid-append) is skipped.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

HISTORY = "history.jsonl"
RECORD_KEY = "record"


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def gen_number(name: str) -> int:
    return int(name[4:])


def make_record(gen_name: str, manifest: Mapping[str, Any], action: Mapping[str, Any],
                parent: str | None, committed_at: str) -> dict[str, Any]:
    """What `indexer generations` lists: number, time, counts, model, what the commit did."""
    model = manifest.get("model") or {}
    counts = manifest.get("counts") or {}
    return {"generation": gen_number(gen_name), "dir": gen_name, "committed_at": committed_at,
            "documents": counts.get("documents"), "chunks": counts.get("chunks"),
            "model": {"name": model.get("name"), "checksum": model.get("checksum")},
            "action": dict(action), "parent": parent}


def append(root: Path, entry: Mapping[str, Any]) -> None:
    """One line, fsynced (writers hold the writer lock). After a torn last line (a crash
    mid-append) the new line starts on a line of its own, so only the torn one is lost."""
    line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
    path = root / HISTORY
    torn = False
    if path.is_file() and path.stat().st_size:
        with path.open("rb") as fh:
            fh.seek(-1, os.SEEK_END)
            torn = fh.read(1) != b"\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (("\n" if torn else "") + line).encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read(root: Path) -> list[dict[str, Any]]:
    """Every well-formed entry, oldest first (a torn or foreign line is skipped)."""
    path = root / HISTORY
    if not path.is_file() or path.is_symlink():
        return []
    out = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(entry, dict) and entry.get("event") in ("commit", "rollback"):
                out.append(entry)
    return out


def commit_entry(manifest: Mapping[str, Any]) -> dict[str, Any]:
    return {"event": "commit", "record": manifest[RECORD_KEY], "manifest": dict(manifest)}


def committed(root: Path, current: Mapping[str, Any] | None = None
              ) -> dict[str, dict[str, Any]]:
    """Generation dir → its commit entry (record and manifest), the current one included
    even when its line was never appended."""
    out = {}
    for entry in read(root):
        if entry["event"] == "commit" and isinstance(entry.get("record"), dict) \
                and isinstance(entry.get("manifest"), dict):
            out[str(entry["record"].get("dir"))] = entry
    if current is not None and isinstance(current.get(RECORD_KEY), dict):
        out.setdefault(current["generation_dir"], commit_entry(current))
    return out


def repair(root: Path, current: Mapping[str, Any]) -> None:
    """Append the current generation's record if a crash lost its line (writer lock held)."""
    if isinstance(current.get(RECORD_KEY), dict) and current["generation_dir"] not in {
            str(e["record"].get("dir")) for e in read(root) if e["event"] == "commit"}:
        append(root, commit_entry(current))


def highest_number(root: Path) -> int:
    """The highest generation number ever recorded, so a number is never reused after the
    generation that had it was deleted."""
    numbers = [int(e["record"]["generation"]) for e in read(root)
               if e["event"] == "commit" and isinstance(e.get("record"), dict)
               and isinstance(e["record"].get("generation"), int)]
    return max(numbers, default=0)
