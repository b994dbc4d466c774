"""Shared loading steps: ids, errors naming the file, discovery, JSON round trip."""

from __future__ import annotations

import subprocess
import sys

import pytest

import loaders
from loaders import Document, LoadError, UnsupportedFormat
from tests.paths import ROOT


def test_public_api() -> None:
    for name in ("Document", "Block", "BlockKind", "BBox", "LoadError", "UnsupportedFormat",
                 "load", "load_all", "discover", "document_id", "detect_language",
                 "LANGUAGES", "normalize_text", "supported_extensions"):
        assert hasattr(loaders, name), name
    exts = loaders.supported_extensions()
    for ext in (".pdf", ".docx", ".pptx", ".html", ".md", ".txt", ".yaml", ".json", ".csv"):
        assert ext in exts


def test_import_is_light() -> None:
    code = ("import sys, loaders; heavy = [m for m in ('pymupdf', 'fitz', 'unstructured', "
            "'spacy', 'py3langid', 'langdetect', 'yaml') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_unknown_format_is_unsupported(tmp_path) -> None:
    f = tmp_path / "photo.jpeg"
    f.write_bytes(b"\xff\xd8\xff")
    with pytest.raises(UnsupportedFormat, match="photo.jpeg: unsupported file type '.jpeg'"):
        loaders.load(f)


@pytest.mark.parametrize("name", ["empty.pdf", "empty.txt", "empty.docx", "empty.md"])
def test_zero_byte_files(tmp_path, name) -> None:
    f = tmp_path / name
    f.write_bytes(b"")
    with pytest.raises(LoadError, match=f"{name}: empty file"):
        loaders.load(f)


def test_missing_file(tmp_path) -> None:
    with pytest.raises(LoadError, match="no such file"):
        loaders.load(tmp_path / "nope.txt")


def test_huge_file_refused_before_reading(tmp_path, monkeypatch) -> None:
    f = tmp_path / "big.txt"
    f.write_text("word " * 100, encoding="utf-8")
    monkeypatch.setenv("LOADERS_MAX_BYTES", "100")
    with pytest.raises(LoadError, match="file too large"):
        loaders.load(f)


def test_whitespace_only_text(tmp_path) -> None:
    f = tmp_path / "blank.txt"
    f.write_text(" \n\n \t\n", encoding="utf-8")
    with pytest.raises(LoadError, match="no text found"):
        loaders.load(f)


def test_document_id_and_round_trip(tmp_path) -> None:
    (tmp_path / "sub").mkdir()
    f = tmp_path / "sub" / "note.txt"
    f.write_text("Hand washing\n\nWash your hands with soap and water.", encoding="utf-8")
    doc = loaders.load(f, root=tmp_path)
    assert doc.id == "sub/note.txt"
    assert len(doc.checksum) == 64 and doc.source == str(f.resolve())
    again = Document.from_json(doc.to_json())
    assert again == doc
    assert loaders.load_all(f, root=tmp_path)[0] == doc


def test_discover(tmp_path) -> None:
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text("x")
    (tmp_path / "b.txt").write_text("b")
    (tmp_path / "a.md").write_text("a")
    found = [(p.name, r) for p, r in loaders.discover([tmp_path])]
    assert found == [("a.md", tmp_path), ("b.txt", tmp_path)]
    with pytest.raises(LoadError, match="no such file or directory"):
        list(loaders.discover([tmp_path / "missing"]))
