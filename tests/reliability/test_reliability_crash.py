"""Crash safety: SIGKILL `indexer ingest` at random points, 20 times.

After every kill the index opens at the last committed generation and passes `indexer
check`; the next run (a rerun of the interrupted one, with more changes) goes on from
there; a final run completes with every file in the index exactly once, none lost, none
duplicated. The child is the real CLI with the real model. Every version of every file the
runs will see is embedded once up front (a warm-up ingest into a scratch index fills the
embedding cache), so the killed runs never load the model: each lasts seconds, and the kill
points spread over loading files, chunking, writing the generation and committing.

INDEXER_KILL_RUNS changes the number of kills (default 20).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fuzz.crash import verify
from tests.paths import ROOT

SAMPLE = ROOT / "corpora" / "sample"
FILES = ("en/hand-washing.md", "hi/oral-rehydration.md", "en/dengue-prevention.txt",
         "ta/fever-in-children.md")
KILLS = int(os.environ.get("INDEXER_KILL_RUNS", "20"))


def _env(cache: Path) -> dict[str, str]:
    return {**os.environ, "INDEXER_CACHE_DIR": str(cache),
            "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH"))
                                          if p)}


def _generation(index: Path) -> int:
    try:
        return int(json.loads((index / "manifest.json").read_text())["generation_dir"][4:])
    except (FileNotFoundError, json.JSONDecodeError):
        return 0


def _write_began(index: Path, since_ns: int) -> bool:
    """A generation directory made after `since_ns`: the run's transaction has begun (its
    number may equal that of an unfinished one a killed run left, which it replaces)."""
    for p in index.glob("gen-*"):
        try:
            if p.stat().st_ctime_ns >= since_ns:
                return True
        except FileNotFoundError:
            continue
    return False


EXTRA = "\n\nUpdate: keep drinking water covered and wash hands before every meal.\n"
NOTES = {f"notes/note-{n}.md": f"# Note {n}\n\nSee the health worker if fever lasts more "
         f"than {n + 2} days.\n" for n in range(4)}


def _versions() -> dict[str, list[str]]:
    """Each file's possible contents: a sample file as it is or with a paragraph added;
    a note as written (present or absent)."""
    out = {rel: [(SAMPLE / rel).read_text("utf-8")] for rel in FILES}
    for rel in FILES:
        out[rel].append(out[rel][0] + EXTRA)
    return {**out, **{rel: [text] for rel, text in NOTES.items()}}


def _warm_cache(tmp: Path, env: dict[str, str]) -> None:
    """Embed every version once (a scratch index), so later runs find all in the cache."""
    scratch = tmp / "scratch"
    for rel, texts in _versions().items():
        for k, text in enumerate(texts):
            path = scratch / f"v{k}" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "indexer.cli", "ingest", str(scratch), "--index",
                    str(tmp / "scratch-index"), "--no-progress"], env=env, cwd=ROOT,
                   check=True, capture_output=True)


def _change(corpus: Path, rng: random.Random) -> None:
    """Every run has work: a file switches version, and a note comes or goes."""
    rel = rng.choice(FILES)
    versions = _versions()[rel]
    current = (corpus / rel).read_text("utf-8")
    (corpus / rel).write_text(versions[1 - versions.index(current)], encoding="utf-8")
    note = corpus / rng.choice(sorted(NOTES))
    if note.exists():
        note.unlink()
    else:
        note.parent.mkdir(exist_ok=True)
        note.write_text(NOTES[note.relative_to(corpus).as_posix()], encoding="utf-8")


def _timeline(cmd: list[str], env: dict[str, str], index: Path) -> tuple[float, float, int]:
    """Run to the end; seconds until the write began (a new generation directory) and until
    it committed (the manifest named it), and the exit status."""
    started, since = time.monotonic(), time.time_ns()
    committed = _generation(index)
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    t_txn = t_commit = None
    while proc.poll() is None:
        now = time.monotonic() - started
        if t_txn is None and _write_began(index, since):
            t_txn = now
        if t_commit is None and _generation(index) > committed:
            t_commit = now
        time.sleep(0.005)
    end = time.monotonic() - started
    return (t_txn or end), (t_commit or end), proc.returncode


def _orphans(pid: int) -> list[int]:
    """Worker processes still alive whose ingest parent was `pid` (must be none)."""
    import psutil

    left = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if proc.environ().get("INDEXER_WORKER_PARENT") == str(pid):
                left.append(proc.pid)
        except (psutil.Error, OSError):
            continue
    return left


@pytest.mark.slow
def test_sigkill_during_ingest_never_loses_the_index(tmp_path) -> None:
    corpus, index, cache, snaps = (tmp_path / n for n in ("corpus", "index", "cache", "snaps"))
    for rel in FILES:
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE / rel, corpus / rel)
    env = _env(cache)
    _warm_cache(tmp_path, env)
    cmd = [sys.executable, "-m", "indexer.cli", "ingest", str(corpus), "--index", str(index),
           "--prune", "--no-progress"]

    # Two complete runs: the first builds the index; the second (changes like every later
    # run's) gives the timeline the kill points are drawn from.
    assert _timeline(cmd, env, index)[2] == 0
    rng = random.Random(20240601)
    _change(corpus, rng)
    t_txn, t_commit, code = _timeline(cmd, env, index)
    assert code == 0 and _generation(index) >= 3
    window = max(0.2, t_commit - t_txn)

    log: list[dict] = []
    for i in range(KILLS):
        _change(corpus, rng)
        before = _generation(index)
        since = time.time_ns()
        child = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        t0 = time.monotonic()
        if i % 4 == 0:  # before the write: start-up, loading files (in workers)
            phase, delay = "early", rng.uniform(0.1, t_txn)
            time.sleep(delay)
        else:  # inside the write: after the next generation directory appears
            phase, delay = "write", rng.uniform(0.0, window * 1.1)
            while child.poll() is None and not _write_began(index, since) \
                    and time.monotonic() - t0 < 10 * t_commit:
                time.sleep(0.005)
            time.sleep(delay)
        killed = child.poll() is None
        if killed:
            os.kill(child.pid, signal.SIGKILL)
        child.wait()
        after = _generation(index)
        assert after >= before, "the committed generation went backwards"
        shutil.copytree(index, snaps / f"{i:02d}", symlinks=True)
        time.sleep(0.2)
        log.append({"i": i, "phase": phase, "delay": round(delay, 2), "killed": killed,
                    "at": round(time.monotonic() - t0, 2), "before": before, "after": after,
                    "orphans": _orphans(child.pid)})

    summary = {"kills": sum(r["killed"] for r in log),
               "in_write": sum(r["killed"] and r["phase"] == "write" for r in log),
               "runs": len(log),
               "committed_before_kill": sum(r["killed"] and r["after"] > r["before"]
                                            for r in log),
               "write_began_s": round(t_txn, 2), "committed_s": round(t_commit, 2),
               "log": log}
    print(json.dumps(summary))
    final = subprocess.run(cmd + ["--json"], env=env, cwd=ROOT, capture_output=True,
                           text=True)
    assert final.returncode == 0, final.stderr[-2000:]

    verified = [verify(p) for p in sorted(snaps.iterdir()) + [index]]
    for entry, row in zip(verified, log + [{"after": _generation(index)}], strict=True):
        assert entry["ok"], (row, entry["problems"])
        assert "open_error" not in entry, (row, entry)
        assert entry["opened_generation"] == entry["manifest_generation"] == \
            f"gen-{row['after']:06d}"
        assert entry["chunks"] == entry["vectors"] == entry["bm25_documents"]
        assert entry["chunk_ids_unique"]
    assert all(not row["orphans"] for row in log), log

    # Nothing lost, nothing duplicated: the index holds exactly the files, as they are now.
    expected = {p.relative_to(corpus).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in corpus.rglob("*") if p.is_file()}
    docs = verified[-1]["docs"]
    assert {d: c for d, (c, _) in docs.items()} == expected
    assert sum(n for _, n in docs.values()) == verified[-1]["chunks"]
    assert summary["kills"] >= KILLS * 0.75  # most runs were really killed, not finished
