"""The CLI contract: ingest, search --json, info, delete, and clean failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import main
from tests.paths import SAMPLE

EXPECTED = [
    ("How long should I wash my hands with soap?", "hand-washing"),
    ("What should I do when my child has diarrhoea?", "oral-rehydration"),
    ("danger signs during pregnancy bleeding headache", "danger-signs-pregnancy"),
    ("हाथ कितनी देर तक धोने चाहिए?", "hand-washing"),
    ("नवजात शिशु की नाल को कैसे साफ रखें?", "newborn-care"),
    ("मधुमेह में क्या खाना चाहिए?", "diabetes-diet"),
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a child process: exit codes and stderr as a user sees."""
    return subprocess.run([sys.executable, "-m", "indexer.cli", *args], capture_output=True,
                          text=True, env={**os.environ, "CI": "1"}, timeout=300)


@pytest.mark.parametrize(("query", "topic"), EXPECTED)
def test_search_json_returns_the_expected_sample_document(sample_index: Path, query: str,
                                                          topic: str) -> None:
    result = CliRunner().invoke(main, ["search", str(sample_index), query, "-k", "3", "--json"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 3
    for key in ("chunk_id", "doc_id", "score", "text", "source", "page", "lang", "section"):
        assert key in hits[0]
    assert topic in hits[0]["doc_id"], [h["doc_id"] for h in hits]


def test_search_no_feedback_matches_the_library(sample_index: Path) -> None:
    from indexer import Index

    q = "how do I keep the cord stump clean"
    result = CliRunner().invoke(main, ["search", str(sample_index), q, "-k", "4", "--json",
                                       "--no-feedback"])
    assert result.exit_code == 0, result.output
    local = Index.open(sample_index).search(q, k=4, feedback=None)
    assert [h["chunk_id"] for h in json.loads(result.stdout)] == [h.chunk_id for h in local]


def test_info_json(sample_index: Path) -> None:
    result = CliRunner().invoke(main, ["info", str(sample_index), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["documents"] >= 20 and info["chunks"] == info["vectors"]
    assert {"en", "hi", "bn", "ta"} <= set(info["languages"])


def test_ingest_empty_folder_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    proc = run("ingest", str(tmp_path / "empty"), "--index", str(tmp_path / "idx"))
    assert proc.returncode != 0
    assert "no files found" in proc.stderr and proc.stderr.count("\n") == 1
    assert not (tmp_path / "idx").exists()


def test_ingest_missing_path_fails_cleanly(tmp_path: Path) -> None:
    proc = run("ingest", str(tmp_path / "nope"), "--index", str(tmp_path / "idx"))
    assert proc.returncode != 0
    assert "nope" in proc.stderr and "no such file" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "idx").exists()


def test_ingest_only_bad_files_fails_and_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "empty.txt").write_bytes(b"")
    (src / "corrupt.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    proc = run("ingest", str(src), "--index", str(tmp_path / "idx"))
    assert proc.returncode != 0 and "no document could be loaded" in proc.stderr
    assert not (tmp_path / "idx").exists()


def test_search_missing_index_fails_cleanly(tmp_path: Path) -> None:
    proc = run("search", str(tmp_path / "nope"), "hello")
    assert proc.returncode != 0 and "no such index" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_ingest_reports_per_file_and_reingest_is_a_no_op(tmp_path: Path, e5_dir: Path
                                                         ) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("hand-washing.md", "newborn-care.md"):
        (src / name).write_bytes((SAMPLE / "en" / name).read_bytes())
    (src / "notes.xyz").write_text("unknown format")
    (src / "broken.txt").write_bytes(b"")
    args = ["ingest", str(src), "--index", str(tmp_path / "idx"), "--model", str(e5_dir),
            "--json"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert (report["loaded"], report["skipped"], report["failed"]) == (2, 1, 1)
    status = {Path(f["path"]).name: f for f in report["files"]}
    assert status["broken.txt"]["status"] == "failed" and status["broken.txt"]["reason"]
    assert status["notes.xyz"]["status"] == "skipped"
    generation = json.loads((tmp_path / "idx" / "manifest.json").read_text())["generation_dir"]
    second = json.loads(CliRunner().invoke(main, args).stdout)
    assert second["index"]["unchanged"] == ["hand-washing.md", "newborn-care.md"]
    assert second["index"]["embedded"] == 0 and second["index"]["chunks_added"] == 0
    # Unchanged files are not even parsed (no worker, no loader), and nothing is committed.
    assert (second["loaded"], second["unchanged"]) == (0, 2)
    assert {f["status"] for f in second["files"] if f["path"].endswith(".md")} == {"unchanged"}
    assert json.loads((tmp_path / "idx" / "manifest.json").read_text())["generation_dir"] == \
        generation

    (src / "hand-washing.md").write_text((SAMPLE / "en" / "hand-washing.md").read_text()
                                         + "\nRinse for 20 seconds.\n")
    edited = json.loads(CliRunner().invoke(main, args).stdout)
    assert (edited["loaded"], edited["unchanged"]) == (1, 1)
    assert edited["index"]["replaced"] == ["hand-washing.md"]
    assert edited["index"]["unchanged"] == ["newborn-care.md"]

    (src / "newborn-care.md").unlink()
    pruned = json.loads(CliRunner().invoke(main, [*args, "--prune"]).stdout)
    assert pruned["index"]["deleted"] == ["newborn-care.md"]
    result = CliRunner().invoke(main, ["delete", str(tmp_path / "idx"), "--doc",
                                       "hand-washing.md", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["deleted"] == ["hand-washing.md"]
