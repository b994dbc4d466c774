"""The one table of the project's languages and scripts: ISO 639-1 code, name, Unicode
script (with its ISO 15924 code and blocks) and Tesseract model.

Every other map (script → languages, language → OCR model, BM25's script profiles, fusion's
cross-script rule) is derived from these two tables, so adding a language is one line here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Script:
    name: str  # Unicode script name, as `loaders.script` reports it
    iso15924: str
    ranges: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1
    name: str
    script: str
    tesseract: str


# Indic blocks beyond the nine languages' scripts are listed so that, say, Odia text is
# recognized as Odia (no supported language) rather than ignored.
SCRIPTS: tuple[Script, ...] = (
    Script("Devanagari", "Deva", ((0x0900, 0x097F), (0xA8E0, 0xA8FF))),
    Script("Bengali", "Beng", ((0x0980, 0x09FF),)),
    Script("Gurmukhi", "Guru", ((0x0A00, 0x0A7F),)),
    Script("Gujarati", "Gujr", ((0x0A80, 0x0AFF),)),
    Script("Oriya", "Orya", ((0x0B00, 0x0B7F),)),
    Script("Tamil", "Taml", ((0x0B80, 0x0BFF),)),
    Script("Telugu", "Telu", ((0x0C00, 0x0C7F),)),
    Script("Kannada", "Knda", ((0x0C80, 0x0CFF),)),
    Script("Malayalam", "Mlym", ((0x0D00, 0x0D7F),)),
    Script("Sinhala", "Sinh", ((0x0D80, 0x0DFF),)),
    Script("Latin", "Latn", ((0x0041, 0x005A), (0x0061, 0x007A), (0x00C0, 0x00D6),
                             (0x00D8, 0x00F6), (0x00F8, 0x024F))),
)

LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", "Latin", "eng"),
    Language("hi", "Hindi", "Devanagari", "hin"),
    Language("bn", "Bengali", "Bengali", "ben"),
    Language("mr", "Marathi", "Devanagari", "mar"),
    Language("ta", "Tamil", "Tamil", "tam"),
    Language("te", "Telugu", "Telugu", "tel"),
    Language("kn", "Kannada", "Kannada", "kan"),
    Language("ne", "Nepali", "Devanagari", "nep"),
    Language("id", "Indonesian", "Latin", "ind"),
)

CODES: tuple[str, ...] = tuple(lang.code for lang in LANGUAGES)
LANGUAGE_SCRIPT: dict[str, str] = {lang.code: lang.script for lang in LANGUAGES}
LANGUAGE_TESSERACT: dict[str, str] = {lang.code: lang.tesseract for lang in LANGUAGES}
SCRIPT_LANGUAGES: dict[str, tuple[str, ...]] = {
    s.name: tuple(lang.code for lang in LANGUAGES if lang.script == s.name)
    for s in SCRIPTS if any(lang.script == s.name for lang in LANGUAGES)}
# A non-Latin script that belongs to one language only among the nine.
SCRIPT_LANGUAGE: dict[str, str] = {s: codes[0] for s, codes in SCRIPT_LANGUAGES.items()
                                   if len(codes) == 1 and s != "Latin"}
# The OCR model for a script whose language is not known yet: its first language's.
SCRIPT_TESSERACT: dict[str, str] = {s: LANGUAGE_TESSERACT[codes[0]]
                                    for s, codes in SCRIPT_LANGUAGES.items()}
ISO15924: dict[str, str] = {s.name: s.iso15924 for s in SCRIPTS}
