"""PNG plots (matplotlib, headless Agg backend).

- ``<dataset>-<metric>-by-lang.png``: the metric per system, grouped by query language
  (plus "all"), the baseline drawn first in every group.
- ``<dataset>-latency.png``: end-to-end latency per system as a box plot and as an
  empirical CDF (log scale: latency tails span orders of magnitude).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

try:
    import matplotlib
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("plots need matplotlib, which is not installed: "
                      "pip install 'indexer[plots]' (or run with --no-plots)") from exc

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import ticker  # noqa: E402

from benchmarks.report.write import safe_name  # noqa: E402
from benchmarks.results import BenchResults  # noqa: E402


def plot_metric_by_lang(report: dict[str, Any], dataset: str, metric: str,
                        path: Path) -> Path | None:
    """Grouped bars of ``metric`` for each system and query language."""
    ds = report["datasets"][dataset]
    systems = list(ds["systems"])
    if not systems:
        return None
    langs = sorted({lang for s in ds["systems"].values() for lang in s["by_lang"]})
    groups = ["all"] + langs
    width = 0.8 / len(systems)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(groups) * max(1, len(systems)) / 2), 4))
    x = np.arange(len(groups))
    for i, name in enumerate(systems):
        s = ds["systems"][name]
        vals = [s["metrics"].get(metric) if g == "all"
                else s["by_lang"].get(g, {}).get("metrics", {}).get(metric) for g in groups]
        ax.bar(x + (i - (len(systems) - 1) / 2) * width,
               [np.nan if v is None else v for v in vals], width, label=name)
    ax.set_xticks(x, groups)
    ax.set_ylabel(metric)
    ax.set_ylim(0, 1.0)
    ax.set_title(f"{dataset}: {metric} by query language")
    ax.legend(fontsize="small", ncols=min(5, len(systems)), loc="upper center",
              bbox_to_anchor=(0.5, -0.08), frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _log_ms_axis(axis: Any) -> None:
    """Log scale with plain 1-2-5 tick labels (3 ms, not 3x10^0)."""
    axis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(ticker.NullFormatter())


def _total_latencies(lat: dict[str, list[float]]) -> list[float]:
    if "total" in lat:
        return list(lat["total"])
    stages = [np.asarray(v, dtype=float) for v in lat.values() if len(v)]
    if stages and len({len(v) for v in stages}) == 1:
        return list(np.sum(stages, axis=0))
    return []


def plot_latency(results: BenchResults, dataset: str, path: Path) -> Path | None:
    """Box plot and CDF of end-to-end latency (ms) for each system of a dataset."""
    data = {}
    for sr in results.systems:
        if sr.dataset == dataset:
            total = _total_latencies(sr.latencies_by_stage)
            if total:
                data[sr.system] = np.asarray(total, dtype=float) * 1000.0
    if not data:
        return None
    names = sorted(data, key=lambda s: s != results.baseline)
    fig, (box, cdf) = plt.subplots(1, 2, figsize=(11, 4))
    box.boxplot([data[n] for n in names], showfliers=True)
    box.set_xticks(range(1, len(names) + 1), names, rotation=20, ha="right")
    box.set_yscale("log")
    _log_ms_axis(box.yaxis)
    box.set_ylabel("latency (ms)")
    box.set_title(f"{dataset}: query latency")
    box.grid(axis="y", alpha=0.3)
    for n in names:
        v = np.sort(data[n])
        cdf.step(v, np.arange(1, v.size + 1) / v.size, where="post", label=n)
    cdf.set_xscale("log")
    _log_ms_axis(cdf.xaxis)
    cdf.set_xlabel("latency (ms)")
    cdf.set_ylabel("fraction of queries")
    cdf.set_title("latency CDF")
    cdf.grid(alpha=0.3)
    cdf.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_plots(report: dict[str, Any], results: BenchResults | None, out_dir: Path,
                metrics: list[str] | None = None) -> dict[str, Path]:
    """All plots for all measured datasets; returns {file stem: path}."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if metrics is None:
        wanted = ["ndcg@10", "recall@10"]
        metrics = [m for m in wanted if m in report["metrics"]] or report["metrics"][:1]
    written: dict[str, Path] = {}
    for name, ds in report["datasets"].items():
        if ds.get("status") != "ok":
            continue
        for m in metrics:
            stem = f"{safe_name(name)}-{safe_name(m)}-by-lang"
            p = plot_metric_by_lang(report, name, m, out_dir / f"{stem}.png")
            if p:
                written[stem] = p
        if results is not None:
            stem = f"{safe_name(name)}-latency"
            p = plot_latency(results, name, out_dir / f"{stem}.png")
            if p:
                written[stem] = p
    return written
