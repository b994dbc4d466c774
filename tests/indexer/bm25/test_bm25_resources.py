"""The BM25 resource fingerprint is the same in every process (it guards index reuse)."""

from __future__ import annotations

import os
import subprocess
import sys


def test_resource_fingerprint_is_stable_across_hash_seeds() -> None:
    code = "from indexer.bm25.storage import resources; print(resources())"
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout
            for seed in ("1", "2", "3")}
    assert len(seen) == 1, seen
