"""The project's rerankers are registered explicitly, never as a side effect of an import."""

from __future__ import annotations

import subprocess
import sys

from tests.paths import ROOT


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=True)
    return done.stdout.strip()


def test_importing_the_glue_leaves_the_registry_alone() -> None:
    out = _python("import rerankers; before = dict(rerankers.available())\n"
                  "import indexer.reranking.glue\n"
                  "print(rerankers.available() == before, 'ce-multilingual' in before)")
    assert out == "True False"


def test_entry_points_register_the_project_names() -> None:
    out = _python("from indexer.server.rerank_policy import validate_allowed\n"
                  "print(validate_allowed(['ce-multilingual', 'minilm', 'mmr']))")
    assert out == "('ce-multilingual', 'minilm', 'mmr')"
    out = _python("from indexer.reranking.glue import list_rerankers\n"
                  "print(sorted(r['name'] for r in list_rerankers()))")
    assert "ce-multilingual" in out and "ce-routed" in out
