"""The performance suite: every speed comparison the issues ask for, side by side, one run.

    python -m indexer.harness.perf.suite --out perf-report [--quick]

- BM25: this index against rank_bm25 and raw bm25s (queries/s), update vs rebuild;
- Embedder against raw SentenceTransformer.encode (passages/s);
- PDF loading against raw PyMuPDF get_text() (pages/s);
- dense: HNSW and IVF-PQ+refine against exact search (recall@10, queries/s);
- hybrid query latency at 10k and 100k chunks (p50/p95/p99, query encoding included);
- peak RSS over 200 reranked searches against the first 20 (ce-multilingual, when trained);
- the HTTP server's resident memory over 20,000 searches (`server-soak`): it must stay flat.
- `hybrid-1m`, only when named: a million chunks built (goal ≤ 20 min) and searched.

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

from indexer.paths import shared_pdfs


def _bm25(quick: bool) -> dict:
    from indexer.harness.bm25_speed import bench

    return bench(10_000 if quick else 100_000, 100 if quick else 300, 2 if quick else 5, 0)


def _embed(quick: bool) -> dict:
    from indexer.harness.perf.embed import run

    return run(200 if quick else 2000)


def _pdf(quick: bool) -> dict:
    from indexer.harness.measure.loaders import throughput

    pdf = shared_pdfs() / \
        "WHO_recommendations_diabetes_in_pregnancy.pdf"
    if not pdf.exists():
        return {"skipped": f"{pdf} is absent"}
    return throughput(pdf, repeat=1 if quick else 9)


def _dense(quick: bool) -> dict:
    from indexer.harness.perf.dense import run

    return run(n=20_000 if quick else 100_000, queries=200 if quick else 1000)


def _hybrid(quick: bool) -> dict:
    from indexer.harness.perf.hybrid import run

    return run((2_000, 10_000) if quick else (10_000, 100_000), 50 if quick else 200)


def _hybrid_1m(quick: bool) -> dict:
    """A million chunks built and searched (about half an hour here: not in the default run)."""
    from indexer.harness.perf.hybrid import run

    return run((100_000,) if quick else (1_000_000,), 50 if quick else 200)


def _rerank_memory(quick: bool) -> dict:
    """In a fresh process: peak RSS is per process, and the other parts would inflate it."""
    import subprocess
    import sys

    from indexer.reranking.glue import trained_model_dir

    if not (trained_model_dir() / "config.json").is_file():
        return {"skipped": "ce-multilingual is not trained (indexer rerankers train)"}
    out = subprocess.run([sys.executable, "-m", "indexer.harness.rerank_memory",
                          "--searches", "40" if quick else "200"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _server_soak(quick: bool) -> dict:
    """The HTTP server under a long run (`indexer.server.loadtest --soak`), in a fresh
    process: a server worker's resident memory after each tenth of the requests."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "indexer.server.loadtest", "--clients", "4",
                          "--requests", "100", "--soak", "2000" if quick else "20000",
                          "--json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["soak"]


def _ingest_scale(quick: bool) -> dict:
    from indexer.harness.perf.ingest_scale import measure

    if quick:
        return measure([200, 1000], kills=2, kill_size=500)
    return measure([1000, 2000, 5000, 20000], kills=10, kill_size=5000)


SUITE: dict[str, Callable[[bool], dict]] = {
    "bm25": _bm25, "embedder": _embed, "pdf": _pdf, "dense": _dense, "hybrid": _hybrid,
    "rerank-memory": _rerank_memory, "server-soak": _server_soak,
    "ingest-scale": _ingest_scale, "hybrid-1m": _hybrid_1m,
}
DEFAULT_PARTS = [name for name in SUITE if name != "hybrid-1m"]


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


Row = tuple[str, str, str, str, str]  # comparison, ours, reference, result, goal


def _ok(met: bool) -> str:
    return "met" if met else "NOT met"


def _bm25_rows(r: dict[str, Any]) -> list[Row]:
    q, sp, up = r["qps"], r["speedup"], r["update"]
    return [("BM25 vs rank_bm25 (queries/s)", f"{q['ours']}", f"{q['rank_bm25']}",
             f"{sp['vs_rank_bm25']}×", f"≥ 100× — {_ok(sp['vs_rank_bm25'] >= 100)}"),
            ("BM25 vs raw bm25s, one query per call", f"{q['ours']}", f"{q['bm25s_per_query']}",
             f"{sp['vs_bm25s_per_query']}×",
             f"≥ 0.8× — {_ok(sp['vs_bm25s_per_query'] >= 0.8)}"),
            ("BM25 vs raw bm25s, batched", f"{q['ours']}", f"{q['bm25s_batch']}",
             f"{sp['vs_bm25s_batch']}×", "(context)"),
            (f"BM25 update of {up['docs']} docs vs full rebuild (s)",
             f"{up['upsert_s'] + up['first_search_after_s']:.2f}", f"{up['full_rebuild_s']}",
             f"{up['upsert_plus_refresh_vs_rebuild']:.1%} of a rebuild", "(measure)")]


def _embed_rows(r: dict[str, Any]) -> list[Row]:
    return [(f"Embedder vs raw encode, {r['passages']} passages (passages/s, {r['device']})",
             f"{r['embedder_passages_per_s']}", f"{r['raw_passages_per_s']}",
             f"{r['ratio']}×", f"≥ {r['goal_ratio']}× — {_ok(r['ratio'] >= r['goal_ratio'])}")]


def _pdf_rows(r: dict[str, Any]) -> list[Row]:
    if "skipped" in r:
        return [("PDF loader vs raw get_text()", "—", "—", "skipped", r["skipped"])]
    # Judged on the median of the back-to-back pairs: the machine's drift cancels within a
    # pair, while the two best-of times may come from different moments.
    median = r.get("ratio_median_of_pairs")
    judged = r["ratio"] if median is None else median
    result = (f"{r['ratio']}×" if median is None
              else f"{median}× median of pairs (best of each: {r['ratio']}×)")
    return [(f"PDF loader vs raw get_text(), {r['file']}, {r.get('repeat', 3)} alternating "
             "runs (pages/s, best)", f"{r['loader_pages_per_s']}", f"{r['raw_pages_per_s']}",
             result, f"≥ 0.5× — {_ok(judged >= 0.5)}")]


def _rerank_memory_rows(r: dict[str, Any]) -> list[Row]:
    if "skipped" in r:
        return [("Peak RSS over reranked searches", "—", "—", "skipped", r["skipped"])]
    n = r["searches"]
    return [(f"Peak RSS after {n} vs 20 reranked searches ({r['reranker']}, MB)",
             f"{r[f'peak_rss_mb_after_{n}']}", f"{r['peak_rss_mb_after_20']}",
             f"{r['ratio']}×", f"≤ {r['goal_ratio']}× — {_ok(r['ratio'] <= r['goal_ratio'])}")]


def _server_soak_rows(r: dict[str, Any]) -> list[Row]:
    rows = []
    for pid, series in r["rss_mb_after_each_round"].items():
        ratio = r["rss_ratio_last_to_first_round"].get(pid)
        rows.append((f"Server worker RSS after {r['requests']:,} vs {r['requests'] // 10:,} "
                     f"searches ({r['clients']} clients, MB)", f"{series[-1]}", f"{series[0]}",
                     f"{ratio}×; {r['failed']} failed",
                     f"≤ {r['goal_ratio']}× — {_ok(ratio is not None and ratio <= r['goal_ratio'])}"))
    return rows


def _dense_rows(r: dict[str, Any]) -> list[Row]:
    rows = []
    k = r["k"]
    exact = r["results"].get("flat", {}).get("qps", "—")
    for kind, res in r["results"].items():
        if kind == "flat":
            continue
        recall = min(res[f"recall@{k}"], res[f"filtered_recall@{k}"])
        rows.append((f"{kind} vs exact, {r['data']['n']:,} vectors (recall@{k}; queries/s)",
                     f"{res[f'recall@{k}']} / filtered {res[f'filtered_recall@{k}']}; "
                     f"{res['qps']} q/s", f"exact: {exact} q/s", f"build {res['build_s']} s",
                     f"recall ≥ {r['goal_recall']} — {_ok(recall >= r['goal_recall'])}"))
    return rows


def _hybrid_rows(r: dict[str, Any]) -> list[Row]:
    rows = []
    sizes = sorted(r["sizes"], key=int)
    for size in sizes:
        res = r["sizes"][size]
        t, goal = res["total"], res["goal"]
        met = t["p50_ms"] <= goal["p50_ms"] and t["p95_ms"] <= goal["p95_ms"]
        rows.append((f"hybrid search at {int(size):,} chunks ({res['dense']}), query "
                     "encoding included (ms)", f"p50 {t['p50_ms']:.1f} / p95 {t['p95_ms']:.1f} "
                     f"/ p99 {t['p99_ms']:.1f}", "—", "stages p50: " + ", ".join(
                         f"{k} {v}" for k, v in res["stages_p50_ms"].items()),
                     f"p50 ≤ {goal['p50_ms']}, p95 ≤ {goal['p95_ms']}"
                     + (f" — {_ok(met)}" if size == sizes[-1] else "")))
        if "build_seconds" in goal:
            built = res["build_seconds"]
            rows.append((f"build {int(size):,} chunks (Index.add, vectors cached; s)",
                         f"{built:,.0f} s", "—", f"peak RSS {res['peak_rss_mb_after_build']:,} MB"
                         f" after build, {res['peak_rss_mb_after_search']:,} MB after search; "
                         f"{res['index_disk_mb']:,} MB on disk",
                         f"≤ {goal['build_seconds']:,} s — {_ok(built <= goal['build_seconds'])}"))
    return rows


def _ingest_scale_rows(r: dict[str, Any]) -> list[Row]:
    rows: list[Row] = [
        (f"ingest {s['documents']:,} documents ({r['model']}; docs/s, chunks/s)",
         f"{s['documents_per_s']} / {s['chunks_per_s']}",
         "—", f"peak RSS {s['peak_rss_mb']} MB (tree {s['peak_tree_rss_mb']} MB)"
         + (f"; rerun over unchanged files {s['noop_rerun_seconds']} s"
            if "noop_rerun_seconds" in s else ""), "—")
        for s in r["scale"]]
    if "rss_ratio_20k_vs_2k" in r:
        ratio = r["rss_ratio_20k_vs_2k"]
        rows.append(("peak RSS, 20k vs 2k documents", f"{ratio}×", "—", "—",
                     f"≤ 1.5× — {_ok(ratio <= 1.5)}"))
    kill = r.get("kill_and_resume")
    if kill:
        ok = kill["all_checks_passed"] and kill["final_equals_clean"]
        rows.append((f"kill -9 ×{len(kill['kills'])} during a {kill['documents']:,}-document "
                     "ingest, then resume", f"re-embedded {kill['final_embedded_again']}",
                     "a clean ingest", f"check passed every time: {kill['all_checks_passed']}; "
                     f"ends equal: {kill['final_equals_clean']}", f"all — {_ok(ok)}"))
    return rows


HEADLINES: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
    "bm25": _bm25_rows, "embedder": _embed_rows, "pdf": _pdf_rows, "dense": _dense_rows,
    "hybrid": _hybrid_rows, "hybrid-1m": _hybrid_rows, "rerank-memory": _rerank_memory_rows,
    "server-soak": _server_soak_rows, "ingest-scale": _ingest_scale_rows,
}


def headline(report: dict[str, Any]) -> list[str]:
    """One table of every comparison against its goal, for people."""
    lines = ["| comparison | ours | reference | result | goal |", "|---|---|---|---|---|"]
    for name, part in report["parts"].items():
        if part["status"] != "ok":
            lines.append(f"| {name} | — | — | error | {part['error']} |")
            continue
        try:
            rows = HEADLINES[name](part["result"])
        except (KeyError, TypeError) as exc:  # a part's shape changed: show the JSON below
            rows = [(name, "—", "—", f"no summary ({exc!r})", "see below")]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render(report: dict[str, Any]) -> str:
    lines = ["# Performance suite", "", f"quick: {report['quick']} — started "
             f"{report['started']} on {report['host']['machine']}", ""]
    lines += headline(report) + ["", "Details per part:", ""]
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
    ap.add_argument("--parts", default=",".join(DEFAULT_PARTS),
                    help="comma-separated; hybrid-1m (a million chunks, ~30 min) only when named")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--update", action="store_true",
                    help="keep the other parts of an existing OUT/perf.json (rerun some parts)")
    args = ap.parse_args()
    parts = [p for p in args.parts.split(",") if p]
    unknown = set(parts) - set(SUITE)
    if unknown:
        ap.error(f"unknown parts {sorted(unknown)}; choose from {list(SUITE)}")
    report = run(parts, args.quick)
    old = args.out / "perf.json"
    if args.update and old.exists():
        previous = json.loads(old.read_text())
        if previous.get("quick") != args.quick:
            ap.error(f"{old} was a {'quick' if previous.get('quick') else 'full'} run")
        merged = {name: previous["parts"][name] for name in SUITE
                  if name in previous["parts"] and name not in report["parts"]}
        for part in merged.values():
            part.setdefault("started", previous["started"])
        report["parts"] = {name: report["parts"].get(name) or merged[name] for name in SUITE
                           if name in report["parts"] or name in merged}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "perf.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "perf.md").write_text(render(report))
    print(render(report))


if __name__ == "__main__":
    main()
