"""The lifecycle's commands, mounted on `indexer` by `mount(main)`: generations, rollback,
diff, and `--card` on `info` (added to that command here); `bench --config` calls
`load_configs` and `after_bench`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from indexer.cli.root import handle_errors, print_json


@click.command("generations")
@click.argument("index_dir", type=click.Path(path_type=Path))
@click.option("--keep", type=click.IntRange(1), default=None,
              help="Retention: keep the newest N generations (the current one included) from "
                   "now on, and delete older ones now, except any a reader holds.")
@click.option("--json", "as_json", is_flag=True)
def generations_cmd(index_dir: Path, keep: int | None, as_json: bool) -> None:
    """List an index's generations (newest first; * = current) and its rollbacks."""
    from indexer.lifecycle import generations, retention

    swept = None
    if keep is not None:
        from indexer.index import writer_lock
        from indexer.storage.manifest import read_manifest

        read_manifest(index_dir)  # an index, or a clear error
        with writer_lock(index_dir):
            retention.write_keep(index_dir, keep)
            swept = retention.sweep(index_dir, read_manifest(index_dir))
    rows = generations.list_generations(index_dir)
    if as_json:
        print_json({"generations": rows, "rollbacks": generations.events(index_dir),
                    "keep": retention.read_keep(index_dir),
                    **({"retention": swept.to_dict()} if swept else {})})
        return
    click.echo(generations.format_rows(rows))
    for e in generations.events(index_dir):
        click.echo(f"rollback at {e['at']}: {e['from']} -> {e['to']}")
    if swept is not None:
        click.echo(f"retention: keep {keep}; deleted {', '.join(swept.deleted) or 'nothing'}"
                   + (f"; held by readers (kept): {', '.join(swept.held)}" if swept.held
                      else ""))


@click.command("rollback")
@click.argument("index_dir", type=click.Path(path_type=Path))
@click.option("--to", "to", default=None, help="Generation number or name (default: the "
              "previous one).")
@click.option("--json", "as_json", is_flag=True)
def rollback_cmd(index_dir: Path, to: str | None, as_json: bool) -> None:
    """Make an earlier generation current (an atomic manifest switch; no file rewritten)."""
    from indexer.lifecycle.rollback import rollback

    event = rollback(index_dir, to)
    if as_json:
        print_json(event)
    else:
        click.echo(f"rolled back {index_dir}: {event['from']} -> {event['to']}")


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--queries", default=None, help="Query set: a JSONL/text file, a BEIR folder, "
              "or a set under corpora/ (golden, adversarial). Default: 200 probes sampled "
              "from OLD's chunks.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Write drift.json, drift.md and drift.png here.")
@click.option("--gate", "gate_file", is_flag=False, flag_value="default", default=None,
              help="Drift thresholds (TOML); `--gate` alone: benchmarks/drift_gates.toml. "
                   "Exits non-zero naming each failed threshold.")
@click.option("--mode", type=click.Choice(["hybrid", "bm25", "dense"]), default="hybrid",
              show_default=True, help="Retrieval mode for retrieval drift.")
@click.option("--no-retrieval", is_flag=True, help="Skip retrieval drift (no model loaded).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def diff_cmd(old: str, new: str, queries: str | None, out_dir: Path | None,
             gate_file: str | None, mode: str, no_retrieval: bool, as_json: bool) -> None:
    """What changed from OLD to NEW (index dirs; DIR@GEN for a kept generation)."""
    from indexer.lifecycle import drift, drift_gates, drift_report

    gates = drift_gates.load(None if gate_file == "default" else gate_file) \
        if gate_file else []
    report = drift.diff(old, new, queries=queries, retrieval=not no_retrieval, mode=mode,
                        log=lambda m: click.echo(m, err=True))
    results = drift_gates.evaluate(report, gates) if gates else []
    if results:
        report["gates"] = [g.to_dict() for g in results]
    if out_dir is not None:
        paths = drift_report.write(report, out_dir, results)
        click.echo(f"report: {paths['markdown']}", err=True)
    if as_json:
        print_json(report)
    else:
        d = report["documents"]
        click.echo(f"documents: {d['added']} added, {d['removed']} removed, {d['changed']} "
                   f"changed, {d['unchanged']} unchanged")
        lost = report["languages"]["lost"]
        if lost:
            click.echo(f"languages lost: {', '.join(lost)}")
        r = report.get("retrieval")
        if r:
            click.echo(f"retrieval ({r['queries']} queries): overlap@10 {r['overlap@10']}, "
                       f"RBO {r['rbo']}, top hit changed for {len(r['top_hit_changed'])}")
    for g in results:
        click.echo(f"gate {g.status}: {g.message}", err=True)
    failed = [g for g in results if g.failed]
    if failed:
        click.echo(f"error: {len(failed)} drift gate(s) failed: "
                   + "; ".join(g.gate.metric for g in failed), err=True)
        sys.exit(1)


def _card(index_dir: Path, as_json: bool) -> None:
    from indexer.lifecycle import card
    from indexer.lifecycle.commit import write_card
    from indexer.storage.manifest import generation_dir, read_manifest

    gen = generation_dir(index_dir, read_manifest(index_dir))
    data = card.read_card(gen)
    if data is None:  # an index written before cards: make it once (an annotation)
        write_card(gen, read_manifest(index_dir), None, [], [])
        data = card.read_card(gen)
    assert data is not None
    if as_json:
        print_json({k: v for k, v in data.items() if k != "pii_by_document"})
    else:
        click.echo(card.render_md(data), nl=False)


def _add_card_option(info: click.Command) -> None:
    """`indexer info DIR --card`: the current generation's card instead of the summary."""
    original = info.callback
    assert original is not None
    info.params.append(click.Option(["--card"], is_flag=True,
                                    help="Show the current generation's index card."))

    def callback(index_dir: Path, as_json: bool, card: bool) -> Any:
        if card:
            return handle_errors(_card)(index_dir, as_json)
        return original(index_dir=index_dir, as_json=as_json)

    info.callback = callback


def load_configs(paths: tuple[Path, ...]) -> list[Any]:
    """`indexer bench --config FILE...` (indexer.harness.ab)."""
    from indexer.harness import ab

    return ab.load_all(paths) if paths else []


def after_bench(outcome: Any, configs: list[Any]) -> None:
    """With two or more configurations: each pair's paired test, on stderr and in ab.json."""
    from indexer.harness import ab

    rows = ab.comparisons(outcome.results, configs)
    for line in ab.format_comparisons(rows):
        click.echo(line, err=True)
    if rows and outcome.paths:
        out = Path(outcome.paths["json"]).parent / "ab.json"
        out.write_text(json.dumps(rows, indent=1), encoding="utf-8")


def mount(main: click.Group) -> None:
    for cmd in (generations_cmd, rollback_cmd, diff_cmd):
        cmd.callback = handle_errors(cmd.callback)
        main.add_command(cmd)
    _add_card_option(main.commands["info"])
