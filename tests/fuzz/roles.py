"""Writer and reader loops for the concurrency tests, runnable in threads or as processes.

    python -m tests.fuzz.roles writer INDEX_DIR COMMITS
    python -m tests.fuzz.roles reader INDEX_DIR SECONDS

The writer prints one JSON line per committed generation (its counts); the reader prints
one JSON summary: every distinct state it observed and every error.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from indexer.index import Index
from loaders import Block, BlockKind, Document
from tests.fuzz.stub import StubEmbedder

TOPICS = ["Boil drinking water for one minute.", "Sleep under a treated bed net.",
          "Give ORS after every loose stool.", "Wash hands with soap for twenty seconds.",
          "Keep the newborn warm, skin to skin.", "Eat iron-rich food like green leaves."]


def state(info: dict[str, Any]) -> tuple[str, int, int, int, int]:
    return (info["generation"], info["documents"], info["chunks"], info["vectors"],
            info["bm25_documents"])


def document(i: int) -> Document:
    text = f"{TOPICS[i % len(TOPICS)]} Note number {i}. " * (1 + i % 3)
    return Document(id=f"doc-{i}.md", source=f"/virtual/doc-{i}.md", checksum=f"c{i}",
                    language="en", blocks=[Block(BlockKind.PARAGRAPH, text, language="en")])


def write(root: Path, commits: int, emit: Any = print) -> list[tuple]:
    """Alternate adds and deletes; report each committed state."""
    index = Index.open(root, embedder=StubEmbedder())
    states = [state(index.info())]
    emit(json.dumps(states[-1]))
    for n in range(commits):
        if n % 3 == 2:
            index.delete([f"doc-{n - 1}.md"])
        else:
            index.add([document(n), document(n + 1000)])
        states.append(state(index.info()))
        emit(json.dumps(states[-1]))
    return states


def read(root: Path, seconds: float, shared: Index | None = None) -> dict[str, Any]:
    """Open, refresh, search and describe in a loop; collect states and errors."""
    seen: set[tuple] = set()
    errors: list[str] = []
    searches = 0
    end = time.monotonic() + seconds
    embedder = StubEmbedder()
    while time.monotonic() < end:
        try:
            index = shared if shared is not None else Index.open(root, embedder=embedder)
            if shared is not None:
                index.refresh()
            for mode in ("bm25", "dense", "hybrid"):
                hits = index.search("wash hands with soap", k=5, mode=mode)
                searches += 1
                if any(not h.text or not h.chunk_id for h in hits):
                    errors.append("a hit without text")
            seen.add(state(index.info()))
            if shared is None:
                index.close()
        except Exception as exc:  # noqa: BLE001 - every error is a finding
            errors.append(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    return {"states": sorted(seen), "errors": errors, "searches": searches}


def main(argv: list[str]) -> int:
    role, root, amount = argv[0], Path(argv[1]), argv[2]
    if role == "writer":
        write(root, int(amount), emit=lambda line: print(line, flush=True))
    else:
        print(json.dumps(read(root, float(amount))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
