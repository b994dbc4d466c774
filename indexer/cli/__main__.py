"""`python -m indexer.cli` = the `indexer` command (subprocess tests and tools use it)."""

from indexer.cli import main

main()
