"""Mutators: from a valid seed, a damaged, hostile or absurd variant.

Byte-level mutations (flips, cuts, splices) find parser crashes; format-aware ones reach
deeper: an office file stays a valid zip while one XML part inside is damaged, a PDF keeps
its syntax while a number becomes absurd, a text file gets another encoding or a nesting
depth no author writes. Every mutator is a function of (random, bytes) → bytes, so a
campaign is reproducible from its seed.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections.abc import Callable

Mutator = Callable[[random.Random, bytes], bytes]

_INTERESTING_NUMBERS = [b"0", b"-1", b"1", b"2147483647", b"4294967296", b"-2147483648",
                        b"999999999999", b"1e308", b"NaN", b"0.0000001", b"65535", b"256"]
_PDF_TOKENS = [b"obj", b"endobj", b"stream\n", b"endstream", b"xref", b"trailer", b"<<",
               b">>", b"[", b"]", b"/Type /Page", b"/Kids [3 0 R 3 0 R]", b"/Count 99999999",
               b"/Length 99999999", b"/Filter /FlateDecode", b"/Filter /JBIG2Decode",
               b"/Width 100000 /Height 100000", b"/Parent 3 0 R", b"9999 0 R",
               b"/MediaBox [0 0 14400 14400]", b"/Encrypt 1 0 R", b"(\\", b"%%EOF"]
_TEXT_INSERTS = ["\x00", "\ufeff", "\u202e", "\u0301" * 50, "\ud7ff", "\U0001f600" * 10,
                 "\r", "\r\n", "\t" * 100, "#" * 9 + " x\n", "> " * 500 + "deep\n",
                 "- " * 300 + "item\n", "|a|b|\n|-|-|\n" * 50, "```\n", "<script>x</script>",
                 "&#0;", "&nbsp;" * 20, "<" * 100, "]]>", "\u0915\u094d" * 200,
                 "९८७६५४३२१०", "a" * 10000, "\n" * 1000]
_XML_INSERTS = [b"<w:p>" * 2000, b"</w:body>", b"<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\">"
                b"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;"
                b"&b;&b;&b;&b;&b;\">]>", b"&c;", b"<w:t>" + b"x" * 5000 + b"</w:t>",
                b"\xff\xfe", b"<?xml version='1.1'?>", b"<a:t>\x00</a:t>", b"<![CDATA[",
                b"<w:tbl><w:tr><w:tc>" * 200]


def flip_bits(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, max(1, len(buf) // 500 + 1))):
        if buf:
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
    return bytes(buf)


def random_bytes(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        if buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    return bytes(buf)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(len(data))] if data else data


def delete_range(rng: random.Random, data: bytes) -> bytes:
    if len(data) < 2:
        return data
    a = rng.randrange(len(data))
    b = min(len(data), a + rng.randint(1, max(1, len(data) // 8)))
    return data[:a] + data[b:]


def duplicate_range(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    a = rng.randrange(len(data))
    piece = data[a:a + rng.randint(1, 2000)]
    at = rng.randrange(len(data))
    return data[:at] + piece * rng.randint(1, 50) + data[at:]


def insert_junk(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    return data[:at] + junk + data[at:]


def swap_numbers(rng: random.Random, data: bytes) -> bytes:
    """Replace a few numbers with boundary values (lengths, counts, offsets)."""
    spans = [m.span() for m in re.finditer(rb"-?\d+", data[:200_000])]
    if not spans:
        return data
    out = data
    for a, b in sorted(rng.sample(spans, min(len(spans), rng.randint(1, 5))), reverse=True):
        out = out[:a] + rng.choice(_INTERESTING_NUMBERS) + out[b:]
    return out


BYTE_MUTATORS: list[Mutator] = [flip_bits, random_bytes, truncate, delete_range,
                                duplicate_range, insert_junk, swap_numbers]


def pdf_tokens(rng: random.Random, data: bytes) -> bytes:
    out = data
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(out) + 1)
        out = out[:at] + b" " + rng.choice(_PDF_TOKENS) + b" " + out[at:]
    return out


def pdf_drop_xref(rng: random.Random, data: bytes) -> bytes:
    """Break the cross-reference table or trailer so MuPDF has to repair the file."""
    for token in (b"xref", b"startxref", b"trailer", b"/Root"):
        if rng.random() < 0.5:
            data = data.replace(token, b"x" * len(token), 1)
    return data


def pdf_uncompressed_streams(rng: random.Random, data: bytes) -> bytes:
    """Expand object streams so the byte mutators reach content and dictionaries."""
    import pymupdf

    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
        if doc.needs_pass:
            return data
        plain = doc.tobytes(expand=255, no_new_id=True)
    except Exception:  # noqa: BLE001 - the seed may be the encrypted one
        return data
    return rng.choice(BYTE_MUTATORS + [pdf_tokens])(rng, plain)


def zip_member(rng: random.Random, data: bytes) -> bytes:
    """Keep the zip valid; damage one member (usually an XML part) inside it."""
    try:
        zin = zipfile.ZipFile(io.BytesIO(data))
        members = [(i, zin.read(i)) for i in zin.infolist()]
    except Exception:  # noqa: BLE001 - already broken: mutate the bytes instead
        return flip_bits(rng, data)
    xml = [k for k, (i, _) in enumerate(members) if i.filename.endswith(".xml")] or [0]
    k = rng.choice(xml)
    info, body = members[k]
    if rng.random() < 0.5:
        at = rng.randrange(len(body) + 1)
        body = body[:at] + rng.choice(_XML_INSERTS) + body[at:]
    else:
        body = rng.choice(BYTE_MUTATORS)(rng, body)
    if rng.random() < 0.1:  # drop a member entirely
        members.pop(rng.randrange(len(members)))
        k = -1
    else:
        members[k] = (info, body)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for i, b in members:
            zout.writestr(i.filename, b)
    return out.getvalue()


def text_edit(rng: random.Random, data: bytes) -> bytes:
    """Text-aware: odd code points, deep nesting, huge lines, re-encoding."""
    text = data.decode("utf-8", "replace")
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text) + 1)
        text = text[:at] + rng.choice(_TEXT_INSERTS) + text[at:]
    choice = rng.random()
    if choice < 0.1:
        return text.encode("utf-16")
    if choice < 0.2:
        return text.encode("latin-1", "replace")
    if choice < 0.25:
        return text.encode("utf-8", "surrogatepass")
    if choice < 0.3:
        return b"\xef\xbb\xbf" + text.encode("utf-8", "replace")
    if choice < 0.35:
        return text.encode("utf-8", "replace") + bytes([0xC3, 0x28, 0xA0, 0xA1, 0xFF])
    return text.encode("utf-8", "replace")


def structured_edit(rng: random.Random, data: bytes) -> bytes:
    """YAML/JSON/CSV curricula: wrong types, deep nesting, anchors, missing fields."""
    text = data.decode("utf-8", "replace")
    edits = [
        lambda t: t.replace("steps:", "steps: 5", 1),
        lambda t: t.replace("lessons:", "lessons: {a: b}", 1),
        lambda t: t.replace("id:", "id: [1, 2]", 1),
        lambda t: "[" * 5000 + "]" * 5000,
        lambda t: "a: &a [" + "*a, " * 10 + "]\n" + t,
        lambda t: "a: &a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, "
                  "*b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n",
        lambda t: t.replace(",", ",,", rng.randint(1, 20)),
        lambda t: t.replace("\n", "\n\"", 1),
        lambda t: t.replace("course", "c\u0301ourse", 1),
        lambda t: "\ufeff" + t,
        lambda t: t * rng.randint(2, 30),
        lambda t: "!!python/object/apply:os.system ['true']\n" + t,
        lambda t: "{" + t[:1000] + "",
        lambda t: t.replace(": ", ": null #", rng.randint(1, 5)),
    ]
    return rng.choice(edits)(text).encode("utf-8", "replace")


FORMAT_MUTATORS: dict[str, list[Mutator]] = {
    "pdf": BYTE_MUTATORS + [pdf_tokens, pdf_tokens, pdf_drop_xref, pdf_uncompressed_streams,
                            pdf_uncompressed_streams],
    "docx": BYTE_MUTATORS + [zip_member] * 6,
    "pptx": BYTE_MUTATORS + [zip_member] * 6,
    "html": BYTE_MUTATORS + [text_edit] * 4,
    "md": BYTE_MUTATORS + [text_edit] * 4,
    "txt": BYTE_MUTATORS + [text_edit] * 3,
    "yaml": BYTE_MUTATORS + [text_edit, structured_edit, structured_edit, structured_edit],
    "json": BYTE_MUTATORS + [text_edit, structured_edit, structured_edit],
    "csv": BYTE_MUTATORS + [text_edit, structured_edit, structured_edit],
}


def mutate(rng: random.Random, fmt: str, seed: bytes, rounds: int | None = None) -> bytes:
    """One to three stacked mutations of a seed."""
    data = seed
    for _ in range(rounds or rng.choice((1, 1, 1, 2, 3))):
        data = rng.choice(FORMAT_MUTATORS[fmt])(rng, data)
    return data
