"""`indexer rerankers ...`: list the rerankers, train the project's cross-encoder.

A click group the main CLI mounts with `main.add_command(rerankers_cli, "rerankers")`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from indexer.cli.root import handle_errors
from indexer.defaults import DEFAULT_MODEL


@click.group("rerankers")
def rerankers_cli() -> None:
    """Rerankers for `indexer search --rerank NAME`: list them, train the cross-encoder."""


@rerankers_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def list_cmd(as_json: bool) -> None:
    """Registered rerankers and whether each can run here."""
    from indexer.reranking.glue import list_rerankers

    rows = list_rerankers()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        ready = {True: "ready", False: "not installed", None: "needs model=PATH"}[row["ready"]]
        where = f"  ({row['path']})" if row.get("path") else ""
        click.echo(f"{row['name']:<14} {ready:<17} {row['description']}{where}")


@rerankers_cli.command("train")
@click.option("--train", "train_dirs", multiple=True, required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A BEIR-layout dataset directory (repeatable).")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Where the model goes (e.g. the models dir's reranker-ce-multilingual).")
@click.option("--base-model", default=DEFAULT_MODEL, show_default=True,
              help="Encoder to start from (registered name or directory).")
@click.option("--max-length", default=256, show_default=True, help="Tokens per pair.")
@click.option("--epochs", default=1.0, show_default=True)
@click.option("--max-minutes", default=15.0, show_default=True,
              help="Budget for the training loop (the best checkpoint so far is kept).")
@click.option("--max-steps", default=None, type=int,
              help="Stop after this many steps: unlike --max-minutes, the same model on a "
                   "busy or a quiet machine.")
@click.option("--max-train-queries", "caps", multiple=True, default=("320",),
              show_default=True,
              help="Training queries per dataset (a stable hash subset): N for every "
                   "dataset, or NAME=N for one (repeatable).")
@click.option("--learning-rate", default=5e-5, show_default=True,
              help="Encoder learning rate (the fresh head gets 20x).")
@click.option("--eval-every", default=60, show_default=True,
              help="Steps between dev evaluations (early stopping).")
@click.option("--negatives", default=4, show_default=True,
              help="Mined hard negatives per query.")
@click.option("--train-layers", default=6, show_default=True,
              help="Top encoder layers to train (the rest stay frozen).")
@click.option("--seed", default=13, show_default=True)
@click.option("--threads", default=None, type=int, help="torch CPU threads.")
@click.option("--test-set", "test_sets", multiple=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Extra test set whose queries must stay out of training (repeatable).")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
              help="Where dataset indexes are built (default: the bench cache).")
@click.option("--overwrite", is_flag=True, help="Replace a non-empty --out.")
@click.option("--json", "as_json", is_flag=True, help="Print the training report as JSON.")
@handle_errors(also=(FileExistsError, LookupError))
def train_cmd(train_dirs: tuple[Path, ...], out_dir: Path, base_model: str, max_length: int,
              epochs: float, max_minutes: float, max_steps: int | None, caps: tuple[str, ...],
              learning_rate: float, eval_every: int, negatives: int,
              train_layers: int, seed: int, threads: int | None, test_sets: tuple[Path, ...],
              cache_dir: Path | None, overwrite: bool, as_json: bool) -> None:
    """Fine-tune a multilingual cross-encoder on BEIR-layout training data.

    Labels are the graded qrels, hard negatives come from the project's hybrid index, only
    the train side of the fixed hash split is used, and benchmark test sets are refused.
    """
    from indexer.harness.rerank_train import DataOptions, default_test_sets, train
    from rerankers.training import TrainConfig

    started = time.perf_counter()
    config = TrainConfig(max_length=max_length, epochs=epochs, max_seconds=max_minutes * 60,
                         max_steps=max_steps,
                         train_layers=train_layers, seed=seed, threads=threads,
                         learning_rate=learning_rate, head_learning_rate=20 * learning_rate,
                         eval_every=eval_every)
    options = DataOptions(negatives=negatives)
    for cap in caps:
        name, eq, value = cap.rpartition("=")
        if not value.isdigit():
            raise click.BadParameter(f"{cap!r}: use N or NAME=N", param_hint="--max-train-queries")
        if eq:
            options.per_dataset[name] = int(value)
        else:
            options.max_train_queries = int(value)
    guarded = default_test_sets()
    if not guarded:  # an installed wheel has no corpora/: say so instead of checking nothing
        click.echo("warning: no benchmark test set found to keep out of training (corpora/"
                   "golden is not beside this installation); name them with --test-set",
                   err=True)
    sets = [*guarded, *test_sets]

    def log(message: str) -> None:
        click.echo(f"[{time.perf_counter() - started:6.0f}s] {message}", err=True)

    report = train(train_dirs, out_dir, base_model=base_model, config=config, options=options,
                   test_sets=sets, cache_dir=cache_dir, overwrite=overwrite, log=log)
    if as_json:
        data = report.to_dict()
        data.pop("loss_history")
        click.echo(json.dumps({**data, "wall_seconds": round(time.perf_counter() - started, 1)},
                              indent=2))
        return
    click.echo(f"trained {out_dir}: {report.steps} steps ({report.stopped}), dev nDCG@10 "
               f"{_num(report.dev_first_stage_ndcg)} hybrid → {_num(report.dev_ndcg)} "
               f"cross-encoder → {_num(report.dev_blended_ndcg)} with blend {report.blend}; "
               f"{time.perf_counter() - started:.0f}s in all")


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"
