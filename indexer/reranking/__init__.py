"""Reranking glue: the project's names in the `rerankers` registry and how an index uses them.

`glue` registers the project's rerankers explicitly (`register_project_rerankers`), caches
them and applies them to hits. Training and evaluation build benchmark indexes, so they sit
on top, in the harness (`indexer.harness.rerank_train`, `rerank_eval`); the models
themselves live in the top-level `rerankers` package."""
