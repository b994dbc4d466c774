"""PDF loading on generated PDFs in every language, on broken PDFs, and on the real PDFs
in ../shared/pdfs (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

import loaders
from indexer.harness.measure.loaders import char_accuracy
from loaders import BlockKind, LoadError, samples
from loaders import ocr as ocr_module
from tests.paths import SHARED

pymupdf = pytest.importorskip("pymupdf")

SHARED_PDFS = SHARED / "pdfs"
LANGS = sorted(samples.SAMPLES)

needs_fonts = pytest.mark.skipif(
    not samples.fonts_available(), reason="Noto fonts not installed (apt install fonts-noto-core)")
needs_ocr = pytest.mark.skipif(not ocr_module.available(),
                               reason="Tesseract language data not installed (tesseract-ocr-*)")


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _shared(name: str) -> Path:
    path = SHARED_PDFS / name
    if not path.is_file():
        pytest.skip(f"{path} not present (../shared/pdfs beside the repository)")
    return path


@needs_fonts
@pytest.mark.parametrize("lang", LANGS)
def test_text_layer_in_every_language(tmp_path, lang) -> None:
    heading, first, second = samples.SAMPLES[lang]
    doc = loaders.load(_write(tmp_path, f"{lang}.pdf", samples.text_layer_pdf(lang, pages=3)),
                       root=tmp_path)
    assert doc.id == f"{lang}.pdf" and doc.language == lang and doc.metadata["pages"] == 3
    assert [b.kind for b in doc.blocks] == [BlockKind.HEADING, BlockKind.PARAGRAPH,
                                            BlockKind.PARAGRAPH] * 3
    assert [b.text for b in doc.blocks[:3]] == [heading, first, second]
    assert doc.title == heading
    for b in doc.blocks:
        assert b.page in (1, 2, 3) and b.bbox is not None and b.language == lang
    assert doc.blocks[1].section == [heading] and doc.blocks[0].level == 1
    assert "Health Education Series" not in doc.text  # running header
    assert not any(b.text.strip().isdigit() for b in doc.blocks)  # page numbers


@needs_fonts
@pytest.mark.parametrize("lang", ["en", "hi", "ta", "id"])
def test_two_columns_read_column_by_column(tmp_path, lang) -> None:
    heading, first, second = samples.SAMPLES[lang]
    doc = loaders.load(_write(tmp_path, "two.pdf", samples.two_column_pdf(lang)))
    assert [b.text for b in doc.blocks] == [heading, first, second]
    left, right = doc.blocks[1].bbox, doc.blocks[2].bbox
    assert left[2] < right[0]  # really side by side


@needs_fonts
def test_ruled_table_becomes_one_markdown_block(tmp_path) -> None:
    doc = loaders.load(_write(tmp_path, "table.pdf", samples.table_pdf()))
    kinds = [b.kind for b in doc.blocks]
    assert kinds == [BlockKind.PARAGRAPH, BlockKind.TABLE, BlockKind.PARAGRAPH]
    table = doc.blocks[1]
    assert table.text == ("| Sign | What to do |\n|---|---|\n"
                          "| Fever or cold body | Go to the clinic today |\n"
                          "| Poor feeding | Ask the health worker |\n"
                          "| Fast breathing | Go to hospital now |")
    assert table.metadata["rows"] == 4 and table.metadata["columns"] == 2
    assert "Poor feeding" not in doc.blocks[0].text + doc.blocks[2].text


def _lines_pdf(lines: list[tuple[str, float, bool]]) -> bytes:
    """Lines (text, size, bold) set one under another in Helvetica."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    y = 60.0
    for text, size, bold in lines:
        if text == "":
            y += 14
            continue
        y += size * 1.3
        page.insert_text((60, y), text, fontsize=size, fontname="hebo" if bold else "helv")
    return doc.tobytes()


def test_headings_lists_captions_hyphenation(tmp_path) -> None:
    data = _lines_pdf([
        ("Caring for a newborn", 20, True), ("", 0, False),
        ("Warmth", 14, True),
        ("A newborn loses heat quickly, so keep the baby warm and dry. The treat-", 10, False),
        ("ment of hypothermia starts with skin-to-skin contact with the mother.", 10, False),
        ("", 0, False),
        ("\u2022 Dry the baby at once", 10, False),
        ("\u2022 Cover the head with a cap", 10, False), ("", 0, False),
        ("Figure 1. Skin-to-skin contact after birth", 9, False), ("", 0, False),
        ("Feeding", 14, True),
        ("Breastfeed within the first hour after birth and as often as the baby wants.", 10,
         False),
    ])
    doc = loaders.load(_write(tmp_path, "lists.pdf", data))
    got = [(b.kind, b.text, b.level, b.section) for b in doc.blocks]
    title = "Caring for a newborn"
    assert got == [
        (BlockKind.HEADING, title, 1, []),
        (BlockKind.HEADING, "Warmth", 2, [title]),
        (BlockKind.PARAGRAPH, "A newborn loses heat quickly, so keep the baby warm and dry. The "
         "treatment of hypothermia starts with skin-to-skin contact with the mother.", None,
         [title, "Warmth"]),
        (BlockKind.LIST_ITEM, "Dry the baby at once", None, [title, "Warmth"]),
        (BlockKind.LIST_ITEM, "Cover the head with a cap", None, [title, "Warmth"]),
        (BlockKind.CAPTION, "Figure 1. Skin-to-skin contact after birth", None,
         [title, "Warmth"]),
        (BlockKind.HEADING, "Feeding", 2, [title]),
        (BlockKind.PARAGRAPH, "Breastfeed within the first hour after birth and as often as "
         "the baby wants.", None, [title, "Feeding"]),
    ]


@needs_fonts
def test_ligature_glyphs_are_expanded(tmp_path) -> None:
    """A text layer that maps ligature glyphs to U+FB00-FB06 (LaTeX and InDesign PDFs do)
    reads as plain letters: "ﬁrst" would never match "first" in BM25 or a query."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_font(fontname="ns", fontfile=str(samples.font_file("en")))
    page.insert_text((72, 100), "The \ufb01rst \ufb02oor of the o\ufb03ce: a\ufb00ect",
                     fontname="ns", fontsize=12)
    assert "\ufb01" in pymupdf.open(stream=doc.tobytes())[0].get_text()  # raw layer keeps it
    loaded = loaders.load(_write(tmp_path, "ligatures.pdf", doc.tobytes()))
    assert [b.text for b in loaded.blocks] == ["The first floor of the office: affect"]


def test_corrupt_pdf(tmp_path) -> None:
    path = _write(tmp_path, "broken.pdf", b"%PDF-1.7\n1 0 obj <</Type /Catalog" + b"\x00" * 50)
    with pytest.raises(LoadError, match="broken.pdf: corrupt or not a PDF"):
        loaders.load(path)


def test_not_a_pdf_at_all(tmp_path) -> None:
    with pytest.raises(LoadError, match="corrupt or not a PDF"):
        loaders.load(_write(tmp_path, "fake.pdf", b"<html>not a pdf</html>"))


def test_encrypted_pdf(tmp_path) -> None:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "secret")
    data = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="user", owner_pw="own")
    with pytest.raises(LoadError, match="locked.pdf: encrypted PDF: it needs a password"):
        loaders.load(_write(tmp_path, "locked.pdf", data))


def test_owner_password_only_still_loads(tmp_path) -> None:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Wash your hands with soap and water.")
    data = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="owner",
                       permissions=0)
    loaded = loaders.load(_write(tmp_path, "restricted.pdf", data))
    assert loaded.text == "Wash your hands with soap and water."
    assert loaded.metadata["encrypted"]


def test_blank_pdf(tmp_path) -> None:
    doc = pymupdf.open()
    doc.new_page()
    with pytest.raises(LoadError, match="blank.pdf: no text found"):
        loaders.load(_write(tmp_path, "blank.pdf", doc.tobytes()))


@needs_fonts
def test_image_only_pdf_without_ocr(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(ocr_module, "available", lambda: False)
    path = _write(tmp_path, "scan.pdf", samples.scanned_pdf("en"))
    with pytest.raises(LoadError, match="scan.pdf: no usable text layer .* OCR is not available"):
        loaders.load(path)
    mixed = _write(tmp_path, "mixed.pdf", samples.scanned_pdf("en", with_text_page=True))
    doc = loaders.load(mixed)  # the text page loads; the scanned page is reported
    assert any("page 2: needs OCR" in w for w in doc.metadata["warnings"])
    assert {b.page for b in doc.blocks} == {1}


@needs_fonts
def test_image_only_pdf_over_the_ocr_page_limit_says_so(tmp_path, monkeypatch) -> None:
    """OCR installed but skipped by the page limit: the error must not claim OCR ran."""
    monkeypatch.setenv("LOADERS_MAX_OCR_PAGES", "0")
    path = _write(tmp_path, "scan.pdf", samples.scanned_pdf("en"))
    with pytest.raises(LoadError, match="scan.pdf: no usable text layer and OCR was skipped "
                       r"\(more than 0 pages"):
        loaders.load(path)


@needs_fonts
def test_garbled_layer_without_ocr_is_dropped_with_warning(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(ocr_module, "available", lambda: False)
    with pytest.raises(LoadError, match="garbled"):
        loaders.load(_write(tmp_path, "hi.pdf", samples.shaped_pdf("hi")))


@needs_fonts
@needs_ocr
@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_scanned_page_is_ocred_in_its_language(tmp_path, lang) -> None:
    """One small scanned page per language, after a text page in the same language: the
    OCR language comes from the document."""
    sentence = samples.SAMPLES[lang][1].split(". ")[0].split("। ")[0]
    doc = loaders.load(_write(tmp_path, f"{lang}.pdf",
                              samples.scanned_pdf(lang, with_text_page=True)))
    assert doc.metadata["ocr_pages"] == [2]
    ocr_text = " ".join(b.text for b in doc.blocks if b.page == 2)
    floor = 0.9 if lang in ("en", "id", "hi", "mr", "ne") else 0.7  # conjuncts: see measure
    assert char_accuracy(sentence, ocr_text) >= floor, ocr_text
    assert all(b.language == lang for b in doc.blocks if b.page == 2)


@needs_fonts
@needs_ocr
@pytest.mark.slow
def test_garbled_bengali_layer_is_replaced_by_ocr(tmp_path) -> None:
    sentence = samples.SAMPLES["bn"][1].split("। ")[0]
    doc = loaders.load(_write(tmp_path, "bn.pdf", samples.shaped_pdf("bn", [sentence])))
    assert doc.metadata["garbled_pages"] == [1] and doc.metadata["ocr_pages"] == [1]
    assert doc.blocks[0].metadata["ocr"].startswith("ben")
    assert char_accuracy(sentence, doc.text) >= 0.75 and doc.language == "bn"


@needs_fonts
@needs_ocr
@pytest.mark.slow
def test_image_only_page_script_is_probed(tmp_path) -> None:
    sentence = samples.SAMPLES["hi"][2].split("। ")[0]
    doc = loaders.load(_write(tmp_path, "scan.pdf", samples.scanned_pdf("hi", [sentence])))
    assert doc.language == "hi" and char_accuracy(sentence, doc.text) >= 0.85


def test_real_who_guideline() -> None:
    doc = loaders.load(_shared("WHO_recommendations_diabetes_in_pregnancy.pdf"))
    assert doc.metadata["pages"] == 76 and doc.language == "en"
    assert doc.title.startswith("WHO recommendations")
    tables = [b for b in doc.blocks if b.kind == BlockKind.TABLE]
    ruled = [t for t in tables if "table_strategy" not in t.metadata]
    assert len(ruled) >= 4
    assert ("| Sumaiya ADAMS | Obstetrics, gynaecology, content expert, and end-user |"
            in ruled[0].text)
    unruled = [t for t in tables if t.metadata.get("table_strategy") == "text"]
    assert [t.page for t in unruled] == [9, 10]  # the abbreviations, set without rules
    assert "| CGM | continuous glucose monitoring |" in unruled[0].text
    assert sum(b.kind == BlockKind.HEADING for b in doc.blocks) > 30
    assert all(b.page and b.bbox for b in doc.blocks)
    assert not doc.metadata["ocr_pages"] and "(cid:" not in doc.text


def test_real_nih_checklist_lists() -> None:
    doc = loaders.load(_shared("NIH_disease-prevention-checklist.pdf"))
    items = [b.text for b in doc.blocks if b.kind == BlockKind.LIST_ITEM]
    assert "Wash your hands with soap and water." in items
    assert ("What’s my chance of dying of the condition with and without a screening?"
            in items)  # a wrapped item, joined
    assert doc.title == "Disease Prevention Checklist"


@needs_ocr
@pytest.mark.slow
def test_real_bengali_poster_is_ocred() -> None:
    doc = loaders.load(_shared("CDC_HearHer_Warning-Signs-Poster_Bengali.pdf"))
    assert doc.metadata["garbled_pages"] == [1] and doc.metadata["ocr_pages"] == [1]
    assert doc.language == "bn"
    assert "মাথাব্যথা" in doc.text  # "headache", in logical order
