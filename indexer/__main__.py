"""`python -m indexer` = the `indexer` command."""

from indexer.cli import main

main()
