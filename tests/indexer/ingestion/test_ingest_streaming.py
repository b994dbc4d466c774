"""Streaming ingest (issue 17): bounded batches, a generation per batch, and a killed ingest
resumed by running the same command again. Real CLI, real model, real SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.paths import ROOT

SAMPLE = ROOT / "corpora" / "sample"


def _chunk_ids(index_dir: Path) -> set[str]:
    manifest = json.loads((index_dir / "manifest.json").read_text())
    db = sqlite3.connect(index_dir / manifest["generation_dir"] / "store.sqlite")
    try:
        return {r for (r,) in db.execute("SELECT id FROM chunks")}
    finally:
        db.close()


def test_batches_commit_generations_and_equal_one_shot(tmp_path: Path, embedder,  # noqa: ANN001
                                                       sample_index: Path) -> None:
    from indexer import Index, ingest

    path = tmp_path / "batched"
    index = Index.create(path, embedder=embedder)
    report = ingest([SAMPLE], path, index=index, commit_every=10)
    files = len([f for f in report.files if f.status == "loaded"])
    assert report.index.generations >= 5  # 47 documents, 10 per generation
    assert _chunk_ids(path) == _chunk_ids(sample_index)  # same chunks as one batch
    assert report.to_dict()["index"]["generations"] == report.index.generations
    again = ingest([SAMPLE], path, index=index, commit_every=10)
    assert again.count("unchanged") == files and again.index.generations == 0
    with pytest.raises(ValueError, match="commit_every"):
        ingest([SAMPLE], path, index=index, commit_every=0)


def _env(cache: Path) -> dict[str, str]:
    return {**os.environ, "INDEXER_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH"))
                                          if p)}


def _generation(index: Path) -> str | None:
    try:
        return json.loads((index / "manifest.json").read_text())["generation_dir"]
    except (FileNotFoundError, json.JSONDecodeError):
        return None


@pytest.mark.slow
def test_kill_after_a_batch_then_resume(tmp_path: Path, e5_dir: Path) -> None:
    """SIGKILL once the second generation is committed: the index checks clean with what was
    committed, and the same command finishes the rest without reloading committed files."""
    index = tmp_path / "idx"
    cmd = [sys.executable, "-m", "indexer.cli", "ingest", str(SAMPLE), "--index", str(index),
           "--commit-every", "8", "--json", "--no-progress"]
    env = _env(tmp_path / "cache")
    child = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and child.poll() is None:
        gen = _generation(index)
        if first is None and gen is not None:
            first = gen  # the empty index, or the first batch
        elif gen is not None and gen != first:
            break
        time.sleep(0.05)
    killed = child.poll() is None
    if killed:
        child.send_signal(signal.SIGKILL)
    child.wait()
    if not killed:
        pytest.skip("the ingest finished before a second commit could be seen")
    check = subprocess.run([sys.executable, "-m", "indexer.cli", "check", str(index), "--json"],
                           env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    kept = _chunk_ids(index)
    assert kept  # at least one batch survived the kill
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert report["unchanged"] > 0  # committed files are not loaded again
    assert _chunk_ids(index) >= kept
    full = tmp_path / "full"
    subprocess.run([sys.executable, "-m", "indexer.cli", "ingest", str(SAMPLE), "--index",
                    str(full), "--json", "--no-progress"], env=env, check=True,
                   capture_output=True, timeout=600)
    assert _chunk_ids(index) == _chunk_ids(full)


def test_a_file_result_keeps_seconds_apart_from_document_ids() -> None:
    """FileResult's fifth field is doc_ids: a loaded or failed file's time went there."""
    from indexer.ingestion.isolation import Outcome
    from indexer.ingestion.pipeline import _file_result

    failed, _ = _file_result("x.pdf", Outcome(status="error", reason="corrupt", seconds=0.25))
    assert failed.seconds == 0.25 and failed.doc_ids == []


def test_rerun_over_unchanged_files_loads_no_model(tmp_path: Path) -> None:
    """A no-op rerun must cost seconds: opening the index reads the model's width from its
    folder, so neither torch nor sentence-transformers is imported (a model without an
    install record, static-tiny, used to be loaded just to learn its dimension)."""
    index = tmp_path / "index"
    first = subprocess.run([sys.executable, "-m", "indexer.cli", "ingest", str(SAMPLE / "en"),
                            "--index", str(index), "--model", "static-tiny", "--json",
                            "--no-progress"], capture_output=True, text=True,
                           env=_env(tmp_path / "cache"), timeout=600)
    assert first.returncode == 0, first.stderr[-2000:]
    probe = ("import json, sys\n"
             "from indexer import ingest\n"
             f"r = ingest([{str(SAMPLE / 'en')!r}], {str(index)!r}, model='static-tiny')\n"
             "print(json.dumps({'unchanged': r.count('unchanged'), 'loaded': r.count('loaded'),"
             " 'torch': 'torch' in sys.modules,"
             " 'st': 'sentence_transformers' in sys.modules}))\n")
    again = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           env=_env(tmp_path / "cache"), timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    got = json.loads(again.stdout.strip().splitlines()[-1])
    assert got["unchanged"] > 0 and got["loaded"] == 0
    assert not got["st"] and not got["torch"], got
