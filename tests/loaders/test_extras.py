"""Optional dependencies: the core never imports them, and a missing one is named by its extra.

A missing package is simulated the way Python itself spells "not installed":
`sys.modules[name] = None` makes `import name` raise ImportError, in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.paths import ROOT

OPTIONAL = ("pymupdf", "unstructured", "llama_index", "matplotlib", "bm25s", "ray")


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300,
                          env={"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1",
                               "TRANSFORMERS_OFFLINE": "1", "PATH": "/usr/bin:/bin"})


def test_the_core_imports_no_optional_package() -> None:
    code = ("import json, sys\n"
            "import indexer, indexer.cli, indexer.index, indexer.ingestion.pipeline\n"
            "import indexer.server.app, indexer.client, loaders, chunkers\n"
            f"print(json.dumps([m for m in {OPTIONAL!r} if m in sys.modules]))\n")
    done = _run(code)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_a_pdf_without_pymupdf_is_a_load_error_naming_the_extra(tmp_path) -> None:
    pdf = tmp_path / "leaflet.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    note = tmp_path / "note.md"
    note.write_text("# Cord care\n\nKeep the cord stump clean and dry.\n")
    code = ("import sys; sys.modules['pymupdf'] = None\n"
            "import loaders\n"
            f"print(loaders.load({str(note)!r}).title)\n"
            "try:\n"
            f"    loaders.load({str(pdf)!r})\n"
            "except loaders.LoadError as exc:\n"
            "    print('LoadError:', exc)\n")
    done = _run(code)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "Cord care"  # the core formats still load
    assert lines[1].startswith("LoadError:") and "leaflet.pdf" in lines[1]
    assert "pip install 'indexer[pdf]'" in lines[1]


@pytest.mark.parametrize(("module", "blocked", "extra"), [
    ("indexer.llama", "llama_index", "llama"),
    ("chunkers.llama", "llama_index", "llama"),
    ("rerankers.llama", "llama_index", "llama"),
    ("benchmarks.report.plots", "matplotlib", "plots"),
])
def test_optional_modules_name_their_extra(module: str, blocked: str, extra: str) -> None:
    done = _run(f"import sys; sys.modules[{blocked!r}] = None\nimport {module}\n")
    assert done.returncode != 0
    assert f"pip install 'indexer[{extra}]'" in done.stderr
