"""Broken Indic PDFs, built the way real ones break, for the repair tests and measurements.

- `duplicate_pdf`: every dependent vowel sign, and every fifth consonant, drawn twice at
  one origin, written into the content stream as glyph ids (a zero-width sign simply
  repeats; a glyph with an advance repeats after a kern that takes the advance back), as
  InDesign did with Mangal.
- `visual_pdf`: pre-base vowel signs stored before their consonant cluster (repha after
  it), as text layers made from glyph order have them (the CDC Bengali poster).
- `legacy_pdf`: a Devanagari page whose text layer is Kruti Dev's Latin letters ("gkFk
  /kksuk" for "हाथ धोना") under a rendering of the real text, with the font named
  KrutiDev010 or, for the glyph-statistics case, a neutral name.

Fonts are Debian's Noto (`loaders.samples.font_file`); the text is `loaders.samples`'.
"""

from __future__ import annotations

import re
from typing import Any

from loaders import samples
from loaders.syllable import CONSONANT, JOINER, NUKTA, PREBASE, RA, SIGN, VIRAMA, role

# Split vowels as (pre-base half, other half), the way glyph order stores them.
_DECOMPOSE = {"\u09cb": ("\u09c7", "\u09be"), "\u09cc": ("\u09c7", "\u09d7"),
              "\u0bca": ("\u0bc6", "\u0bbe"), "\u0bcb": ("\u0bc7", "\u0bbe"),
              "\u0bcc": ("\u0bc6", "\u0bd7"), "\u0b4b": ("\u0b47", "\u0b3e"),
              "\u0d4a": ("\u0d46", "\u0d3e"), "\u0d4b": ("\u0d47", "\u0d3e")}

# The first sentence of the Hindi sample (`samples.SAMPLES["hi"][1]`) in Kruti Dev 010's
# encoding: what such a PDF's text layer holds.
KRUTI_DEV_TEXT = "gkFk /kksuk laØe.k ls cpus dk lcls vljnkj rjhdk gS"
HINDI_TEXT = "हाथ धोना संक्रमण से बचने का सबसे असरदार तरीका है"

# Scripts whose pre-base sign precedes the whole conjunct (not Tamil's).
_TAMIL = range(0x0B80, 0x0C00)
PREBASE_LANGS = ("hi", "mr", "ne", "bn", "ta")  # the nine languages' scripts with such signs
INDIC_LANGS = ("hi", "mr", "ne", "bn", "ta", "te", "kn")


def _repha_after(text: str) -> str:
    """Each repha (ra + virama before a consonant) moved after the cluster it sits on."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if (ch in RA and i + 2 < n and role(text[i + 1]) == VIRAMA
                and role(text[i + 2]) == CONSONANT and ord(ch) not in _TAMIL):
            j = i + 3
            while j < n and (role(text[j]) == NUKTA or (
                    role(text[j]) == VIRAMA and j + 1 < n and role(text[j + 1]) == CONSONANT)):
                j += 2 if role(text[j]) == VIRAMA else 1
            out += [*text[i + 2:j], ch, text[i + 1]]
            i = j
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def to_visual(text: str) -> str:
    """`text` with each pre-base vowel sign moved before its consonant cluster and each
    repha moved after its cluster: glyph order, as a broken text layer stores it."""
    text = _repha_after(text)
    out: list[str] = []
    start: int | None = None  # where in `out` the current consonant cluster begins
    for i, ch in enumerate(text):
        r = role(ch)
        if r == CONSONANT:
            trailing_repha = (ch in RA and text[i + 1:i + 2] and role(text[i + 1]) == VIRAMA
                              and not (text[i + 2:i + 3] and role(text[i + 2]) == CONSONANT))
            joined = (start is not None and out and ord(ch) not in _TAMIL
                      and (role(out[-1]) in (VIRAMA, JOINER) or trailing_repha))
            if not joined:
                start = len(out)
            out.append(ch)
            continue
        pre, rest = (ch, "") if ch in PREBASE else _DECOMPOSE.get(ch, ("", ""))
        if pre and start is not None:
            out[start:] = [pre, *out[start:]] + ([rest] if rest else [])
            start = None
            continue
        if r not in (NUKTA, VIRAMA, JOINER):
            start = None
        out.append(ch)
    return "".join(out)


def _lines(lang: str, texts: list[str], size: float, width: float) -> list[str]:
    import pymupdf

    font = pymupdf.Font(fontfile=str(samples.font_file(lang)))
    out: list[str] = []
    for text in texts:
        out += samples.wrap(text, font, size, width)
    return out


def _page_of_lines(lang: str, lines: list[str], size: float = 12) -> tuple[Any, Any]:
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    y = 60.0
    path = str(samples.font_file(lang))
    for line in lines:
        y += size * 1.5
        page.insert_text((50, y), line, fontsize=size, fontfile=path, fontname="F0")
    return doc, page


def default_texts(lang: str) -> list[str]:
    """The sample's heading and both paragraphs."""
    return list(samples.SAMPLES[lang])


def visual_pdf(lang: str, texts: list[str] | None = None) -> bytes:
    """The texts with pre-base signs in visual order in the text layer."""
    texts = texts or default_texts(lang)
    lines = _lines(lang, texts, 12, 495)
    doc, _ = _page_of_lines(lang, [to_visual(line) for line in lines])
    return doc.tobytes()


_TJ = re.compile(rb"\[<([0-9a-fA-F]+)>\]TJ")


def duplicate_pdf(lang: str, texts: list[str] | None = None, every_consonant: int = 5,
                  visual: bool = False) -> bytes:
    """The texts with each vowel sign and every `every_consonant`-th consonant drawn twice
    at the same origin, in the content stream; with `visual`, in visual order as well."""
    import pymupdf

    texts = texts or default_texts(lang)
    lines = _lines(lang, texts, 12, 495)
    if visual:
        lines = [to_visual(line) for line in lines]
    doc, page = _page_of_lines(lang, lines)
    font = pymupdf.Font(fontfile=str(samples.font_file(lang)))
    xrefs = page.get_contents()  # one content stream per insert_text call
    streams = {xref: doc.xref_stream(xref) for xref in xrefs}
    matches = [(xref, m) for xref in xrefs for m in _TJ.finditer(streams[xref])]
    if len(matches) != len(lines):
        raise RuntimeError(f"expected one TJ per line, found {len(matches)} for {len(lines)}")
    consonants = 0
    edited: dict[int, list[bytes]] = {xref: [] for xref in xrefs}
    ends: dict[int, int] = dict.fromkeys(xrefs, 0)
    for (xref, match), line in zip(matches, lines, strict=True):
        hexes = match.group(1).decode()
        gids = [hexes[i:i + 4] for i in range(0, len(hexes), 4)]
        if len(gids) != len(line):
            raise RuntimeError("one glyph per character expected (unshaped insert_text)")
        parts = []
        for gid, ch in zip(gids, line, strict=True):
            parts.append(f"<{gid}>")
            twice = role(ch) == SIGN
            if role(ch) == CONSONANT:
                consonants += 1
                twice = consonants % every_consonant == 0
            if twice:
                advance = round(font.glyph_advance(ord(ch)) * 1000, 3)
                parts.append(f"{advance:g} <{gid}>" if advance else f"<{gid}>")
        edited[xref] += [streams[xref][ends[xref]:match.start()],
                         f"[{' '.join(parts)}]TJ".encode()]
        ends[xref] = match.end()
    for xref in xrefs:
        doc.update_stream(xref, b"".join(edited[xref]) + streams[xref][ends[xref]:])
    return doc.tobytes()


def broken_pdfs() -> dict[tuple[str, str], bytes]:
    """(language, mechanism) -> PDF, for every script each mechanism applies to."""
    out = {}
    for lang in INDIC_LANGS:
        out[(lang, "duplicates")] = duplicate_pdf(lang)
    for lang in PREBASE_LANGS:
        out[(lang, "visual order")] = visual_pdf(lang)
        out[(lang, "both")] = duplicate_pdf(lang, visual=True)
    return out


def legacy_pdf(named: bool = True) -> bytes:
    """A Hindi page drawn as an image with an invisible Kruti Dev text layer over it, the
    font named KrutiDev010 (`named`) or something neutral (glyph statistics must tell)."""
    import pymupdf

    doc = pymupdf.open(stream=samples.scanned_pdf("hi", [HINDI_TEXT]))
    page = doc[0]
    name = "KrutiDev010" if named else "FontA"
    page.insert_text((30, 50), KRUTI_DEV_TEXT[:26], fontsize=13, fontname="helv",
                     render_mode=3)
    page.insert_text((30, 75), KRUTI_DEV_TEXT[27:], fontsize=13, fontname="helv",
                     render_mode=3)
    for xref, *_rest in page.get_fonts():
        if doc.xref_get_key(xref, "BaseFont")[1] == "/Helvetica":
            doc.xref_set_key(xref, "BaseFont", f"/{name}")
    return doc.tobytes()
