"""The defaults a user meets first, in one light module (the CLI reads them at import):
the embedding model and the search modes."""

from __future__ import annotations

DEFAULT_MODEL = "multilingual-e5-small"
MODES = ("hybrid", "bm25", "dense")
