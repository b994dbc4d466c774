"""``write_report``: report.json + report.md + plots/ (+ optional TREC files) in one call."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.report.build import SCHEMA, SCHEMA_VERSION, build_report, system_per_query
from benchmarks.report.markdown import render_markdown
from benchmarks.results import BenchResults, SystemResult
from benchmarks.trec import write_qrels, write_run


def safe_name(text: str) -> str:
    """A file-name-safe rendering of a dataset/system name ("hybrid+rerank" -> "hybrid-rerank")."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "x"


def write_report(
    results: BenchResults | list[SystemResult],
    out_dir: str | Path,
    *,
    plots: bool = True,
    trec_depth: int | None = None,
    per_query: bool = False,
) -> dict[str, Path]:
    """Write the report files into ``out_dir`` and return {kind: path}.

    Always ``report.json`` (key "json") and ``report.md`` ("markdown"); with ``plots``,
    PNGs under ``plots/`` (keys "plot:<stem>"). With ``trec_depth``, TREC run files
    ``trec/<dataset>/<system>.run`` cut at that depth and ``trec/<dataset>/qrels.txt`` so
    trec_eval can re-score ("trec:<dataset>/<system>"). With ``per_query``, the per-query
    metric values as ``per_query.json`` ({dataset: {system: {metric: {qid: value}}}}).
    A bare list of SystemResult is wrapped in a default BenchResults (no qrels: each
    result must then carry ``per_query``).
    """
    res = results if isinstance(results, BenchResults) else BenchResults(systems=list(results))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = build_report(res)
    paths: dict[str, Path] = {}
    paths["json"] = out / "report.json"
    paths["json"].write_text(json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False)
                             + "\n", encoding="utf-8")
    paths["markdown"] = out / "report.md"
    paths["markdown"].write_text(render_markdown(report), encoding="utf-8")
    if plots:
        from benchmarks.report.plots import write_plots  # lazy: matplotlib is slow to import

        for stem, p in write_plots(report, res, out / "plots").items():
            paths[f"plot:{stem}"] = p
    if trec_depth is not None:
        _write_trec(res, out / "trec", trec_depth, paths)
    if per_query:
        table: dict[str, Any] = {}
        for sr in res.systems:
            table.setdefault(sr.dataset, {})[sr.system] = system_per_query(res, sr)
        paths["per_query"] = out / "per_query.json"
        paths["per_query"].write_text(json.dumps(table, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    return paths


def _write_trec(res: BenchResults, root: Path, depth: int, paths: dict[str, Path]) -> None:
    """TREC files for trec_eval; ids with whitespace cannot be written: warn, skip, go on
    (the report itself must not be lost over an optional export)."""
    jobs: list[tuple[str, Path, Callable[[Path], Path]]] = []
    for sr in res.systems:
        jobs.append((f"trec:{sr.dataset}/{sr.system}",
                     root / safe_name(sr.dataset) / f"{safe_name(sr.system)}.run",
                     partial(write_run, sr.run, tag=safe_name(sr.system) or "run",
                             depth=depth)))
    for name, qrels in res.qrels.items():
        jobs.append((f"trec:{name}/qrels", root / safe_name(name) / "qrels.txt",
                     partial(write_qrels, qrels)))
    for key, path, write in jobs:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            paths[key] = write(path)
        except ValueError as e:
            path.unlink(missing_ok=True)
            warnings.warn(f"{path} not written: {e}", stacklevel=3)


def load_report(path: str | Path) -> dict[str, Any]:
    """Read a report.json, checking that it is this schema and a version we understand."""
    p = Path(path)
    try:
        report = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{p}: invalid JSON ({e.msg}, line {e.lineno})") from None
    if not isinstance(report, dict) or report.get("schema") != SCHEMA:
        raise ValueError(f"{p}: not an {SCHEMA} document")
    if report.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"{p}: schema_version {report.get('schema_version')!r}, "
                         f"this code reads {SCHEMA_VERSION}")
    return report
