"""Load test of `indexer serve` on loopback (a benchmark, not a test).

    python -m indexer.server.loadtest [--clients 1,8,32] [--requests 400] [--workers 1]
                                      [--max-concurrent 8] [--soak 4000] [--json]

Builds an index of corpora/sample in a scratch folder (with `indexer ingest`), starts the
real server as a subprocess on 127.0.0.1, and for each client count sends a bounded number
of requests (golden and adversarial queries, mixed modes: hybrid mostly, dense and bm25),
reporting queries/s, p50/p95/p99 of the accepted ones, failures and shed (429/503) answers,
and each server worker's peak RSS. During the 8-client run a separate `indexer ingest`
process commits a new generation (one edited file): in this process it would hold the GIL
and stall the clients, measuring the load generator instead of the server. The report counts
the generations the answers came from. With `--soak N`, N more requests follow in 10
rounds of 4 clients, and each worker's resident memory (VmRSS, not the peak) is read after
every round: a long-running server's memory must stay flat, and the report gives its growth
from the first round to the last. It stops by itself.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from indexer.paths import SOURCE_ROOT

ROOT = SOURCE_ROOT
MODES = ("hybrid",) * 6 + ("dense", "bm25")


def query_texts() -> list[str]:
    out = []
    for name in ("golden", "adversarial"):
        with (ROOT / "corpora" / name / "queries.jsonl").open(encoding="utf-8") as fh:
            out += [json.loads(line)["text"] for line in fh if line.strip()]
    return out


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ingest_process(corpus: Path, index: Path) -> subprocess.Popen:
    """`indexer ingest CORPUS INDEX` as its own process (another writer, as in production)."""
    return subprocess.Popen([sys.executable, "-m", "indexer.cli", "ingest", str(corpus),
                             "--index", str(index), "--no-progress", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ})


def commit_edit(corpus: Path, index: Path) -> subprocess.Popen:
    """Edit one sample file and start the ingest that commits it as a new generation."""
    edited = corpus / "en" / "hand-washing.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\nWash again after "
                      "changing a nappy.\n", encoding="utf-8")
    return ingest_process(corpus, index)


def swapped(writers: Sequence[subprocess.Popen], answered: set[str]) -> bool:
    """The writer has exited and (if it succeeded) its generation has answered requests."""
    if not writers or writers[-1].poll() is None:
        return False
    return writers[-1].returncode != 0 or len(answered) > 1


def _workers(pid: int) -> list[int]:
    """The server process, or its uvicorn worker children when it has any."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return [int(c) for c in children] or [pid]


def _status_mb(pid: int, field: str) -> float | None:
    """A memory line of /proc/PID/status (VmHWM: peak, VmRSS: now) in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _peak_rss_mb(pid: int) -> float | None:
    return _status_mb(pid, "VmHWM")


SOAK_ROUNDS = 10
SOAK_CLIENTS = 4


def soak(url: str, requests: int, queries: Sequence[str], pids: Sequence[int]
         ) -> dict[str, Any]:
    """`requests` searches in `SOAK_ROUNDS` rounds; every worker's resident memory after
    each round, and its growth from the first round to the last (the first round pays
    what a warm server still allocates once, so growth is judged after it)."""
    per_round = max(1, requests // SOAK_ROUNDS)
    rss: dict[str, list[float | None]] = {str(p): [] for p in pids}
    failed = ok = 0
    for _ in range(SOAK_ROUNDS):
        r = run_clients(url, SOAK_CLIENTS, per_round, queries)
        ok, failed = ok + r["ok"], failed + r["failed"]
        for p in pids:
            rss[str(p)].append(_status_mb(p, "VmRSS"))
    known = {p: v for p, v in rss.items() if v and v[0] and v[-1] is not None}
    growth = {p: round(v[-1] - v[0], 1) for p, v in known.items()}
    ratio = {p: round(v[-1] / v[0], 3) for p, v in known.items()}
    return {"requests": per_round * SOAK_ROUNDS, "ok": ok, "failed": failed,
            "clients": SOAK_CLIENTS, "rss_mb_after_each_round": rss,
            "rss_growth_mb_first_to_last_round": growth,
            "rss_ratio_last_to_first_round": ratio}


def run_clients(url: str, clients: int, requests: int, queries: Sequence[str],
                during: Any = None, until: Any = None, cap: int = 50_000) -> dict[str, Any]:
    """`clients` threads send `requests` searches in all; with `until`, they keep going
    past that (at most `cap`) until `until(generations answered so far)` is true (e.g. the
    writer has committed and its generation was served)."""
    import httpx

    lock = threading.Lock()
    latencies: list[float] = []
    by_mode: dict[str, list[float]] = {}
    codes: dict[int, int] = {}
    generations: set[str] = set()
    counter = itertools.count()

    def more(i: int) -> bool:
        if i >= cap or (i >= requests and until is None):
            return False
        with lock:
            return i < requests or not until(set(generations))

    def worker() -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            for i in counter:
                if not more(i):
                    break
                body = {"query": queries[i % len(queries)], "k": 10,
                        "mode": MODES[i % len(MODES)]}
                started = time.perf_counter()
                try:
                    r = http.post("/v1/search", json=body)
                    code = r.status_code
                except httpx.HTTPError:
                    code = 0
                seconds = time.perf_counter() - started
                with lock:
                    codes[code] = codes.get(code, 0) + 1
                    if code == 200:
                        latencies.append(seconds)
                        by_mode.setdefault(body["mode"], []).append(seconds)
                        generations.add(r.json()["index"]["generation"])

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    if during is not None:
        during()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ms = np.asarray(latencies) * 1000 if latencies else np.zeros(1)
    shed = codes.get(429, 0) + codes.get(503, 0)
    return {"clients": clients, "requests": sum(codes.values()), "seconds": round(wall, 2),
            "ok": codes.get(200, 0), "shed": shed,
            "failed": sum(n for c, n in codes.items() if c not in (200, 429, 503)),
            "ok_per_s": round(codes.get(200, 0) / wall, 1),
            "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p95_ms": round(float(np.percentile(ms, 95)), 1),
            "p99_ms": round(float(np.percentile(ms, 99)), 1),
            "generations_answered": sorted(generations),
            "by_mode": {m: {"ok": len(v), "ok_per_s": round(len(v) / wall, 1),
                            "p50_ms": round(float(np.percentile(v, 50)) * 1000, 1),
                            "p99_ms": round(float(np.percentile(v, 99)) * 1000, 1)}
                        for m, v in sorted(by_mode.items())}}


def _writer_report(writer: subprocess.Popen) -> dict[str, Any]:
    out, err = writer.communicate(timeout=600)
    report: dict[str, Any] = {"pid": writer.pid, "rc": writer.returncode,
                              "same_process": writer.pid == os.getpid()}
    try:
        report["generations_committed"] = json.loads(out)["index"]["generations"]
    except (ValueError, KeyError, TypeError):
        report["stderr"] = err[-500:]
    return report


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, env={**os.environ})
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")


SOAK_GOAL_RATIO = 1.05  # resident memory after the last soak round / after the first


def run(clients: Sequence[int] = (1, 8, 32), requests: int = 400, max_concurrent: int = 8,
        workers: int = 1, soak_requests: int = 0) -> dict[str, Any]:
    """The whole load test (see the module's docstring) as a JSON-able report."""
    import httpx

    work = Path(tempfile.mkdtemp(prefix="indexer-load-"))
    corpus, index = work / "corpus", work / "index"
    shutil.copytree(ROOT / "corpora" / "sample", corpus)
    _run([sys.executable, "-m", "indexer.cli", "ingest", str(corpus), "--index", str(index),
          "--no-progress"])
    port = _port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "indexer.cli", "serve", str(index),
                               "--port", str(port), "--max-concurrent",
                               str(max_concurrent), "--workers", str(workers)],
                              stderr=subprocess.DEVNULL, env={**os.environ})
    writers: list[subprocess.Popen] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        queries = query_texts()
        run_clients(url, 2, 40, queries)  # warm up (caches, thread pool)

        def commit_during() -> None:
            time.sleep(1.0)
            writers.append(commit_edit(corpus, index))

        def committed(answered: set[str]) -> bool:  # the writer is done, its generation seen
            return swapped(writers, answered)

        runs = []
        for c in clients:
            swap = c == 8
            runs.append(run_clients(url, c, requests, queries,
                                    commit_during if swap else None,
                                    committed if swap else None))
            if swap and writers:
                runs[-1]["ingest"] = _writer_report(writers[-1])
        report = {"worker_peak_rss_mb": {str(p): _peak_rss_mb(p)
                                         for p in _workers(server.pid)},
                  "runs": runs, "workers": workers,
                  "max_concurrent": max_concurrent, "cpus": os.cpu_count(),
                  "load_average": os.getloadavg()}
        if soak_requests:
            report["soak"] = soak(url, soak_requests, queries, _workers(server.pid))
            report["soak"]["goal_ratio"] = SOAK_GOAL_RATIO
    finally:
        for w in writers:
            if w.poll() is None:
                w.kill()
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    return report


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", default="1,8,32")
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--max-concurrent", type=int, default=8)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--soak", type=int, default=0, metavar="N",
                    help="then N more requests, reading each worker's memory every N/10")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    report = run([int(x) for x in args.clients.split(",") if x], args.requests,
                 args.max_concurrent, args.workers, args.soak)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"peak RSS per worker (MB): {report['worker_peak_rss_mb']}; "
          f"{report['cpus']} CPUs, load average {report['load_average']}")
    for r in report["runs"]:
        print(f"{r['clients']:>3} clients: {r['ok_per_s']} ok/s, p50 {r['p50_ms']} / p95 "
              f"{r['p95_ms']} / p99 {r['p99_ms']} ms, {r['failed']} failed, {r['shed']} "
              f"shed, generations {r['generations_answered']}"
              + (f", ingest {r['ingest']}" if "ingest" in r else ""))
        for mode, m in r["by_mode"].items():
            print(f"      {mode}: {m['ok_per_s']} ok/s, p50 {m['p50_ms']} / p99 {m['p99_ms']} ms")
    if "soak" in report:
        s = report["soak"]
        print(f"soak: {s['ok']} of {s['requests']} ok, {s['failed']} failed; RSS (MB) after "
              f"each round {s['rss_mb_after_each_round']}; growth first to last round "
              f"{s['rss_growth_mb_first_to_last_round']}")


if __name__ == "__main__":
    main()
