"""DOCX, PPTX and HTML through unstructured, built here with python-docx/python-pptx."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

import loaders
from loaders import BlockKind, LoadError

docx = pytest.importorskip("docx")
pptx = pytest.importorskip("pptx")
pytest.importorskip("unstructured")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any connection attempt (telemetry, model download) fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[:1]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _docx(path: Path) -> Path:
    d = docx.Document()
    d.add_heading("Newborn care", level=1)
    d.add_paragraph("Keep the baby warm and dry. Wash your hands before touching the baby.")
    d.add_heading("Danger signs", level=2)
    d.add_paragraph("Poor feeding", style="List Bullet")
    d.add_paragraph("Fast breathing", style="List Bullet")
    d.add_paragraph("नवजात शिशु को गर्म रखें। बच्चे को छूने से पहले हाथ धोएँ।")
    table = d.add_table(rows=3, cols=2)
    for i, row in enumerate([("Sign", "Action"), ("Fever", "Go to the clinic"),
                             ("Cold body", "Warm the baby skin to skin")]):
        for j, text in enumerate(row):
            table.cell(i, j).text = text
    d.save(path)
    return path


def test_docx(tmp_path) -> None:
    doc = loaders.load(_docx(tmp_path / "care.docx"), root=tmp_path)
    got = [(b.kind, b.text, b.level, b.section, b.language) for b in doc.blocks]
    assert got[:6] == [
        (BlockKind.HEADING, "Newborn care", 1, [], "en"),
        (BlockKind.PARAGRAPH, "Keep the baby warm and dry. Wash your hands before touching the "
         "baby.", None, ["Newborn care"], "en"),
        (BlockKind.HEADING, "Danger signs", 2, ["Newborn care"], "en"),
        (BlockKind.LIST_ITEM, "Poor feeding", None, ["Newborn care", "Danger signs"], "en"),
        (BlockKind.LIST_ITEM, "Fast breathing", None, ["Newborn care", "Danger signs"], "en"),
        (BlockKind.PARAGRAPH, "नवजात शिशु को गर्म रखें। बच्चे को छूने से पहले हाथ धोएँ।", None,
         ["Newborn care", "Danger signs"], "hi"),
    ]
    table = doc.blocks[6]
    assert table.kind == BlockKind.TABLE
    assert table.text == ("| Sign | Action |\n|---|---|\n| Fever | Go to the clinic |\n"
                          "| Cold body | Warm the baby skin to skin |")
    assert doc.title == "Newborn care" and doc.language == "en" and doc.id == "care.docx"


def test_pptx(tmp_path) -> None:
    deck = pptx.Presentation()
    for title, lines in [("Hand washing", ["Wet your hands with clean water",
                                           "Rub with soap for 20 seconds"]),
                         ("हाथ धोना", ["साबुन से बीस सेकंड तक हाथ रगड़ें"])]:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        frame = slide.placeholders[1].text_frame
        frame.text = lines[0]
        for line in lines[1:]:
            frame.add_paragraph().text = line
    path = tmp_path / "deck.pptx"
    deck.save(path)
    doc = loaders.load(path)
    got = [(b.kind, b.text, b.page, b.language) for b in doc.blocks]
    assert got == [
        (BlockKind.HEADING, "Hand washing", 1, "en"),
        (BlockKind.PARAGRAPH, "Wet your hands with clean water", 1, "en"),
        (BlockKind.PARAGRAPH, "Rub with soap for 20 seconds", 1, "en"),
        (BlockKind.HEADING, "हाथ धोना", 2, "hi"),
        (BlockKind.PARAGRAPH, "साबुन से बीस सेकंड तक हाथ रगड़ें", 2, "hi"),
    ]
    assert doc.blocks[1].section == ["Hand washing"]


def test_html(tmp_path) -> None:
    path = tmp_path / "dengue.html"
    path.write_text(
        "<html><head><meta charset='utf-8'><title>x</title></head><body>"
        "<h1>Dengue</h1><p>Empty standing water every week.</p>"
        "<ul><li>Use nets</li><li>Wear long sleeves</li></ul>"
        "<h2>Weekly tasks</h2><table><tr><th>Day</th><th>Task</th></tr>"
        "<tr><td>Mon</td><td>Empty the coolers</td></tr></table>"
        "<p>ডেঙ্গু জমে থাকা পরিষ্কার পানিতে জন্মানো মশার মাধ্যমে ছড়ায়।</p></body></html>",
        encoding="utf-8")
    doc = loaders.load(path)
    got = [(b.kind, b.text, b.section) for b in doc.blocks]
    assert got[:4] == [(BlockKind.HEADING, "Dengue", []),
                       (BlockKind.PARAGRAPH, "Empty standing water every week.", ["Dengue"]),
                       (BlockKind.LIST_ITEM, "Use nets", ["Dengue"]),
                       (BlockKind.LIST_ITEM, "Wear long sleeves", ["Dengue"])]
    table = next(b for b in doc.blocks if b.kind == BlockKind.TABLE)
    assert table.text == "| Day | Task |\n|---|---|\n| Mon | Empty the coolers |"
    assert table.section == ["Dengue", "Weekly tasks"]
    assert doc.blocks[-1].language == "bn"


@pytest.mark.parametrize("name", ["bad.docx", "bad.pptx"])
def test_corrupt_office_files(tmp_path, name) -> None:
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive" * 10)
    with pytest.raises(LoadError, match=f"{name}: corrupt or unreadable"):
        loaders.load(path)


def test_unstructured_is_offline(tmp_path) -> None:
    import os

    from loaders import unstructured_offline

    loaders.load(_docx(tmp_path / "a.docx"))
    assert os.environ["DO_NOT_TRACK"] and os.environ["SCARF_NO_ANALYTICS"]
    from unstructured.nlp import tokenize

    nlp = tokenize._get_nlp()
    assert nlp.pipe_names == ["sentencizer"] and nlp.lang == "xx"
    assert [s.text for s in tokenize._process("एक। दो।").sents] == ["एक।", "दो।"]
    assert unstructured_offline.blank_pipeline().pipe_names == ["sentencizer"]
