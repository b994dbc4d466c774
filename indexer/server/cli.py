"""`indexer serve INDEX_DIR... [--host 127.0.0.1] [--port 8000] [--workers N]`."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click


def parse_indexes(specs: tuple[str, ...]) -> dict[str, str]:
    """`DIR` (named after the folder) or `NAME=DIR`; names must be unique."""
    out: dict[str, str] = {}
    for spec in specs:
        name, eq, path = spec.partition("=")
        if not eq:
            name, path = Path(spec).resolve().name, spec
        if not name or name in out:
            raise click.BadParameter(f"{spec!r}: index names must be unique and non-empty "
                                     "(use NAME=DIR)")
        if not (Path(path) / "manifest.json").is_file():
            raise click.BadParameter(f"{path}: no index here (no manifest.json)")
        out[name] = str(Path(path).resolve())
    return out


@click.command("serve")
@click.argument("indexes", nargs=-1, required=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind (localhost by default; put a proxy in front).")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int,
              help="Server processes (each opens the indexes and holds the model).")
@click.option("--api-key-env", default=None, metavar="VAR",
              help="Require 'Authorization: Bearer <$VAR>' on /v1/ endpoints.")
@click.option("--max-concurrent", type=int, default=None,
              help="Searches at once per process before shedding with 429 (default 8).")
@click.option("--log-queries", is_flag=True,
              help="Put query texts in the access log (default: a sha256 only).")
@click.option("--allow-rerank", "allow_rerank", multiple=True, metavar="NAME",
              help="A reranker name requests may ask for (repeatable; default: identity "
                   "only). Paths and NAME:options are never accepted over HTTP.")
def serve(indexes: tuple[str, ...], host: str, port: int, workers: int,
          api_key_env: str | None, max_concurrent: int | None, log_queries: bool,
          allow_rerank: tuple[str, ...]) -> None:
    """Serve INDEXES (DIR or NAME=DIR) over HTTP: /v1/search, /v1/search/batch,
    /v1/indexes, /healthz, /readyz, /metrics; OpenAPI at /docs. Limits come from
    INDEXER_SERVE_* variables (see indexer.server.settings)."""
    try:
        import uvicorn

        from indexer.server.rerank_policy import validate_allowed
        from indexer.server.settings import CONFIG_ENV, ServerSettings
    except ImportError as exc:
        click.echo(f"error: the HTTP service needs {exc.name}, which is part of the core: "
                   "reinstall indexer (pip install indexer)", err=True)
        sys.exit(1)
    key = None
    if api_key_env:
        key = os.environ.get(api_key_env)
        if not key:
            click.echo(f"error: --api-key-env {api_key_env}: the variable is unset or empty",
                       err=True)
            sys.exit(1)
    try:
        allowed = validate_allowed(allow_rerank) if allow_rerank else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--allow-rerank") from None
    settings = ServerSettings.from_env(indexes=parse_indexes(indexes), api_key=key,
                                       log_queries=log_queries or None,
                                       max_concurrent=max_concurrent, allow_rerank=allowed)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if workers > 1:
        os.environ[CONFIG_ENV] = settings.to_json()
        uvicorn.run("indexer.server.app:app_from_env", factory=True, host=host, port=port,
                    workers=workers, access_log=False, log_level="warning")
    else:
        from indexer.server.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, access_log=False,
                    log_level="warning")
