"""`indexer bench`: the benchmark harness from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from indexer.cli.root import fail, handle_errors, main, print_json
from indexer.defaults import DEFAULT_MODEL


@main.command()
@click.argument("datasets", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--systems", default="bm25,dense,hybrid", show_default=True,
              help="Comma list of MODE[:FUSION][+rerank:NAME], or the whole-document "
                   "baselines whole-dense, whole-bm25, whole-rrf.")
@click.option("--k", "depth", default=100, show_default=True,
              help="Documents retrieved per query (metrics cut at 1..100).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Write report.json, report.md, plots/ and TREC runs here.")
@click.option("--gate", "gate_file", type=click.Path(path_type=Path), default=None,
              help="Thresholds file; exit non-zero naming each failed gate.")
@click.option("--cache", "cache_dir", type=click.Path(path_type=Path), default=None,
              help="Where built benchmark indexes are kept for reuse.")
@click.option("--model", default=DEFAULT_MODEL, show_default=True)
@click.option("--split", type=click.Choice(["all", "heldout", "train"]), default="all",
              show_default=True, help="Queries: all, or a part of the fixed hash split.")
@click.option("--max-queries", type=int, default=None, help="A stable subset, for speed.")
@click.option("--latency-queries", type=int, default=100, show_default=True,
              help="Queries timed end to end (query encoding included).")
@click.option("--min-score", type=float, default=0.80, show_default=True,
              help="Answerability threshold (dense cosine) for the false-positive rate.")
@click.option("--judged-only", is_flag=True,
              help="Average over queries with a relevant document (default: all judged "
                   "queries, those without one scoring 0, as trec_eval does).")
@click.option("--no-plots", is_flag=True)
@click.option("--config", "configs", multiple=True, type=click.Path(path_type=Path),
              help="Index configuration (TOML; see indexer.harness.ab); two or more: A/B.")
@click.option("--json", "as_json", is_flag=True, help="Print report.json to stdout.")
@handle_errors
def bench(datasets: tuple[Path, ...], systems: str, depth: int, out_dir: Path | None,
          gate_file: Path | None, cache_dir: Path | None, model: str, split: str,
          max_queries: int | None, latency_queries: int, min_score: float, judged_only: bool,
          no_plots: bool, configs: tuple[Path, ...], as_json: bool) -> None:
    """Measure retrieval quality and speed on BEIR-layout DATASETS (absent ones are skipped)."""
    from indexer.cli.lifecycle import after_bench, load_configs
    from indexer.harness.bench import run_bench

    loaded = load_configs(configs)
    outcome = run_bench(
        datasets, [s for s in systems.split(",") if s.strip()], out_dir=out_dir,
        gates=gate_file, cache_dir=cache_dir, model=model, depth=depth,
        max_queries=max_queries, split=split, latency_queries=latency_queries,
        plots=not no_plots, min_score=min_score, judged_only=judged_only, configs=loaded,
        log=lambda m: click.echo(m, err=True))
    after_bench(outcome, loaded)
    if as_json:
        print_json(outcome.report)
    else:
        _print_summary(outcome.report)
        if outcome.paths:
            click.echo(f"report: {outcome.paths['markdown']}")
    for g in outcome.gates:
        click.echo(f"gate {g.status}: {g.message}", err=True)
    if outcome.failed_gates:
        fail(f"{len(outcome.failed_gates)} gate(s) failed: "
              + "; ".join(g.gate.label() for g in outcome.failed_gates))


def _print_summary(report: dict[str, Any]) -> None:
    meta = report.get("meta", {})
    if meta.get("averaging_note"):
        click.echo(f"metrics averaged {meta.get('averaging')}: {meta['averaging_note']}")
    for name, ds in report.get("datasets", {}).items():
        if ds.get("status") == "skipped":
            click.echo(f"{name}: skipped ({ds.get('skip_reason')})")
            continue
        click.echo(f"{name}:")
        for system, entry in ds.get("systems", {}).items():
            m = entry.get("metrics", {})
            click.echo(f"  {system:<28} nDCG@10 {m.get('ndcg@10', float('nan')):.4f}  "
                       f"R@10 {m.get('recall@10', float('nan')):.4f}  "
                       f"MRR@10 {m.get('mrr@10', float('nan')):.4f}")

