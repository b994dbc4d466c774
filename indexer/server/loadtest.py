"""Load test of `indexer serve` on loopback (a benchmark, not a test).

    python -m indexer.server.loadtest [--clients 1,8,32] [--requests 400] [--json]

Builds (or reuses) an index of corpora/sample in a scratch folder, starts the real server
as a subprocess on 127.0.0.1, and for each client count sends a bounded number of requests
(golden and adversarial queries, mixed modes: hybrid mostly, dense and bm25), reporting
queries/s, p50/p95/p99 of the accepted ones, failures and shed (429/503) answers, and the
server's peak RSS. During the 8-client run an ingest commits a new generation (one edited
file), and the report counts the generations the answers came from. It stops by itself.
"""

from __future__ import annotations

import argparse
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


def _queries() -> list[str]:
    out = []
    for name in ("golden", "adversarial"):
        with (ROOT / "corpora" / name / "queries.jsonl").open(encoding="utf-8") as fh:
            out += [json.loads(line)["text"] for line in fh if line.strip()]
    return out


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def run_clients(url: str, clients: int, requests: int, queries: Sequence[str],
                during: Any = None) -> dict[str, Any]:
    import httpx

    lock = threading.Lock()
    latencies: list[float] = []
    codes: dict[int, int] = {}
    generations: set[str] = set()
    counter = iter(range(requests))

    def worker() -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            for i in counter:
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
    return {"clients": clients, "requests": requests, "seconds": round(wall, 2),
            "ok": codes.get(200, 0), "shed": shed,
            "failed": sum(n for c, n in codes.items() if c not in (200, 429, 503)),
            "ok_per_s": round(codes.get(200, 0) / wall, 1),
            "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p95_ms": round(float(np.percentile(ms, 95)), 1),
            "p99_ms": round(float(np.percentile(ms, 99)), 1),
            "generations_answered": sorted(generations)}


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", default="1,8,32")
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--max-concurrent", type=int, default=8)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    import httpx

    from indexer import ingest

    work = Path(tempfile.mkdtemp(prefix="indexer-load-"))
    corpus, index = work / "corpus", work / "index"
    shutil.copytree(ROOT / "corpora" / "sample", corpus)
    ingest([corpus], index)
    port = _port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "indexer.cli", "serve", str(index),
                               "--port", str(port), "--max-concurrent",
                               str(args.max_concurrent)],
                              stderr=subprocess.DEVNULL, env={**os.environ})
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        queries = _queries()
        run_clients(url, 2, 40, queries)  # warm up (caches, thread pool)

        def commit_during() -> None:
            time.sleep(1.0)
            edited = corpus / "en" / "hand-washing.md"
            edited.write_text(edited.read_text(encoding="utf-8") + "\n\nWash again after "
                              "changing a nappy.\n", encoding="utf-8")
            ingest([corpus], index)

        runs = [run_clients(url, c, args.requests, queries,
                            commit_during if c == 8 else None)
                for c in (int(x) for x in args.clients.split(","))]
        report = {"server_peak_rss_mb": _peak_rss_mb(server.pid), "runs": runs,
                  "max_concurrent": args.max_concurrent, "cpus": os.cpu_count()}
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"server peak RSS {report['server_peak_rss_mb']} MB")
    for r in report["runs"]:
        print(f"{r['clients']:>3} clients: {r['ok_per_s']} ok/s, p50 {r['p50_ms']} / p95 "
              f"{r['p95_ms']} / p99 {r['p99_ms']} ms, {r['failed']} failed, {r['shed']} "
              f"shed, generations {r['generations_answered']}")


if __name__ == "__main__":
    main()
