"""OCR of PDF pages with Tesseract through PyMuPDF, language chosen from the script.

PyMuPDF's wheels carry the Tesseract engine; what they need is the language data
(`*.traineddata`), which Debian's `tesseract-ocr-<lang>` packages install. No binary is
called and nothing is downloaded. The OCR language comes from the best evidence at hand:
the script of a garbled text layer, else what the rest of the document is written in,
else a quick low-resolution pass with every installed script model, whose output script
decides.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from loaders.languages import LANGUAGE_TESSERACT, SCRIPT_TESSERACT
from loaders.script import script_counts

# Tesseract model per script, and per language where the language is known (one table:
# `loaders.languages`).
TESSERACT_LANGUAGE = {v: k for k, v in LANGUAGE_TESSERACT.items()}

_CANDIDATE_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                   "/usr/share/tessdata", "/usr/local/share/tessdata",
                   "/opt/homebrew/share/tessdata")

OCR_DPI = 300
PROBE_DPI = 110


class OcrUnavailable(RuntimeError):
    """No Tesseract language data, or not for the language the page needs."""


@lru_cache(maxsize=1)
def tessdata_dir() -> Path | None:
    """Where the `*.traineddata` files are: $TESSDATA_PREFIX, else the usual places."""
    env = os.environ.get("TESSDATA_PREFIX")
    candidates = ([env, str(Path(env) / "tessdata")] if env else []) + list(_CANDIDATE_DIRS)
    for c in candidates:
        if c and any(Path(c).glob("*.traineddata")):
            return Path(c)
    return None


@lru_cache(maxsize=1)
def installed_languages() -> frozenset[str]:
    """Tesseract language codes with data installed (e.g. {'eng', 'hin'})."""
    d = tessdata_dir()
    if d is None:
        return frozenset()
    return frozenset(p.stem for p in d.glob("*.traineddata") if p.stem != "osd")


def available() -> bool:
    """Can pages be OCRed at all? (PyMuPDF built with Tesseract, and language data.)"""
    try:
        import pymupdf
    except ImportError:
        return False
    return bool(installed_languages()) and hasattr(pymupdf.Page, "get_textpage_ocr")


def tesseract_languages(script: str | None = None, language: str | None = None) -> str:
    """The '+'-joined Tesseract languages for a page: the page's language (or its script's
    model) plus English, which health leaflets mix in; only installed ones."""
    have = installed_languages()
    wanted: list[str] = []
    if language in LANGUAGE_TESSERACT:
        wanted.append(LANGUAGE_TESSERACT[language])
    if script in SCRIPT_TESSERACT:  # the fallback when the language's own model is missing
        wanted.append(SCRIPT_TESSERACT[script])
    wanted.append("eng")
    present = [w for w in dict.fromkeys(wanted) if w in have]
    chosen = present[:1] + (["eng"] if "eng" in present[1:] else [])  # each model costs time
    if not chosen:
        raise OcrUnavailable(f"no Tesseract data for {'+'.join(dict.fromkeys(wanted))} "
                             f"(installed: {' '.join(sorted(have)) or 'none'})")
    return "+".join(chosen)


def ocr_textpage(page: Any, languages: str, dpi: int = OCR_DPI) -> Any:
    """A PyMuPDF TextPage made by OCR of the whole page (any text layer is ignored)."""
    import pymupdf

    d = tessdata_dir()
    if d is None:
        raise OcrUnavailable("Tesseract language data not found (install tesseract-ocr-eng "
                             "and the tesseract-ocr-<lang> packages, or set TESSDATA_PREFIX)")
    flags = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP
    return page.get_textpage_ocr(flags=flags, language=languages, dpi=dpi, full=True,
                                 tessdata=str(d))


def probe_script(page: Any) -> tuple[str | None, str]:
    """Which script a page without usable text is written in, and the rough text: OCR at
    low resolution with every installed script model; the script the text comes out in
    wins, and the text is good enough to tell Hindi, Marathi and Nepali apart."""
    models = [m for m in dict.fromkeys(SCRIPT_TESSERACT.values()) if m in installed_languages()]
    if not models:
        return None, ""
    textpage = ocr_textpage(page, "+".join(models), dpi=PROBE_DPI)
    text = page.get_text(textpage=textpage)
    counts = script_counts(text)
    return (counts.most_common(1)[0][0] if counts else None), text
