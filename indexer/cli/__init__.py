"""The `indexer` command line, one file per command group.

Plain words for people, `--json` for machines; exit 0 on success, non-zero with a one-line
reason on stderr on failure. Importing this package registers every command on `main`.
"""

from __future__ import annotations

from indexer.cli import bench, documents, index, models  # noqa: F401  (register commands)
from indexer.cli.lifecycle import mount as mount_lifecycle
from indexer.cli.rerankers import rerankers_cli
from indexer.cli.root import main
from indexer.server.cli import serve  # imports only click: FastAPI loads in the command

main.add_command(rerankers_cli, "rerankers")
main.add_command(serve, "serve")
mount_lifecycle(main)  # generations, rollback, diff, info --card

__all__ = ["main"]
