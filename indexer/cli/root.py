"""The `indexer` command group and what every command shares: one error wrapper (a known
failure is one line on stderr and a non-zero exit, never a traceback), JSON output, and the
progress-bar default."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import click

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def handle_errors(func: Callable[..., Any] | None = None, *,
                  also: tuple[type[BaseException], ...] = ()) -> Any:
    """Known failures (`indexer.errors.user_errors()`, plus `also`) become one line on
    stderr and exit 1. Use as `@handle_errors` or `@handle_errors(also=(LookupError,))`."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from indexer.errors import user_errors

            try:
                return f(*args, **kwargs)
            except (*user_errors(), *also) as exc:
                fail(str(exc))
        return wrapper

    return decorate(func) if func is not None else decorate


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def progress_default() -> bool:
    """Progress bars on a terminal, off in CI and in pipes."""
    return sys.stderr.isatty() and not os.environ.get("CI")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="indexer")
def main() -> None:
    """Turn health-education content into multilingual search indexes, and search them."""
