"""Measurements of parts (loaders, chunkers, BM25 tokenizer variants), printed as JSON; run
with `python -m indexer.harness.measure.<part>`."""
