"""Per-file limits for ingest, and the cheap checks that apply them before a parser runs.

A parser fed a decompression bomb (a 40 KB DOCX whose XML expands to 5 GB, a PDF image of
100k x 100k pixels) spends minutes and gigabytes before failing; reading the zip's central
directory or the PDF's page and image table first costs milliseconds and refuses it with a
reason a person can act on. What these checks miss, the worker's timeout and memory limit
(`indexer.ingestion.isolation`) still contain.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

MB = 1024 * 1024
ZIP_FORMATS = (".docx", ".pptx", ".xlsx")
OCR_DPI = 300  # loaders.ocr renders pages at this resolution
_SLIDE = re.compile(r"^ppt/slides/slide\d+\.xml$")


class LimitExceeded(Exception):
    """A file is over a configured limit; the message says which and how to raise it."""


@dataclass(frozen=True)
class IngestLimits:
    """What one file may cost. Every limit is per file; `timeout_s` and `memory_mb` are
    enforced on the worker process that loads it, the rest before parsing starts."""

    max_file_mb: float = 200
    max_pages: int = 2000
    timeout_s: float = 120
    memory_mb: int = 4096
    max_zip_ratio: float = 100
    max_zip_uncompressed_mb: float = 500
    max_zip_entries: int = 10_000
    max_image_mpx: float = 250  # megapixels of one PDF image, or of a page rendered for OCR
    workers: int = 1
    isolate: bool = True  # False: load in this process (debugging; no timeout or memory cap)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "isolate" and (not isinstance(value, int | float) or value <= 0):
                raise ValueError(f"ingest limit {f.name} must be a positive number, "
                                 f"not {value!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IngestLimits:
        """Known keys only; None means "the default" (handy for unset CLI options)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known and v is not None})


def check_size(path: Path, limits: IngestLimits) -> None:
    size = path.stat().st_size
    if size > limits.max_file_mb * MB:
        raise LimitExceeded(f"file too large ({size / MB:.1f} MB > limit "
                            f"{limits.max_file_mb:g} MB; raise --max-file-mb)")


def preflight(path: Path, limits: IngestLimits) -> None:
    """Refuse a file over a limit before its parser runs; silent when the file is too
    broken to inspect (the parser then reports it as corrupt)."""
    check_size(path, limits)
    ext = path.suffix.lower()
    if ext in ZIP_FORMATS:
        check_zip(path, limits)
    elif ext == ".pdf":
        check_pdf(path, limits)


def check_zip(path: Path, limits: IngestLimits) -> None:
    """Office files are zips: refuse absurd expansion from the central directory alone."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return
    if len(infos) > limits.max_zip_entries:
        raise LimitExceeded(f"zip archive has {len(infos)} entries (> limit "
                            f"{limits.max_zip_entries})")
    total = sum(i.file_size for i in infos)
    if total > limits.max_zip_uncompressed_mb * MB:
        raise LimitExceeded(f"decompression bomb refused: entries expand to {total / MB:.0f} MB"
                            f" (> limit {limits.max_zip_uncompressed_mb:g} MB)")
    for info in infos:
        if info.file_size < MB:  # small XML parts compress very well; harmless
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_zip_ratio:
            raise LimitExceeded(
                f"decompression bomb refused: {info.filename!r} expands {ratio:.0f}x "
                f"({info.file_size / MB:.0f} MB from {info.compress_size / 1024:.0f} KB; "
                f"limit {limits.max_zip_ratio:g}x)")
    if path.suffix.lower() == ".pptx":
        slides = sum(1 for i in infos if _SLIDE.match(i.filename))
        if slides > limits.max_pages:
            raise LimitExceeded(f"{slides} slides (> limit {limits.max_pages}; "
                                "raise --max-pages)")


def check_pdf(path: Path, limits: IngestLimits) -> None:
    """Page count, and pixel counts of images and of image pages that would be OCRed."""
    try:
        import pymupdf
    except ImportError:  # pragma: no cover - the PDF loader needs it anyway
        return
    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception:  # noqa: BLE001 - a broken PDF is the loader's to report
        return
    try:
        if doc.needs_pass:
            return
        if doc.page_count > limits.max_pages:
            raise LimitExceeded(f"{doc.page_count} pages (> limit {limits.max_pages}; "
                                "raise --max-pages)")
        max_px = limits.max_image_mpx * 1e6
        for number in range(doc.page_count):
            try:
                page = doc[number]
                images = page.get_images(full=True)
            except Exception:  # noqa: BLE001 - a broken page is the loader's to report
                continue
            for img in images:
                width, height = int(img[2] or 0), int(img[3] or 0)
                if width * height > max_px:
                    raise LimitExceeded(
                        f"image of {width}x{height} px on page {number + 1} (> limit "
                        f"{limits.max_image_mpx:g} megapixels)")
            if images:
                rect = page.rect
                px = (rect.width / 72 * OCR_DPI) * (rect.height / 72 * OCR_DPI)
                if px > max_px and len(page.get_text("text").strip()) < 12:
                    raise LimitExceeded(
                        f"page {number + 1} is {rect.width:.0f}x{rect.height:.0f} pt: too large"
                        f" to OCR at {OCR_DPI} dpi (> limit {limits.max_image_mpx:g} megapixels)")
    finally:
        doc.close()
