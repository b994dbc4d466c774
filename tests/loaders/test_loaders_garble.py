"""Garble detection: its own function, judged on clean, broken and real text layers."""

from __future__ import annotations

import pytest

from loaders.garble import garble_report, garbled_script, is_garbled
from loaders.samples import SAMPLES
from tests.paths import SHARED

SHARED_PDFS = SHARED / "pdfs"


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_clean_text_is_not_garbled(lang) -> None:
    heading, first, second = SAMPLES[lang]
    report = garble_report(f"{heading}\n{first}\n{second}")
    assert not report.garbled, report
    assert report.score == 0


def test_cid_runs() -> None:
    text = "Wash (cid:72)(cid:68)(cid:81)(cid:71) hands " + "(cid:12)(cid:45) " * 10
    assert garble_report(text).signals["cid"] == 24
    assert is_garbled(text)
    clean = "Wash your hands with soap and water before meals. " * 30
    assert not is_garbled("A footnote marker (cid:3)(cid:4). " + clean)


def test_replacement_characters() -> None:
    assert is_garbled("Wash \ufffd\ufffd hands \ufffdwith \ufffd soap " * 3)
    assert not is_garbled("One \ufffd here. " + "A clean sentence about washing hands. " * 10)


def test_private_use_glyph_codes() -> None:
    assert is_garbled("\ue001\ue002\ue003 \ue004\ue005 \ue006\ue007 hands")


def test_bengali_visual_order() -> None:
    # e-kar and i-kar stored before their consonant, as the CDC poster's text layer has it
    visual = "এখন গভৰ্বতী আেছন বা গত বছেরর মেধ্য গভৰ্বতী হেয়েছন? আপনার যিদ িনিলিখত েকােনা"
    report = garble_report(visual)
    assert report.garbled and report.signals["visual_order"] >= 3
    assert garbled_script(visual) == "Bengali"
    logical = "এখন গর্ভবতী আছেন বা গত বছরের মধ্যে গর্ভবতী হয়েছেন? আপনার যদি নিম্নলিখিত কোনো"
    assert not is_garbled(logical)


def test_devanagari_orphan_signs_and_mixed_scripts() -> None:
    assert is_garbled("िकताब ुसमय ेदखें ्रोग ाबच्चे")  # signs with no base consonant
    assert is_garbled("बāचे को ȟध पə लाएँ Ěतनपान से ĚवĚथ रहता")  # Latin letters inside words
    assert not is_garbled("COVID-19 से बचाव: मास्क पहनें और हाथ धोएँ।")


def test_impossible_sequences() -> None:
    report = garble_report("काे किे कुू कं्ष अंा " * 2)
    assert report.signals["impossible_sequence"] >= 3


@pytest.mark.parametrize("lang", ["hi", "bn", "ta", "te", "kn"])
def test_harfbuzz_shaped_layers_are_garbled(lang) -> None:
    """PyMuPDF's insert_htmlbox shapes Indic text correctly but its text layer maps
    glyphs back wrongly: exactly the damage real PDFs show."""
    pymupdf = pytest.importorskip("pymupdf")
    from loaders.samples import fonts_available, shaped_pdf

    if not fonts_available([lang]):
        pytest.skip("Noto fonts not installed (apt-get install fonts-noto-core)")
    doc = pymupdf.open(stream=shaped_pdf(lang, [SAMPLES[lang][1]]))
    assert is_garbled(doc[0].get_text()), doc[0].get_text()


def test_real_bengali_poster_layer_is_garbled() -> None:
    pdf = SHARED_PDFS / "CDC_HearHer_Warning-Signs-Poster_Bengali.pdf"
    if not pdf.is_file():
        pytest.skip(f"{pdf} not present (../shared/pdfs beside the repository)")
    pymupdf = pytest.importorskip("pymupdf")
    report = garble_report(pymupdf.open(pdf)[0].get_text())
    assert report.garbled and report.signals["visual_order"] > 20


def test_real_english_pdfs_are_clean() -> None:
    names = ["CDC_HearHer_urgent-warning-signs_English.pdf", "NIH_disease-prevention-checklist.pdf",
             "HRPS_2025_sanitary_napkin_Odisha_CC-BY.pdf"]
    if not all((SHARED_PDFS / n).is_file() for n in names):
        pytest.skip(f"{SHARED_PDFS} not present")
    pymupdf = pytest.importorskip("pymupdf")
    for name in names:
        for page in pymupdf.open(SHARED_PDFS / name):
            assert not is_garbled(page.get_text()), (name, page.number)
