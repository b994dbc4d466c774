"""`indexer generations`: every generation an index recorded or still holds on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from indexer.lifecycle import history, holds, retention
from indexer.storage.manifest import read_manifest


def list_generations(root: Path) -> list[dict[str, Any]]:
    """Newest first: the record of each committed generation (from history, or from the
    manifest alone for an index written before records existed), whether it is current,
    still on disk (a rollback target) and held by a reader."""
    current = read_manifest(root)
    name = current["generation_dir"]
    recorded = history.committed(root, current)
    present = {p.name: p for p in retention.generation_dirs(root)}
    rows: list[dict[str, Any]] = []
    for gen in sorted(set(recorded) | set(present), reverse=True):
        entry = recorded.get(gen)
        row = dict(entry["record"]) if entry else {
            "generation": history.gen_number(gen), "dir": gen, "committed_at": None,
            "documents": None, "chunks": None, "model": None,
            "action": {"op": "unrecorded (written before generation records)"},
            "parent": None}
        if gen == name and not entry:
            counts = current.get("counts") or {}
            row.update(committed_at=current.get("committed_at"),
                       documents=counts.get("documents"), chunks=counts.get("chunks"),
                       model={k: current["model"].get(k) for k in ("name", "checksum")})
        row["current"] = gen == name
        row["on_disk"] = gen in present
        row["held"] = gen in present and gen != name and holds.is_held(present[gen])
        row["rollback_target"] = gen in present and entry is not None and gen != name
        rows.append(row)
    return rows


def events(root: Path) -> list[dict[str, Any]]:
    """Rollbacks, oldest first (what switched when, and why the current one is current)."""
    return [e for e in history.read(root) if e["event"] == "rollback"]


def format_rows(rows: list[dict[str, Any]]) -> str:
    lines = []
    for r in rows:
        mark = "*" if r["current"] else " "
        state = "" if r["on_disk"] else "  (deleted)"
        state += "  (held by a reader)" if r["held"] else ""
        action = dict(r.get("action") or {})
        op = action.pop("op", "?")
        detail = ", ".join(f"{k} {v}" for k, v in action.items() if v)
        model = (r.get("model") or {}).get("name") or "?"
        lines.append(f"{mark} {r['dir']}  {r['committed_at'] or '?':<20}  "
                     f"{r['documents'] if r['documents'] is not None else '?':>7} docs  "
                     f"{r['chunks'] if r['chunks'] is not None else '?':>8} chunks  {model}  "
                     f"{op}{' (' + detail + ')' if detail else ''}{state}")
    return "\n".join(lines)
