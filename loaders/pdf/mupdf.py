"""PyMuPDF's process-wide state, as far as the PDF loader is concerned.

PyMuPDF 2.0 imports its layout model (the `pymupdf_layout` package, an ONNX Runtime
session) on `import pymupdf` whenever that package is installed, and it is a dependency of
PyMuPDF itself: ~0.7 s and ~55 MB of resident memory in every process that reads a PDF.
The loader never asks for layout analysis (its table finder runs with `use_layout=False`).
A process that only loads documents, such as an ingest worker, can refuse that import
before PyMuPDF is first imported; a library user's process is left as it is.
"""

from __future__ import annotations

import os
import sys

LAYOUT_MODULE = "pymupdf.layout"


def skip_layout_model() -> bool:
    """Keep PyMuPDF from importing its layout model in this process. True when it took
    effect (PyMuPDF not imported yet), False when it came too late.

    A `None` in `sys.modules` makes `import pymupdf.layout` raise ImportError, which PyMuPDF
    catches; its advice to install the package, printed when a table search finds no layout
    model, is switched off by its own environment variable."""
    if "pymupdf" in sys.modules:
        return False
    sys.modules.setdefault(LAYOUT_MODULE, None)
    os.environ.setdefault("PYMUPDF_SUGGEST_LAYOUT_ANALYZER", "0")
    return True
