"""Plain text: decoding with a clear policy, and paragraphs from blank lines."""

from __future__ import annotations

import re
import unicodedata

from loaders.model import Block, BlockKind
from loaders.normalize import normalize_text

_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"),
         (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


class DecodeError(ValueError):
    """The bytes are not text in an encoding we accept; the message says why."""


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8, or UTF-16/32 by BOM, else Windows-1252 if it reads as text.

    Policy: UTF-8 is the norm. A file with a byte-order mark is decoded by it. Bytes that
    are not UTF-8 are tried as Windows-1252 (a superset of Latin-1's printable range, what
    legacy Windows editors write); that is accepted only when the result is ordinary
    printable text, and the caller records the fallback as a warning. NUL bytes without a
    BOM (UTF-16 without BOM, or a binary file) are an error rather than a guess.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec.replace("-sig", "")
            except UnicodeDecodeError as exc:
                raise DecodeError(f"invalid {codec} after its byte-order mark "
                                  f"({exc.reason} at byte {exc.start})") from None
    if b"\x00" in data:  # valid UTF-8, but never in text: check before trying UTF-8
        raise DecodeError(f"contains NUL bytes ({data.count(0)} of {len(data)}): "
                          + ("UTF-16 without a byte-order mark (save it as UTF-8)"
                             if _looks_utf16(data) else "binary data, not text"))
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = f"{exc.reason} at byte {exc.start}"
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise DecodeError(f"not valid UTF-8 ({utf8_error}) nor Windows-1252") from None
    odd = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if odd > max(2, len(text) // 100):
        raise DecodeError(f"not valid UTF-8 ({utf8_error}) and not plain text in "
                          "Windows-1252 either")
    return text, "cp1252"


def _looks_utf16(data: bytes) -> bool:
    """The bytes read as printable UTF-16 (LE or BE): a text file saved without its BOM.

    Its NULs (the high bytes of spaces, digits and Latin letters) sit on one side of each
    byte pair and are not rare; a stray NUL in UTF-8 text or binary data fails one or both.
    """
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if max(even, odd) < max(1, len(data) // 64) or min(even, odd) > max(even, odd) // 10:
        return False
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data[: len(data) // 2 * 2].decode(codec)
        except UnicodeDecodeError:
            continue
        odd = sum(1 for ch in text if unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs")
                  and ch not in "\n\r\t\f")
        if text.strip() and odd <= len(text) // 100:
            return True
    return False


def parse_text(text: str) -> list[Block]:
    """Paragraphs separated by blank lines; a short first line becomes the title heading."""
    paragraphs = [p for p in re.split(r"\n\s*\n", normalize_text(text)) if p.strip()]
    blocks: list[Block] = []
    section: list[str] = []
    for i, para in enumerate(paragraphs):
        para = " ".join(para.split("\n"))
        if i == 0 and len(paragraphs) > 1 and len(para) <= 120 and not para.endswith(
                (".", "।", "?", "!", ":", ";", ",")):
            blocks.append(Block(kind=BlockKind.HEADING, text=para, level=1))
            section = [para]
        else:
            blocks.append(Block(kind=BlockKind.PARAGRAPH, text=para, section=list(section)))
    return blocks
