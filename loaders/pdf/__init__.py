"""PDF loading with PyMuPDF: text layer where it is sound, OCR where it is missing or
garbled, tables from ruling lines, page furniture removed, reading order by columns.

Steps, each in its own module: `extract` (styled lines and blocks), `tables`, `furniture`
(headers, footers, page numbers), `layout` (reading order), `structure` (kinds, heading
levels, section paths); `loaders.garble` judges a text layer and `loaders.ocr` replaces it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loaders import ocr
from loaders.errors import LoadError
from loaders.garble import garble_report, garbled_script
from loaders.gcpause import paused_gc
from loaders.language import detect_language
from loaders.model import Block
from loaders.parsed import Parsed
from loaders.pdf.extract import PAGE_FLAGS, TEXT_FLAGS, Line, TextBlock, page_blocks
from loaders.pdf.furniture import furniture
from loaders.pdf.layout import reading_order
from loaders.pdf.structure import to_blocks
from loaders.pdf.tables import find_tables, looks_tabular
from loaders.script import dominant_script
from loaders.settings import settings

DEFAULT_MAX_OCR_PAGES = 100
MIN_TEXT_CHARS = 12  # fewer non-space characters than this: the page has no text layer
_BAD_TITLE = re.compile(r"^(untitled|microsoft (word|powerpoint)|document\d*)\b|\.\w{2,4}$",
                        re.I)


@dataclass
class _Page:
    number: int  # 1-based
    height: float
    blocks: list[TextBlock] = field(default_factory=list)
    text: str = ""
    status: str = "text"  # text | empty | garbled | ocr | failed
    reasons: list[str] = field(default_factory=list)
    has_images: bool = False
    ocr_tried: bool = False


def max_ocr_pages() -> int:
    """OCR is ~1–5 s a page; beyond this many pages a document is loaded without it."""
    limit = settings().max_ocr_pages
    return DEFAULT_MAX_OCR_PAGES if limit is None else limit


def _open(path: Path, data: bytes) -> Any:
    import pymupdf

    if b"%PDF-" not in data[:1024]:
        raise LoadError(path, "corrupt or not a PDF (no %PDF- header)")
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # noqa: BLE001 - MuPDF raises several types for bad files
        raise LoadError(path, f"corrupt or not a PDF ({exc})") from None
    if doc.needs_pass and not doc.authenticate(""):
        raise LoadError(path, "encrypted PDF: it needs a password to open")
    if doc.page_count == 0:
        raise LoadError(path, "PDF has no pages")
    return doc


def _span_text(page_dict: dict[str, Any]) -> str:
    return "\n".join("".join(s["text"] for s in line["spans"])
                     for block in page_dict["blocks"] if block.get("type", 0) == 0
                     for line in block["lines"])


def _read_page(page: Any, number: int) -> _Page:
    info = _Page(number=number, height=page.rect.height)
    # get_textpage + extractDICT is what get_text("dict") does, minus a cropbox lookup and
    # argument handling per page (~10% of this call's time, measured)
    page_dict = page.get_textpage(flags=PAGE_FLAGS).extractDICT()
    info.text = _span_text(page_dict)
    visible = len(info.text) - info.text.count(" ") - info.text.count("\n")
    if visible < MIN_TEXT_CHARS:
        info.status = "empty"
        info.has_images = bool(page.get_images(full=False))
        return info
    report = garble_report(info.text)
    if report.garbled:
        info.status, info.reasons = "garbled", report.reasons
        return info
    info.blocks = page_blocks(page_dict, number)
    small = [b.bbox for b in info.blocks if len(b.lines) <= 4]
    gapped = sum(1 for b in info.blocks for ln in b.lines if ln.wide_gaps)
    tables = find_tables(page, page_dict) if gapped >= 2 or looks_tabular(small) else []
    if tables:
        info.blocks = [b for b in info.blocks if not any(_inside(b.bbox, t.bbox) for t in tables)]
        for t in tables:
            line = Line(text=t.markdown, bbox=t.bbox, size=0.0, bold=False)
            info.blocks.append(TextBlock([line], number, kind="table",
                                         meta={"markdown": t.markdown, "rows": t.rows,
                                               "columns": t.columns}))
    return info


def _inside(box: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return outer[0] <= cx <= outer[2] and outer[1] <= cy <= outer[3]


def _ocr_page(page: Any, info: _Page, script: str | None, language: str | None) -> None:
    if script is None:
        script, rough = ocr.probe_script(page)
        if script in ("Devanagari", "Latin") and language is None:
            language = detect_language(rough)
    langs = ocr.tesseract_languages(script, language)
    textpage = ocr.ocr_textpage(page, langs)
    page_dict = page.get_text("dict", textpage=textpage, flags=TEXT_FLAGS)
    info.blocks = [b for b in page_blocks(page_dict, info.number)
                   if not _ocr_noise(b.text, script)]
    for b in info.blocks:
        b.meta["ocr"] = langs
    info.status = "ocr"


_ALNUM = re.compile(r"[^\W_]|[\u0900-\u0dff]")  # \w misses Indic vowel signs
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def _ocr_noise(text: str, script: str | None) -> bool:
    """Fragments OCR reads into pictures and borders: '|', 'OO', 'ea' on a Bengali page."""
    alnum = len(_ALNUM.findall(text))
    if alnum < 2 or alnum < 0.4 * len(text.replace(" ", "")):
        return True
    latin = len(_LATIN_LETTER.findall(text))
    return script not in (None, "Latin") and latin == alnum and latin <= 4


def parse_pdf(path: Path, data: bytes) -> Parsed:
    """Blocks of a PDF in reading order; problems that spare the rest become warnings.

    The text layer is read and structured with the cyclic GC paused (see `loaders.gcpause`);
    OCR, which can take minutes, runs with it on."""
    doc = _open(path, data)
    warnings: list[str] = []
    with paused_gc():
        pages = _read_pages(doc, warnings)
    _ocr_where_needed(doc, pages, warnings)
    with paused_gc():
        blocks = _structure(pages)
    status = {p.number: p.status for p in pages}
    parsed = Parsed(
        blocks=blocks,
        title=_title(doc, blocks),
        metadata={"pages": doc.page_count,
                  "ocr_pages": [n for n, s in status.items() if s == "ocr"],
                  "garbled_pages": [p.number for p in pages if p.reasons],
                  "encrypted": bool(doc.is_encrypted or doc.metadata.get("encryption"))},
        warnings=warnings,
        group_by_page=True,
    )
    if not blocks:
        parsed.empty_reason = _empty_reason(pages)
    return parsed


def _read_pages(doc: Any, warnings: list[str]) -> list[_Page]:
    pages: list[_Page] = []
    for index in range(doc.page_count):
        try:
            pages.append(_read_page(doc.load_page(index), index + 1))
        except Exception as exc:  # noqa: BLE001 - one bad page must not lose the others
            pages.append(_Page(number=index + 1, height=1.0, status="failed"))
            warnings.append(f"page {index + 1}: unreadable ({type(exc).__name__}: {exc})")
    if getattr(doc, "is_repaired", False):
        warnings.insert(0, "damaged PDF: MuPDF repaired its cross-reference table")
    return pages


def _structure(pages: list[_Page]) -> list[Block]:
    """Furniture dropped, each page in reading order, then kinds and sections."""
    drop = furniture([p.blocks for p in pages], [p.height for p in pages])
    ordered: list[TextBlock] = []
    for p_index, page in enumerate(pages):
        kept = [b for i, b in enumerate(page.blocks) if (p_index, i) not in drop]
        if page.status == "ocr":  # Tesseract's own layout analysis already ordered them
            ordered += kept
        else:
            ordered += [kept[i] for i in reading_order([b.bbox for b in kept])]
    return to_blocks(ordered)


def _ocr_where_needed(doc: Any, pages: list[_Page], warnings: list[str]) -> None:
    """OCR garbled pages and image-only pages, choosing the language from the evidence."""
    todo = [p for p in pages if p.status == "garbled" or (p.status == "empty" and p.has_images)]
    if not todo:
        return
    for p in todo:
        if p.status == "garbled":
            warnings.append(f"page {p.number}: text layer garbled ({'; '.join(p.reasons)})")
    if not ocr.available():
        for p in todo:
            warnings.append(f"page {p.number}: needs OCR, which is not available "
                            "(install Tesseract language data: tesseract-ocr-<lang>)")
        return
    sound = " ".join(p.text for p in pages if p.status == "text")[:20000]
    doc_script = dominant_script(sound) if sound.strip() else None
    doc_language = detect_language(sound) if doc_script else None
    limit = max_ocr_pages()
    for count, p in enumerate(todo):
        if count >= limit:
            warnings.append(f"pages {p.number}-{todo[-1].number}: not OCRed (more than "
                            f"{limit} pages need OCR; raise LOADERS_MAX_OCR_PAGES)")
            break
        script = garbled_script(p.text) if p.status == "garbled" else None
        script = script or doc_script
        language = doc_language if script == doc_script else None
        p.ocr_tried = True
        try:
            _ocr_page(doc[p.number - 1], p, script, language)
        except Exception as exc:  # noqa: BLE001 - OCR failure costs the page, not the file
            warnings.append(f"page {p.number}: OCR failed ({type(exc).__name__}: {exc})")


def _empty_reason(pages: list[_Page]) -> str:
    if any(p.status in ("garbled", "empty") and (p.reasons or p.has_images) for p in pages):
        if not ocr.available():
            return ("no usable text layer (image-only or garbled PDF) and OCR is not "
                    "available: install Tesseract language data (tesseract-ocr-<lang>)")
        if any(p.ocr_tried for p in pages):
            return "no text found, even with OCR"
        return (f"no usable text layer and OCR was skipped (more than {max_ocr_pages()} pages "
                "need it; raise LOADERS_MAX_OCR_PAGES)")
    if all(p.status == "failed" for p in pages):
        return "no page could be read"
    return "no text found (blank pages)"


def _title(doc: Any, blocks: list) -> str | None:
    """The top heading of the first pages, else the PDF's own title if it looks real."""
    heads = [b for b in blocks if b.kind == "heading" and (b.page or 99) <= 2]
    if heads:
        best = min(heads, key=lambda b: (b.level or 9, b.page or 0))
        return best.text
    meta = (doc.metadata or {}).get("title") or ""
    meta = meta.strip()
    if len(meta) > 3 and not _BAD_TITLE.search(meta):
        return meta
    return None
