"""Fuzz campaign: mutated files through the ingest worker path, mutated indexes through
`Index.open` and `check_index`, all in isolated workers; prints a JSON summary.

    python -m tests.fuzz.run_fuzz --n 10000 --out /tmp/fuzz

Every input runs through `indexer.ingestion.isolation.WorkerPool` exactly as ingest loads a file
(same target, same preflight limits, same timeout and memory cap), so a hang or a segfault
in a parser is counted, not fatal. Outcomes per format:

- ok: loaded (or, for indexes, opened and searched)
- clear_error / skipped: refused with a reason (LoadError, UnsupportedFormat, a limit,
  IndexOpenError)
- bug: an exception other than those (the loader's or reader's own failure)
- crashed: the worker died (a signal, e.g. SIGSEGV in C code)
- hang: the per-input timeout killed it
- oom: the memory limit stopped it

Inputs that are bugs, crashes, hangs or OOMs are saved under --out with a JSON note
(reason and traceback), ready to become regression tests. OCR is off unless --ocr: a damaged
font makes most mutated PDFs "garbled", and OCR at 1-5 s a page would turn the campaign
into a benchmark of Tesseract on valid page images.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indexer.ingestion.isolation import LOAD_TARGET, Outcome, WorkerPool  # noqa: E402
from indexer.ingestion.limits import IngestLimits  # noqa: E402
from tests.fuzz import seeds  # noqa: E402
from tests.fuzz.mutate import mutate  # noqa: E402
from tests.fuzz.mutate_index import mutate_index  # noqa: E402

INDEX_TARGET = "tests.fuzz.targets:open_index"
# Share of the inputs per format (the rest of 1.0 goes to index directories).
WEIGHTS = {"pdf": 0.24, "docx": 0.12, "pptx": 0.08, "html": 0.09, "md": 0.09, "txt": 0.05,
           "yaml": 0.07, "json": 0.05, "csv": 0.06, "index": 0.15}
BAD = ("bug", "crashed", "timeout", "oom")


def classify(outcome: Outcome) -> str:
    status = outcome.status
    if status == "error":
        return "clear_error" if outcome.reason else "bug"
    if status == "timeout":
        return "hang"
    return status


def plan(n: int, formats: list[str]) -> dict[str, int]:
    weights = {f: WEIGHTS[f] for f in formats}
    total = sum(weights.values())
    counts = {f: int(n * w / total) for f, w in weights.items()}
    for f in list(counts)[: n - sum(counts.values())]:
        counts[f] += 1
    return counts


def _save(out: Path | None, fmt: str, i: int, data: bytes | Path, outcome: Outcome,
          note: str = "") -> str | None:
    if out is None:
        return None
    out.mkdir(parents=True, exist_ok=True)
    name = f"{fmt}-{i:05d}"
    if isinstance(data, Path):
        shutil.copytree(data, out / name, symlinks=True)
    else:
        (out / f"{name}.{fmt}").write_bytes(data)
    (out / f"{name}.json").write_text(json.dumps(
        {"format": fmt, "status": outcome.status, "reason": outcome.reason,
         "detail": outcome.detail, "mutation": note}, indent=2, ensure_ascii=False))
    return name


def fuzz_files(fmt: str, count: int, rng: random.Random, seed_files: list[bytes],
               limits: IngestLimits, out: Path | None, batch: int = 50,
               env: dict[str, str] | None = None) -> dict[str, Any]:
    stats: Counter[str] = Counter()
    saved: list[str] = []
    reasons: Counter[str] = Counter()
    with WorkerPool(limits, LOAD_TARGET, env=env) as pool, \
            tempfile.TemporaryDirectory(prefix=f"fuzz-{fmt}-") as tmp:
        done = 0
        while done < count:
            n = min(batch, count - done)
            inputs = [mutate(rng, fmt, rng.choice(seed_files)) for _ in range(n)]
            jobs = []
            for k, data in enumerate(inputs):
                path = Path(tmp, f"in{k}.{fmt}")
                path.write_bytes(data)
                jobs.append({"path": str(path), "root": tmp})
            for k, outcome in enumerate(pool.map(jobs)):
                kind = classify(outcome)
                stats[kind] += 1
                if kind in ("clear_error", "skipped"):
                    reasons[_reason_class(outcome.reason or "")] += 1
                if kind in ("bug", "crashed", "hang", "oom"):
                    name = _save(out, fmt, done + k, inputs[k], outcome)
                    if name:
                        saved.append(name)
            done += n
        stats["worker_restarts"] = pool.restarts
    return {"inputs": count, **stats, "saved": saved, "top_reasons": dict(reasons.most_common(8))}


def _reason_class(reason: str) -> str:
    """The reason without its variable parts, to show which refusals are common."""
    head = reason.split("(")[0].split(":")[0]
    return "".join(ch for ch in head if not ch.isdigit()).strip()[:60] or "(empty)"


def fuzz_indexes(count: int, rng: random.Random, limits: IngestLimits, out: Path | None,
                 batch: int = 25) -> dict[str, Any]:
    stats: Counter[str] = Counter()
    saved: list[str] = []
    with tempfile.TemporaryDirectory(prefix="fuzz-index-") as tmp, \
            WorkerPool(limits, INDEX_TARGET) as pool:
        seed_dir = seeds.build_index(Path(tmp, "seed"))
        done = 0
        while done < count:
            n = min(batch, count - done)
            notes, jobs, dirs = [], [], []
            for k in range(n):
                case = Path(tmp, f"case{k}")
                shutil.rmtree(case, ignore_errors=True)
                case.mkdir()
                notes.append(mutate_index(rng, seed_dir, case / "index"))
                dirs.append(case / "index")
                jobs.append({"path": str(case / "index")})
            for k, outcome in enumerate(pool.map(jobs)):
                kind = classify(outcome)
                stats[kind] += 1
                value = outcome.value if isinstance(outcome.value, dict) else {}
                if kind == "ok" and value.get("check_ok") is False:
                    stats["opened_but_check_failed"] += 1
                if kind == "clear_error" and value.get("check_ok") is True:
                    stats["refused_but_check_passed"] += 1
                    outcome = Outcome("check_missed", reason=outcome.reason)
                    kind = "check_missed"
                if kind in ("bug", "crashed", "hang", "oom", "check_missed"):
                    name = _save(out, "index", done + k, dirs[k], outcome, notes[k])
                    if name:
                        saved.append(name)
            done += n
        stats["worker_restarts"] = pool.restarts
    return {"inputs": count, **stats, "saved": saved}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10000, help="inputs in all")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--formats", default=",".join(WEIGHTS),
                        help="comma list of " + " ".join(WEIGHTS))
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per input")
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--ocr", action="store_true",
                        help="let the PDF loader OCR garbled pages (1-5 s a page: a damaged "
                             "font makes most mutated PDFs garbled, so off by default)")
    parser.add_argument("--out", type=Path, default=None,
                        help="save bad inputs (bugs, crashes, hangs, OOMs) here")
    args = parser.parse_args(argv)
    worker_env = {} if args.ocr else {"LOADERS_MAX_OCR_PAGES": "0"}
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    limits = IngestLimits(timeout_s=args.timeout, memory_mb=args.memory_mb,
                          workers=args.workers)
    formats = [f for f in args.formats.split(",") if f]
    unknown = set(formats) - set(WEIGHTS)
    if unknown:
        parser.error(f"unknown formats: {sorted(unknown)}")
    counts = plan(args.n, formats)
    rng = random.Random(args.seed)
    file_seeds = seeds.file_seeds()
    started = time.monotonic()
    per_format: dict[str, Any] = {}
    for fmt, count in counts.items():
        t = time.monotonic()
        if fmt == "index":
            per_format[fmt] = fuzz_indexes(count, rng, limits, args.out)
        else:
            per_format[fmt] = fuzz_files(fmt, count, rng, file_seeds[fmt], limits, args.out,
                                         env=worker_env)
        per_format[fmt]["seconds"] = round(time.monotonic() - t, 1)
        print(json.dumps({fmt: per_format[fmt]}), file=sys.stderr, flush=True)
    totals: Counter[str] = Counter()
    for stats in per_format.values():
        for key in ("inputs", "ok", "clear_error", "skipped", "bug", "crashed", "hang", "oom",
                    "check_missed", "opened_but_check_failed"):
            totals[key] += stats.get(key, 0)
    summary = {"inputs": args.n, "seed": args.seed, "limits": limits.to_dict(), "ocr": args.ocr,
               "totals": dict(totals), "per_format": per_format,
               "seconds": round(time.monotonic() - started, 1)}
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 1 if any(totals[k] for k in ("bug", "crashed", "hang", "oom")) else 0


if __name__ == "__main__":
    sys.exit(main())
