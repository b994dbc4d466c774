"""Fuzzing the loaders and index opening, through the same worker isolation as ingest."""
