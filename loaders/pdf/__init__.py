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
from loaders.pdf.choose import pick, quality
from loaders.pdf.extract import PAGE_FLAGS, TEXT_FLAGS, Line, TextBlock, page_blocks
from loaders.pdf.furniture import furniture
from loaders.pdf.layout import reading_order
from loaders.pdf.legacy import legacy_reason
from loaders.pdf.repair import repair_page
from loaders.pdf.structure import to_blocks
from loaders.pdf.tables import find_tables, find_text_tables, looks_tabular
from loaders.script import NON_LATIN, dominant_script
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
    route: str = "text"  # how the text was obtained: text | repaired | ocr
    route_reason: str = "text layer sound"
    ocr_script: str | None = None  # the script OCR must read, when the layer cannot say
    # The best text-layer reading of a garbled page, kept to compare OCR against:
    # (route, page dict, its text).
    layer: tuple[str, dict[str, Any], str] | None = None


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
    textpage = page.get_textpage(flags=PAGE_FLAGS)
    page_dict = textpage.extractDICT()
    info.text = _span_text(page_dict)
    visible = len(info.text) - info.text.count(" ") - info.text.count("\n")
    if visible < MIN_TEXT_CHARS:
        info.status = "empty"
        info.has_images = bool(page.get_images(full=False))
        info.route_reason = "no text layer"
        return info
    indic = NON_LATIN.search(info.text) is not None
    legacy = None if indic else legacy_reason(page_dict, info.text)
    if legacy:
        info.status, info.reasons, info.ocr_script = "garbled", [legacy], "Devanagari"
        return info
    report = garble_report(info.text)
    if indic:  # the repair pass costs nothing on pages without Indic text
        page_dict, report = _repair(textpage, page_dict, info, report)
    if report.garbled:
        info.status, info.reasons = "garbled", report.reasons
        return info
    info.blocks = page_blocks(page_dict, number)
    small = [b.bbox for b in info.blocks if len(b.lines) <= 4]
    gapped = sum(1 for b in info.blocks for ln in b.lines if ln.wide_gaps)
    tables = find_tables(page, page_dict) if gapped >= 2 or looks_tabular(small) else []
    strategy = "lines"
    if not tables and gapped >= UNRULED_MIN_ROWS:
        tables, strategy = _unruled_tables(page, page_dict, info.blocks, gapped), "text"
    if tables:
        info.blocks = [b for b in info.blocks if not any(_inside(b.bbox, t.bbox) for t in tables)]
        for t in tables:
            line = Line(text=t.markdown, bbox=t.bbox, size=0.0, bold=False)
            info.blocks.append(TextBlock([line], number, kind="table",
                                         meta={"markdown": t.markdown, "rows": t.rows,
                                               "columns": t.columns}))
            if strategy == "text":
                info.blocks[-1].meta["table_strategy"] = "text"
    return info


_ENDS_IN_PAGE_NUMBER = re.compile(r"(?:^|\s)(?:\d{1,3}|[ivxlcdm]{1,6})$", re.I)
UNRULED_MIN_ROWS = 3  # lines with cell gaps on a page before unruled tables are looked for
UNRULED_MIN_SHARE = 0.25  # ... and their share of the page's lines


def _unruled_tables(page: Any, page_dict: dict[str, Any], blocks: list[TextBlock],
                    gapped: int) -> list[Any]:
    """Tables without rules (`find_text_tables`), searched only on pages where many lines
    have cell gaps, and only in the box around those lines: the text strategy costs
    50-500 ms a page and finds tables in any two columns of prose."""
    lines = [ln for b in blocks for ln in b.lines]
    if gapped < UNRULED_MIN_SHARE * len(lines):
        return []
    gapped_lines = [ln for ln in lines if ln.wide_gaps]
    if sum(1 for ln in gapped_lines if _ENDS_IN_PAGE_NUMBER.search(ln.text)) \
            >= 0.7 * len(gapped_lines):
        return []  # entries and page numbers: a table of contents, read as text
    rows = [ln.bbox for ln in gapped_lines]  # and the cells beside them:
    boxes = [ln.bbox for ln in lines
             if any(r[1] <= (ln.bbox[1] + ln.bbox[3]) / 2 <= r[3] for r in rows)]
    clip = (min(b[0] for b in boxes) - 2, min(b[1] for b in boxes) - 2,
            max(b[2] for b in boxes) + 2, max(b[3] for b in boxes) + 2)
    return find_text_tables(page, page_dict, clip)


def _repair(textpage: Any, page_dict: dict[str, Any], info: _Page,
            report: Any) -> tuple[dict[str, Any], Any]:
    """Repair the page's glyphs (`loaders.pdf.repair`) and keep whichever of the raw and
    repaired layers measures better (`loaders.pdf.choose`); a garbled page remembers its
    best layer for the comparison with OCR. Returns the page dict and garble report kept."""
    repaired, stats = repair_page(textpage.extractRAWDICT())
    if not stats.changed:
        info.layer = ("text", page_dict, info.text) if report.garbled else None
        return page_dict, report
    text = _span_text(repaired)
    language = detect_language(text)
    scores = {"text": quality(info.text, language), "repaired": quality(text, language)}
    route = pick(scores)
    what = (f"{stats.describe()}; raw {scores['text'].describe()}, "
            f"repaired {scores['repaired'].describe()}")
    if route == "text":
        info.route_reason = f"repair scored no better: {what}"
        info.layer = ("text", page_dict, info.text) if report.garbled else None
        return page_dict, report
    info.text, info.route, info.route_reason = text, "repaired", what
    repaired_report = garble_report(text)
    info.layer = ("repaired", repaired, text) if repaired_report.garbled else None
    return repaired, repaired_report


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
    info.status, info.route = "ocr", "ocr"
    why = "; ".join(info.reasons) or "no text layer (image-only page)"
    if info.layer is None:
        info.route_reason = why
        return
    route, layer_dict, layer_text = info.layer
    ocr_text = " ".join(b.text for b in info.blocks)
    judge = detect_language(ocr_text) or language
    layer_q, ocr_q = quality(layer_text, judge), quality(ocr_text, judge)
    if layer_q.score > ocr_q.score:  # OCR read worse than the layer it was to replace
        info.blocks = page_blocks(layer_dict, info.number)
        info.status, info.route = "text", route
        info.route_reason = (f"text layer garbled ({why}) but OCR scored lower: layer "
                             f"{layer_q.describe()}, OCR {ocr_q.describe()}")
    else:
        info.route_reason = (f"text layer garbled ({why}); OCR {ocr_q.describe()}, layer "
                             f"{layer_q.describe()}")


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
    _mark_routes(pages)
    with paused_gc():
        blocks = _structure(pages)
    status = {p.number: p.status for p in pages}
    routes: dict[str, int] = {}
    for p in pages:
        if p.blocks:
            routes[p.route] = routes.get(p.route, 0) + 1
    parsed = Parsed(
        blocks=blocks,
        title=_title(doc, blocks),
        metadata={"pages": doc.page_count,
                  "ocr_pages": [n for n, s in status.items() if s == "ocr"],
                  "garbled_pages": [p.number for p in pages if p.reasons],
                  "page_routes": routes,
                  "repaired_pages": [p.number for p in pages
                                     if p.route == "repaired" and p.blocks],
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


def _mark_routes(pages: list[_Page]) -> None:
    """Every block says how its page's text was obtained and why (`text_route`,
    `text_route_reason` in its metadata)."""
    for page in pages:
        for b in page.blocks:
            b.meta["text_route"], b.meta["text_route_reason"] = page.route, page.route_reason


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
        script = p.ocr_script or (garbled_script(p.text) if p.status == "garbled" else None)
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
