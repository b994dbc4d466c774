"""A document-loading process can refuse PyMuPDF's layout model (loaders.pdf.mupdf): the
PDF loader never uses it, and the blocks come out the same without it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import loaders
from loaders import samples

pytest.importorskip("pymupdf")
ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import json, sys
from loaders.pdf.mupdf import skip_layout_model
took = skip_layout_model()
import loaders, pymupdf
doc = loaders.load(sys.argv[1])
print(json.dumps({"took": took, "again": skip_layout_model(),
                  "layout": sys.modules.get("pymupdf.layout") is not None,
                  "get_layout": pymupdf._get_layout is not None,
                  "blocks": [[b.kind, b.text] for b in doc.blocks]}))
"""


@pytest.mark.skipif(not samples.fonts_available(["en"]), reason="Noto fonts not installed")
def test_worker_process_loads_pdfs_without_the_layout_model(tmp_path: Path) -> None:
    path = tmp_path / "table.pdf"
    path.write_bytes(samples.table_pdf())
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["took"] is True and out["again"] is False  # too late once pymupdf is in
    assert not out["layout"] and not out["get_layout"]
    assert len(done.stdout.strip().splitlines()) == 1  # no advice printed by PyMuPDF
    here = [[str(b.kind), b.text] for b in loaders.load(path).blocks]
    assert out["blocks"] == here and any(k == "table" for k, _ in here)
