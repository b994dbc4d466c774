"""Generations, rollback and retention on real indexes (real model, FAISS, BM25, SQLite)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer import Index
from indexer.cli import main
from indexer.lifecycle import history
from indexer.lifecycle.generations import list_generations
from indexer.storage.check import check_index
from indexer.storage.manifest import read_manifest

sys.path.insert(0, str(Path(__file__).parent))
from helpers import doc, fingerprint  # noqa: E402

HAND = doc("hand.md", "Wash your hands with soap and water for at least twenty seconds.")
CORD = doc("cord.md", "Keep the baby's umbilical cord stump clean and dry.")
ORS = doc("ors.md", "Mix one packet of ORS in one litre of clean drinking water.")
HINDI = doc("hi.md", "बच्चे को दस्त होने पर ओआरएस का घोल दें।", lang="hi")


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def idx(tmp_path: Path, embedder) -> Path:  # noqa: ANN001
    """gen 1 create, gen 2 three documents, gen 3 + Hindi, gen 4 minus cord; keep 10."""
    root = tmp_path / "idx"
    index = Index.create(root, embedder=embedder)
    runner_keep = cli("generations", str(root), "--keep", "10")
    assert runner_keep[0] == 0, runner_keep
    index.add([HAND, CORD, ORS])
    index.add([HINDI])
    index.delete(["cord.md"])
    index.close()
    return root


def test_every_commit_leaves_a_record(idx: Path, embedder) -> None:  # noqa: ANN001
    code, out, _ = cli("generations", str(idx), "--json")
    assert code == 0
    rows = json.loads(out)["generations"]
    assert [r["generation"] for r in rows] == [4, 3, 2, 1]
    assert [(r["documents"], r["chunks"] > 0) for r in rows[:3]] == [(3, True), (4, True),
                                                                     (3, True)]
    assert [r["action"]["op"] for r in rows] == ["delete", "upsert", "upsert", "create"]
    assert rows[0]["action"]["deleted"] == 1 and rows[1]["action"]["added"] == 1
    assert rows[0]["current"] and not any(r["current"] for r in rows[1:])
    assert all(r["model"]["checksum"] == embedder.checksum and r["committed_at"] for r in rows)
    assert [r["parent"] for r in rows] == ["gen-000003", "gen-000002", "gen-000001", None]
    # the manifest carries the current record: committed in the same rename
    assert read_manifest(idx)["record"]["dir"] == "gen-000004"
    code, text, _ = cli("generations", str(idx))
    assert code == 0 and text.splitlines()[0].startswith("* gen-000004")


def test_rollback_switches_atomically_and_rewrites_nothing(idx: Path, embedder) -> None:  # noqa: ANN001
    reader = Index.open(idx, embedder=embedder)
    assert {h.doc_id for h in reader.search("umbilical cord stump", k=5)} >= {"hand.md"}
    assert "cord.md" not in {h.doc_id for h in reader.search("umbilical cord stump", k=5)}
    before = fingerprint(idx)
    code, out, err = cli("rollback", str(idx), "--json")
    assert code == 0, err
    assert json.loads(out) == {**json.loads(out), "from": "gen-000004", "to": "gen-000003"}
    assert fingerprint(idx) == before  # no generation file touched (bytes, mtime, inode)
    assert reader.refresh() and reader.generation == "gen-000003"  # like after a commit
    assert reader.search("umbilical cord stump", k=1)[0].doc_id == "cord.md"
    assert check_index(idx).ok and not [w for w in check_index(idx).warnings
                                        if "unfinished" in w]
    rows = list_generations(idx)
    assert [r["dir"] for r in rows if r["current"]] == ["gen-000003"]
    # roll forward again by number, then a write after a rollback gets a fresh number
    assert cli("rollback", str(idx), "--to", "2")[0] == 0
    index = Index.open(idx, embedder=embedder)
    index.add([doc("fever.md", "A baby with fever under two months must see a health worker.")])
    assert index.generation == "gen-000005"
    assert read_manifest(idx)["record"]["parent"] == "gen-000002"
    assert index.info()["documents"] == 4  # gen 2's three + fever
    events = [e for e in history.read(idx) if e["event"] == "rollback"]
    assert [(e["from"], e["to"]) for e in events] == [("gen-000004", "gen-000003"),
                                                      ("gen-000003", "gen-000002")]


def test_rollback_refusals_are_clear(idx: Path) -> None:
    code, _, err = cli("rollback", str(idx), "--to", "4")
    assert code == 1 and "already the current generation" in err
    code, _, err = cli("rollback", str(idx), "--to", "9")
    assert code == 1 and "gen-000009 has no recorded manifest" in err
    code, _, err = cli("rollback", str(idx), "--to", "x1")
    assert code == 1 and "not a generation" in err
    assert cli("generations", str(idx), "--keep", "1")[0] == 0
    code, _, err = cli("rollback", str(idx))
    assert code == 1 and "no earlier generation is kept" in err
    code, _, err = cli("rollback", str(idx / "nope"))
    assert code == 1 and "no such index directory" in err
    assert read_manifest(idx)["generation_dir"] == "gen-000004"  # nothing switched


def test_retention_never_deletes_what_a_reader_holds(idx: Path, embedder) -> None:  # noqa: ANN001
    assert cli("rollback", str(idx), "--to", "2")[0] == 0
    held = Index.open(idx, embedder=embedder)  # holds gen 2 (a shared flock)
    assert cli("rollback", str(idx), "--to", "4")[0] == 0
    code, out, _ = cli("generations", str(idx), "--keep", "1", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["keep"] == 1 and data["retention"]["held"] == ["gen-000002"]
    assert sorted(data["retention"]["deleted"]) == ["gen-000001", "gen-000003"]
    assert sorted(p.name for p in idx.glob("gen-*")) == ["gen-000002", "gen-000004"]
    assert held.search("cord stump", k=1)[0].doc_id == "cord.md"  # still searchable
    assert [r["held"] for r in data["generations"] if r["dir"] == "gen-000002"] == [True]
    held.close()
    writer = Index.open(idx, embedder=embedder)
    writer.add([CORD])  # the next write applies the policy
    # gen 4 was the writer's own snapshot while it committed: kept until released
    assert sorted(p.name for p in idx.glob("gen-*")) == ["gen-000004", "gen-000005"]
    assert cli("generations", str(idx), "--keep", "1")[0] == 0
    assert sorted(p.name for p in idx.glob("gen-*")) == ["gen-000005"]
    assert writer.search("cord stump", k=1)[0].doc_id == "cord.md"


def test_a_reader_in_another_process_holds_its_generation(idx: Path, e5_dir: Path) -> None:
    script = textwrap.dedent(f"""
        import sys, time
        from indexer import Index, Embedder
        index = Index.open({str(idx)!r}, embedder=Embedder({str(e5_dir)!r}))
        print(index.generation, flush=True)
        sys.stdin.readline()
    """)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "gen-000004"
        assert cli("rollback", str(idx), "--to", "3")[0] == 0
        code, out, _ = cli("generations", str(idx), "--keep", "1", "--json")
        assert json.loads(out)["retention"]["held"] == ["gen-000004"]
    finally:
        proc.communicate("\n", timeout=60)
    deadline = time.time() + 10
    while (idx / "gen-000004").exists() and time.time() < deadline:
        cli("generations", str(idx), "--keep", "1")
    assert not (idx / "gen-000004").exists()  # released with the reader's process


def test_index_without_history_still_works(idx: Path, embedder) -> None:  # noqa: ANN001
    """An index written before generation records: no history.jsonl, no manifest record."""
    (idx / "history.jsonl").unlink()
    manifest = json.loads((idx / "manifest.json").read_text())
    manifest.pop("record")
    (idx / "manifest.json").write_text(json.dumps(manifest))
    rows = list_generations(idx)
    assert rows[0]["current"] and rows[0]["documents"] == 3
    assert all(r["action"]["op"].startswith("unrecorded") for r in rows)
    code, _, err = cli("rollback", str(idx))
    assert code == 1 and "no earlier generation is kept" in err
    code, _, err = cli("rollback", str(idx), "--to", "3")
    assert code == 1 and "no recorded manifest" in err
    index = Index.open(idx, embedder=embedder)
    assert index.search("soap", k=1)[0].doc_id == "hand.md"
    index.add([CORD])
    rows = list_generations(idx)
    assert rows[0]["dir"] == "gen-000005" and rows[0]["action"]["op"] == "upsert"
    assert cli("rollback", str(idx))[0] == 1  # gen 4 has no record: refused, not guessed


def test_a_lost_history_line_is_repaired(idx: Path, embedder) -> None:  # noqa: ANN001
    """A crash after the manifest swap, before the history append: nothing is lost."""
    path = idx / "history.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])  # torn line
    assert list_generations(idx)[0]["dir"] == "gen-000004"  # from the manifest's record
    Index.open(idx, embedder=embedder).add([CORD])
    dirs = [e["record"]["dir"] for e in history.read(idx) if e["event"] == "commit"]
    assert dirs == ["gen-000001", "gen-000002", "gen-000003", "gen-000004", "gen-000005"]
