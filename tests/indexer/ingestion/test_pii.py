"""Personal data at ingest: what is found, what is not (health numbers), flag and redact."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.ingestion import pii
from indexer.ingestion.pipeline import FileResult, IngestReport, apply_pii
from loaders import Block, BlockKind, Document
from tests.paths import ROOT

POSITIVES = [
    ("Call +91 98765 43210 today", "phone", "+91 98765 43210"),
    ("Mobile 9876543210.", "phone", "9876543210"),
    ("Phone: +91-98765-43210", "phone", "+91-98765-43210"),
    ("Ring 987-654-3210 now", "phone", "987-654-3210"),
    ("Office 022 2345 6789", "phone", "022 2345 6789"),
    ("Hubungi 0812-3456-7890 segera", "phone", "0812-3456-7890"),
    ("WA +62 812 3456 7890", "phone", "+62 812 3456 7890"),
    ("Nepal +977 9841234567", "phone", "+977 9841234567"),
    ("Kathmandu +977-1-4412345", "phone", "+977-1-4412345"),
    ("US +1 (415) 555-0134", "phone", "+1 (415) 555-0134"),
    ("फ़ोन ९८७६५४३२१० पर", "phone", "९८७६५४३२१०"),
    ("write to asha.worker+1@gmail.com.", "email", "asha.worker+1@gmail.com"),
    ("Aadhaar 2341 2341 2346", "aadhaar", "2341 2341 2346"),
    ("UID 2341-2341-2346", "aadhaar", "2341-2341-2346"),
    ("PAN: ABCPE1234F", "pan", "ABCPE1234F"),
    ("Patient name: Sunita Devi Age: 32", "name", "Sunita Devi"),
    ("Name of the patient - Ramesh Kumar", "name", "Ramesh Kumar"),
    ("Patient's name: Smt. Lakshmi", "name", "Smt. Lakshmi"),
    ("मरीज़ का नाम: सुनीता देवी", "name", "सुनीता देवी"),
    ("मरीज का नाम: राम", "name", "राम"),
    ("रोगी का नाम: राम प्रसाद, उम्र 45", "name", "राम प्रसाद"),
    ("DOB: 12/03/1990", "dob", "12/03/1990"),
    ("D.O.B. 1990-03-12", "dob", "1990-03-12"),
    ("Date of birth (dd/mm/yyyy): 03.12.1990", "dob", "03.12.1990"),
    ("Date of Birth: 3 March 1990", "dob", "3 March 1990"),
    ("जन्म तिथि: १२/०३/१९९०", "dob", "१२/०३/१९९०"),
    ("जन्म की तारीख 12-03-2019", "dob", "12-03-2019"),
]

# Health content that looks numeric but is not personal: must give no finding.
NEGATIVES = [
    "Mix 1 litre of clean water with one packet of ORS.",
    "Wash your hands for at least 20 seconds, 5 times a day.",
    "Give 10 mg zinc daily for 10-14 days to children under 6 months.",
    "BCG at birth; OPV 0 on 12/03/2020; Penta-1 at 6 weeks, Penta-2 at 10 weeks.",
    "Vaccination due date: 15/08/2024. Next visit 2024-09-15.",
    "ISBN 978-92-4-154928-8 (print), ISBN 978-92-4-154929-5 (electronic).",
    "WHO/MCA/17.07; WHO reference number: WHO/RHR/18.02",
    "Blood pressure above 140/90 mmHg; fasting sugar 126 mg/dL; HbA1c 6.5%.",
    "Call the helpline 1800-180-1104 or 104, or the ambulance on 108.",
    "In 2019, 1 234 567 cases were reported in 2,345 districts.",
    "Keep the baby 2 hours skin to skin; feed 8-12 times in 24 hours.",
    "Tabel: 1.500.000 kasus pada tahun 2020; 3,5 juta anak.",
    "दिन में 2-3 बार, 500 मिलीग्राम, 12 सप्ताह तक।",
    "Patient name: ______  Date of birth: ________",
    "Patient name: Age: Sex:",
    "Write the patient name: this helps the clinic find the record.",
    "Date of birth is written on the card in the register.",
    "Section 12.3.4567 and page 9876",
    "Coordinates 28.6139, 77.2090; altitude 1400 m.",
    "Serial no. 123456789012 of the kit.",  # 12 digits failing Verhoeff
    "The ratio 1:1000 and the code A12345678B.",
]


@pytest.mark.parametrize(("text", "kind", "value"), POSITIVES)
def test_finds(text: str, kind: str, value: str) -> None:
    found = pii.scan(text)
    assert [(f.kind, text[f.start:f.end]) for f in found] == [(kind, value)]


@pytest.mark.parametrize("text", NEGATIVES)
def test_health_numbers_are_not_personal_data(text: str) -> None:
    assert pii.scan(text) == []


def test_verhoeff() -> None:
    assert pii.verhoeff_valid("2363") and not pii.verhoeff_valid("2364")
    assert pii.verhoeff_valid("234123412346")
    assert sum(pii.verhoeff_valid(f"23412341234{d}") for d in range(10)) == 1


def test_redact_keeps_the_label() -> None:
    text = "Patient name: Sunita Devi, DOB: 12/03/1990, ph 9876543210, mail a@b.org"
    assert pii.redact(text, pii.scan(text)) == \
        "Patient name: [NAME], DOB: [DOB], ph [PHONE], mail [EMAIL]"


def test_overlaps_resolve_to_the_specific_kind() -> None:
    text = "ID 2341 2341 2346"
    assert [f.kind for f in pii.scan(text)] == ["aadhaar"]


def test_sample_corpus_has_no_findings() -> None:
    """The bundled corpora are health education: any finding is a false positive."""
    files = [p for d in ("corpora/sample", "corpora/curricula") for p in
             sorted((ROOT / d).rglob("*")) if p.suffix in (".md", ".txt", ".csv", ".yaml")]
    assert len(files) >= 47
    found = {str(p.relative_to(ROOT)): pii.count_by_kind(pii.scan(p.read_text("utf-8")))
             for p in files}
    assert {k: v for k, v in found.items() if v} == {}


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_text, st.sampled_from([p[0] for p in POSITIVES] + NEGATIVES)),
                max_size=6))
def test_scan_and_redact_properties(parts: list[str]) -> None:
    text = " ".join(parts)
    found = pii.scan(text)
    assert found == sorted(found)
    for a, b in zip(found, found[1:], strict=False):
        assert a.end <= b.start
    assert all(0 <= f.start < f.end <= len(text) and f.kind in pii.KINDS for f in found)
    redacted = pii.redact(text, found)
    assert {f.kind for f in pii.scan(redacted)} <= {"name"}  # "[NAME]" may read as a name
    assert pii.redact(text, []) == text


_DEVANAGARI_DIGITS = "०१२३४५६७८९"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_text, st.sampled_from(
    [p[0] for p in POSITIVES] + NEGATIVES
    + [p[0].translate(str.maketrans("0123456789", _DEVANAGARI_DIGITS)) for p in POSITIVES])),
    max_size=6))
def test_prefilters_change_no_finding(parts: list[str]) -> None:
    """The cheap checks that skip a pattern group (no digit, no "@", no label word, no
    non-ASCII digit) find what the full scan of every pattern finds."""
    text = " ".join(parts)
    fast = pii.scan(text)
    always = re.compile("")
    saved = {n: getattr(pii, n) for n in ("_NON_ASCII_DIGIT", "_AT", "_ASCII_DIGIT",
                                           "_LABEL_WORD")}
    try:
        for name in saved:
            setattr(pii, name, always)
        full = pii.scan(text)
    finally:
        for name, value in saved.items():
            setattr(pii, name, value)
    assert fast == full


_health = st.builds(
    "{} {} {} {}".format,
    st.sampled_from(["Give", "Mix", "Wait", "Take", "Repeat", "दें", "Berikan"]),
    st.integers(0, 10**6).map(str),
    st.sampled_from(["ml", "mg", "litre", "seconds", "days", "weeks", "times", "मिलीग्राम"]),
    st.one_of(st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
              st.dates().map(lambda d: d.isoformat()), st.just("")))


@settings(max_examples=200, deadline=None)
@given(st.lists(_health, min_size=1, max_size=5))
def test_doses_and_schedule_dates_are_not_flagged(sentences: list[str]) -> None:
    assert pii.scan(". ".join(sentences)) == []


def _doc(tmp: Path) -> Document:
    source = tmp / "form.md"
    return Document(
        id="form.md", source=str(source), checksum="c" * 64, title="Patient name: Sunita Devi",
        blocks=[Block(BlockKind.HEADING, "Patient name: Sunita Devi", page=1),
                Block(BlockKind.PARAGRAPH, "Call 9876543210 or +91 98765 43210.", page=1,
                      section=["Patient name: Sunita Devi"]),
                Block(BlockKind.PARAGRAPH, "Wash hands for 20 seconds.", page=2),
                Block(BlockKind.PARAGRAPH, "Mail asha@example.org", page=3)])


def test_flag_reports_kinds_counts_places_never_values(tmp_path) -> None:
    doc = _doc(tmp_path)
    report = IngestReport(files=[FileResult(doc.source, "loaded", documents=1)],
                          pii_mode="flag")
    apply_pii([doc], report, redact=False)
    entries = {e["kind"]: e for e in report.files[0].pii}
    assert entries["phone"] == {"doc_id": "form.md", "kind": "phone", "count": 2,
                                "blocks": [1], "pages": [1]}
    assert entries["name"]["count"] == 1 and entries["email"]["pages"] == [3]
    assert report.pii_counts() == {"name": 1, "phone": 2, "email": 1}
    dumped = json.dumps(report.to_dict())
    for raw in ("9876543210", "98765", "Sunita", "asha@example.org"):
        assert raw not in dumped
    assert any(line.endswith("2 phone in form.md (blocks 1, pages 1)")
               for line in report.pii_lines())
    assert "9876543210" not in "".join(report.pii_lines())
    assert doc.blocks[1].text.startswith("Call 9876543210")  # flag leaves the text alone
    assert doc.checksum == "c" * 64


def test_redact_replaces_text_title_and_trail_and_changes_the_checksum(tmp_path) -> None:
    doc = _doc(tmp_path)
    report = IngestReport(files=[FileResult(doc.source, "loaded", documents=1)])
    apply_pii([doc], report, redact=True)
    assert doc.blocks[0].text == "Patient name: [NAME]"
    assert doc.blocks[1].text == "Call [PHONE] or [PHONE]."
    assert doc.blocks[1].section == ["Patient name: [NAME]"]
    assert doc.title == "Patient name: [NAME]"
    assert doc.blocks[2].text == "Wash hands for 20 seconds."
    assert doc.checksum != "c" * 64 and re.fullmatch(r"[0-9a-f]{64}", doc.checksum)
    assert doc.metadata["pii_redacted"] == {"name": 1, "phone": 2, "email": 1}


def test_redacted_values_never_reach_the_index(tmp_path) -> None:
    from indexer.index import Index
    from indexer.ingestion.pipeline import ingest
    from tests.fuzz.stub import StubEmbedder

    src = tmp_path / "src"
    src.mkdir()
    (src / "form.md").write_text("# Registration\n\nPatient name: Sunita Devi\n\n"
                                 "Call 9876543210 for the result. Wash hands often.\n",
                                 encoding="utf-8")
    index = Index.create(tmp_path / "index", embedder=StubEmbedder())
    report = ingest([src], tmp_path / "index", index=index, pii="redact")
    assert report.pii_counts() == {"name": 1, "phone": 1}
    texts = " ".join(h.text for h in index.search("result", k=5, mode="bm25"))
    assert "[PHONE]" in texts and "9876543210" not in texts
    for f in (tmp_path / "index").rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            assert b"9876543210" not in data and b"Sunita" not in data, f
    # Switching to flag re-indexes the original text (the checksum differs).
    again = ingest([src], tmp_path / "index", index=index, pii="flag")
    assert again.index.replaced == ["form.md"]


def test_unknown_mode_is_refused(tmp_path) -> None:
    from indexer.ingestion.pipeline import ingest

    with pytest.raises(ValueError, match="unknown PII mode"):
        ingest([tmp_path], tmp_path / "i", pii="mask")
