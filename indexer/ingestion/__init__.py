"""Ingestion: files in, documents committed as generations.

Streaming pipeline (`pipeline`), each file parsed in an isolated worker under limits
(`isolation`, `limits`), PII found or redacted before anything is stored (`pii`)."""
