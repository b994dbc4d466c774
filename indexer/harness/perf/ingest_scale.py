"""Ingest at scale: throughput and peak memory at 1k, 5k and 20k documents, and kill-and-resume.

    python -m indexer.harness.perf.ingest_scale --sizes 1000,2000,5000,20000 --kills 10 --out DIR

Synthetic Markdown documents (English and Hindi sentences from a fixed vocabulary, three
sections each, deterministic by seed) go through the real `indexer ingest` in a fresh process:
discovery, isolated loader workers, chunking, embedding, BM25, FAISS, the store and the
generation commits. Embedding uses the tiny static model (`static-tiny`, 64-d) so the numbers
measure the pipeline, not the encoder (the encoder's own speed is `perf.embed`'s part); each
run starts with an empty embedding cache. Peak memory is sampled from /proc every 0.1 s: the
ingest process itself, and its whole process tree (with the loader workers).

Kill-and-resume: an ingest of the `--kill-size` corpus is killed with SIGKILL at `--kills`
random moments; after each kill `indexer check` must pass, and the rerun resumes (a kill
that finds every document committed starts the next round from an empty index, so each kill
lands mid-ingest); the last
run completes and its chunk ids must equal a clean ingest's. Reported per kill: when, the
generations committed before it, and how many passages the next run embedded again beyond
what the clean ingest embeds for the same remaining files (at most one batch is the goal).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from indexer.paths import SOURCE_ROOT

MODEL = "static-tiny"
EN = ["wash", "hands", "with", "soap", "before", "feeding", "the", "baby", "keep", "the", "cord", "stump", "clean", "and", "dry", "check", "blood", "sugar", "every", "morning", "drink", "clean", "water", "rest", "when", "tired", "call", "the", "health", "worker", "if", "fever", "lasts", "two", "days", "give", "oral", "rehydration", "solution", "after", "each", "loose", "stool", "measure", "blood", "pressure", "sitting", "quietly", "take", "the", "medicine", "with", "food"]
HI = ["बच्चे", "को", "दूध", "पिलाने", "से", "पहले", "साबुन", "से", "हाथ", "धोएं", "नाल", "को", "साफ", "और", "सूखा", "रखें", "हर", "सुबह", "शुगर", "की", "जांच", "करें", "साफ", "पानी", "पिएं", "थकान", "होने", "पर", "आराम", "करें", "बुखार", "दो", "दिन", "रहे", "तो", "स्वास्थ्य", "कार्यकर्ता", "को", "बुलाएं"]


def write_corpus(root: Path, n: int, seed: int = 7) -> Path:
    """`n` Markdown files under `root` (100 per folder), deterministic by `seed`."""
    rng = random.Random(seed)
    for i in range(n):
        words = HI if i % 3 == 0 else EN
        folder = root / f"part-{i // 100:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        sections = []
        for s in range(3):
            sentences = [" ".join(rng.choices(words, k=rng.randint(8, 16))) + "."
                         for _ in range(rng.randint(4, 9))]
            sections.append(f"## Part {s + 1}\n\n" + " ".join(sentences))
        (folder / f"doc-{i:06d}.md").write_text(f"# Leaflet {i}\n\n" + "\n\n".join(sections)
                                                + "\n", encoding="utf-8")
    return root


def _tree_rss_mb(pid: int) -> tuple[float, float]:
    """(RSS of `pid`, RSS of `pid` and all its descendants), MB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        ppid = int(fields.get("PPid", "0").strip() or 0)
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = int((fields.get("VmRSS") or "0 kB").split()[0]) / 1024
    total, stack = 0.0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0.0)
        stack.extend(children.get(p, []))
    return rss.get(pid, 0.0), total


def _env(cache: Path) -> dict[str, str]:
    return {**os.environ, "INDEXER_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(SOURCE_ROOT)}


def _ingest_cmd(corpus: Path, index: Path) -> list[str]:
    return [sys.executable, "-m", "indexer.cli", "ingest", str(corpus), "--index", str(index),
            "--model", MODEL, "--json", "--no-progress"]


def run_ingest(corpus: Path, index: Path, cache: Path,
               kill_after: float | None = None) -> dict[str, Any]:
    """One ingest in a fresh process, memory sampled; killed with SIGKILL after `kill_after` s."""
    started = time.perf_counter()
    proc = subprocess.Popen(_ingest_cmd(corpus, index), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(cache))
    peak = [0.0, 0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            own, tree = _tree_rss_mb(proc.pid)
            peak[0], peak[1] = max(peak[0], own), max(peak[1], tree)
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    killed = False
    try:
        if kill_after is not None:
            try:
                proc.wait(timeout=kill_after)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                killed = True
        out, err = proc.communicate()
    finally:
        done.set()
        sampler.join()
    result: dict[str, Any] = {"seconds": round(time.perf_counter() - started, 2),
                              "peak_rss_mb": round(peak[0], 1),
                              "peak_tree_rss_mb": round(peak[1], 1), "killed": killed,
                              "returncode": proc.returncode}
    if not killed:
        if proc.returncode != 0:
            raise RuntimeError(f"ingest failed ({proc.returncode}): {err[-2000:]}")
        report = json.loads(out)
        index_part = report.get("index", {})
        result["report"] = {"loaded": report.get("loaded"), "unchanged": report.get("unchanged"),
                            "failed": report.get("failed"),
                            **{k: _count(index_part.get(k)) for k in
                               ("added", "chunks_added", "embedded", "generations")}}
    return result


def _count(value: Any) -> int:
    return len(value) if isinstance(value, list) else int(value or 0)


def _store(index: Path) -> Path:
    from indexer.storage.manifest import generation_dir, read_manifest

    return generation_dir(index, read_manifest(index)) / "store.sqlite"


def chunk_ids(index: Path) -> list[str]:
    with sqlite3.connect(f"file:{_store(index)}?mode=ro", uri=True) as db:
        return sorted(r[0] for r in db.execute("SELECT id FROM chunks"))


def committed(index: Path) -> dict[str, int]:
    """Documents and chunks in the current generation (0 before the first commit)."""
    if not (index / "manifest.json").exists():
        return {"documents": 0, "chunks": 0}
    with sqlite3.connect(f"file:{_store(index)}?mode=ro", uri=True) as db:
        docs = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        chunks = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    return {"documents": int(docs), "chunks": int(chunks)}


def cached_vectors(cache: Path) -> int:
    db_path = cache / "embeddings.sqlite"
    if not db_path.exists():
        return 0
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])


def check(index: Path) -> bool:
    done = subprocess.run([sys.executable, "-m", "indexer.cli", "check", str(index)],
                          capture_output=True, text=True, env=_env(index.parent / "cache"))
    return done.returncode == 0


def scale(sizes: list[int], work: Path) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        corpus = write_corpus(work / f"corpus-{n}", n)
        index, cache = work / f"index-{n}", work / f"cache-{n}"
        r = run_ingest(corpus, index, cache)
        rep = r.pop("report")
        chunks = _count(rep.get("chunks_added"))
        again = run_ingest(corpus, index, cache)  # every file unchanged: should cost seconds
        rows.append({"documents": n, "chunks": chunks, **r,
                     "documents_per_s": round(n / r["seconds"], 1),
                     "chunks_per_s": round(chunks / r["seconds"], 1),
                     "generations": rep.get("generations"),
                     "noop_rerun_seconds": again["seconds"],
                     "noop_rerun_peak_rss_mb": again["peak_tree_rss_mb"],
                     "noop_rerun_unchanged": (again.get("report") or {}).get("unchanged")})
        print(json.dumps(rows[-1]), file=sys.stderr)
        shutil.rmtree(index, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(corpus, ignore_errors=True)
    return rows


def kill_and_resume(n: int, kills: int, work: Path, seed: int = 11) -> dict[str, Any]:
    corpus = write_corpus(work / f"kill-corpus-{n}", n)
    clean = run_ingest(corpus, work / "kill-clean", work / "kill-clean-cache")
    expected = chunk_ids(work / "kill-clean")
    total_s = clean["seconds"]
    rng = random.Random(seed)
    index, cache = work / "kill-index", work / "kill-cache"
    events = []
    for i in range(kills):
        if committed(index).get("documents") == n:  # a finished index: a kill there tests
            shutil.rmtree(index, ignore_errors=True)  # nothing, so start over from empty
            shutil.rmtree(cache, ignore_errors=True)
        r = run_ingest(corpus, index, cache, kill_after=rng.uniform(0.1, 0.9) * total_s)
        ok = (not (index / "manifest.json").exists()) or check(index)
        events.append({"kill": i + 1, "after_s": r["seconds"], "killed": r["killed"],
                       "check_passed": ok, "committed": committed(index),
                       "cached_vectors": cached_vectors(cache)})
        print(json.dumps(events[-1]), file=sys.stderr)
    before = committed(index)
    cached = cached_vectors(cache)
    final = run_ingest(corpus, index, cache)
    got = chunk_ids(index)
    # vectors the clean ingest computed = every distinct passage; the final run needs those
    # not yet cached: what it embedded beyond that was computed twice.
    needed = cached_vectors(work / "kill-clean-cache") - cached
    return {"documents": n, "clean_seconds": total_s, "kills": events,
            "final": final.get("report"), "committed_before_final": before,
            "final_needed_vectors": needed,
            "final_embedded_again": _count((final.get("report") or {}).get("embedded")) - needed,
            "all_checks_passed": all(e["check_passed"]
                                                                     for e in events),
            "final_equals_clean": got == expected, "chunks": len(expected)}


def measure(sizes: list[int], kills: int, kill_size: int) -> dict[str, Any]:
    """The whole report (JSON-able), in a scratch folder that is removed after."""
    with tempfile.TemporaryDirectory(prefix="ingest-scale-") as tmp:
        work = Path(tmp)
        out: dict[str, Any] = {"model": MODEL, "scale": scale(sizes, work) if sizes else []}
        by_size = {row["documents"]: row for row in out["scale"]}
        if 2000 in by_size and 20000 in by_size:  # issue 17's goal: <= 1.5
            out["rss_ratio_20k_vs_2k"] = round(by_size[20000]["peak_tree_rss_mb"]
                                               / by_size[2000]["peak_tree_rss_mb"], 3)
        if kills:
            out["kill_and_resume"] = kill_and_resume(kill_size, kills, work)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,2000,5000,20000")
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--kill-size", type=int, default=5000)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    out = measure([int(s) for s in args.sizes.split(",") if s], args.kills, args.kill_size)
    text = json.dumps(out, indent=2)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "ingest_scale.json").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
