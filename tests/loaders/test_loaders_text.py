"""Plain text and Markdown: decoding policy, light parsers, normalization."""

from __future__ import annotations

import pytest

import loaders
from loaders import BlockKind, LoadError
from loaders.markdown import parse_markdown
from loaders.normalize import normalize_text
from loaders.text import DecodeError, decode


def test_decode_utf8_and_boms() -> None:
    assert decode("नमस्ते".encode()) == ("नमस्ते", "utf-8")
    assert decode(b"\xef\xbb\xbfhello")[0] == "hello"
    assert decode("স্বাস্থ্য".encode("utf-16"))[0] == "স্বাস্থ্য"  # BOM written by the codec
    assert decode("x".encode("utf-32"))[0] == "x"


def test_decode_latin1_falls_back_to_cp1252() -> None:
    text, encoding = decode("Café crème, 20 °C".encode("latin-1"))
    assert text == "Café crème, 20 °C" and encoding == "cp1252"


def test_decode_refuses_binary() -> None:
    with pytest.raises(DecodeError, match="NUL"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")


def test_latin1_txt_loads_with_warning(tmp_path) -> None:
    f = tmp_path / "old.txt"
    f.write_bytes("Santé\n\nLavez-vous les mains à l'eau et au savon.".encode("latin-1"))
    doc = loaders.load(f)
    assert "Lavez-vous les mains à l'eau" in doc.text
    assert doc.metadata["encoding"] == "cp1252"
    assert any("Windows-1252" in w for w in doc.metadata["warnings"])


def test_utf16_txt_with_bom(tmp_path) -> None:
    f = tmp_path / "hi.txt"
    f.write_bytes("स्वास्थ्य\n\nसाबुन और पानी से हाथ धोएँ।".encode("utf-16"))
    doc = loaders.load(f)
    assert doc.blocks[0].kind == BlockKind.HEADING and doc.blocks[0].text == "स्वास्थ्य"
    assert doc.blocks[1].language == "hi" and doc.language == "hi"


def test_binary_txt_is_a_clear_error(tmp_path) -> None:
    f = tmp_path / "bin.txt"
    f.write_bytes(b"\x00\x01\x02\xff\xfe\x00garbage")
    with pytest.raises(LoadError, match="bin.txt: .*NUL"):
        loaders.load(f)


def test_normalize_nfc_spaces_and_joiners() -> None:
    assert normalize_text("e\u0301  a\u00a0b\u200b") == "é a b"
    assert normalize_text("क्\u200dष") == "क्\u200dष"  # ZWJ inside a word: kept
    assert normalize_text("மாதம்\u200c வரை") == "மாதம் வரை"  # at a word's end: dropped
    assert normalize_text("  a\r\n\r\n b ") == "a\n\nb"
    # Latin ligatures (OCR emits them) as letters; other compatibility forms stay
    assert normalize_text("\ufb01rst a\ufb00ect o\ufb03ce \ufb02oor") == "first affect office floor"
    assert normalize_text("x² ½ ＡＢ") == "x² ½ ＡＢ"


MD = """---
title: front matter is skipped
---
# Newborn care

Keep the baby **warm** and [dry](http://example.org).
Second line.

## Danger signs
- Fever or a cold body
  that does not pass
- Poor feeding

| Sign | Action |
|---|---|
| Fever  high | Go to the clinic |
| Fast breathing | Go now \\| today |

```python
x = 1
    y = 2
```

Setext heading
--------------
> A quoted line.
"""


def test_markdown_structure() -> None:
    blocks = parse_markdown(MD)
    kinds = [b.kind for b in blocks]
    assert kinds == [BlockKind.HEADING, BlockKind.PARAGRAPH, BlockKind.HEADING,
                     BlockKind.LIST_ITEM, BlockKind.LIST_ITEM, BlockKind.TABLE,
                     BlockKind.CODE, BlockKind.HEADING, BlockKind.PARAGRAPH]
    assert blocks[1].text == "Keep the baby warm and dry. Second line."
    assert blocks[3].text == "Fever or a cold body that does not pass"
    assert blocks[3].section == ["Newborn care", "Danger signs"]
    table = blocks[5]
    assert table.text.splitlines()[0] == "| Sign | Action |"
    assert "| Fast breathing | Go now \\| today |" in table.text
    assert table.metadata == {"rows": 3, "columns": 2}
    assert blocks[6].text == "x = 1\n    y = 2" and blocks[6].metadata["code_language"] == "python"
    assert blocks[7].level == 2 and blocks[8].section == ["Newborn care", "Setext heading"]


def test_markdown_file_loads(tmp_path) -> None:
    f = tmp_path / "a.md"
    f.write_text(MD, encoding="utf-8")
    doc = loaders.load(f, root=tmp_path)
    assert doc.id == "a.md" and doc.title == "Newborn care" and doc.language == "en"


@pytest.mark.parametrize(("data", "words"), [
    ("हाथ साबुन से धोएँ।".encode("utf-16-le"), "UTF-16 without a byte-order mark"),
    ("Wash your hands.".encode("utf-16-be"), "UTF-16 without a byte-order mark"),
    (b"%PDF\x00\x01\x02" + bytes(range(256)), "binary data"),
    (b"valid UTF-8 text, then one NUL \x00 and more valid text after it, " * 2,
     "binary data"),  # valid UTF-8, still refused
])
def test_nul_bytes_are_refused_before_utf8_is_tried(data: bytes, words: str) -> None:
    with pytest.raises(DecodeError, match=words):
        decode(data)
