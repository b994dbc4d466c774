"""The performance suite: every speed comparison the issues ask for, side by side, one run.

    python -m benchmarks.perf_suite --out perf-report [--quick]

- BM25: this index against rank_bm25 and raw bm25s (queries/s), update vs rebuild;
- Embedder against raw SentenceTransformer.encode (passages/s);
- PDF loading against raw PyMuPDF get_text() (pages/s);
- dense: HNSW and IVF-PQ+refine against exact search (recall@10, queries/s);
- hybrid query latency at 10k and 100k chunks (p50/p95/p99, query encoding included).

Writes `perf.json` (machines) and `perf.md` (people). `--quick` shrinks every size so the
suite fits in a few minutes (a smoke run; the full numbers come from the full run). Like the
tests, this entry point sits on top of the project and imports it.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any


def _bm25(quick: bool) -> dict:
    from indexer.bm25.bench import bench

    return bench(10_000 if quick else 100_000, 100 if quick else 300, 2 if quick else 5, 0)


def _embed(quick: bool) -> dict:
    from benchmarks.perf_embed import run

    return run(200 if quick else 2000)


def _pdf(quick: bool) -> dict:
    from loaders.measure import throughput

    pdf = Path(__file__).resolve().parents[2] / "shared" / "pdfs" / \
        "WHO_recommendations_diabetes_in_pregnancy.pdf"
    if not pdf.exists():
        return {"skipped": f"{pdf} is absent"}
    return throughput(pdf, repeat=1 if quick else 3)


def _dense(quick: bool) -> dict:
    from benchmarks.perf_dense import run

    return run(n=20_000 if quick else 100_000, queries=200 if quick else 1000)


def _hybrid(quick: bool) -> dict:
    from benchmarks.perf_hybrid import run

    return run((2_000, 10_000) if quick else (10_000, 100_000), 50 if quick else 200)


SUITE: dict[str, Callable[[bool], dict]] = {
    "bm25": _bm25, "embedder": _embed, "pdf": _pdf, "dense": _dense, "hybrid": _hybrid,
}


def run(parts: list[str], quick: bool) -> dict[str, Any]:
    report: dict[str, Any] = {"schema": "indexer-perf/1", "quick": quick,
                              "host": {"machine": platform.machine(),
                                       "python": platform.python_version()},
                              "started": time.strftime("%FT%TZ", time.gmtime()), "parts": {}}
    for name in parts:
        started = time.perf_counter()
        try:
            with redirect_stdout(io.StringIO()):
                result = SUITE[name](quick)
            report["parts"][name] = {"status": "ok", "result": result}
        except Exception as exc:  # noqa: BLE001 - one failed part must not hide the others
            report["parts"][name] = {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
        report["parts"][name]["seconds"] = round(time.perf_counter() - started, 1)
    return report


def render(report: dict[str, Any]) -> str:
    lines = ["# Performance suite", "", f"quick: {report['quick']} — started "
             f"{report['started']} on {report['host']['machine']}", ""]
    for name, part in report["parts"].items():
        lines += [f"## {name} ({part['seconds']} s)", ""]
        if part["status"] != "ok":
            lines += [f"error: {part['error']}", ""]
            continue
        lines += ["```json", json.dumps(part["result"], indent=2)[:6000], "```", ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("perf-report"))
    ap.add_argument("--parts", default=",".join(SUITE))
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    parts = [p for p in args.parts.split(",") if p]
    unknown = set(parts) - set(SUITE)
    if unknown:
        ap.error(f"unknown parts {sorted(unknown)}; choose from {list(SUITE)}")
    report = run(parts, args.quick)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "perf.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "perf.md").write_text(render(report))
    print(render(report))


if __name__ == "__main__":
    main()
