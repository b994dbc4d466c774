"""Personal data in health content: find it (to flag a file) or replace it (before chunking).

Health-education material should hold no patient data, but forms, case studies and scanned
registers leak it: phone numbers, e-mail addresses, Aadhaar and PAN numbers, and labelled
patient names or dates of birth. Patterns are deliberately narrow, because guideline text is
full of numbers ("1 litre", "20 seconds", vaccination dates, ISBN 978-92-4-...): a phone
must have a mobile/international shape, Aadhaar must pass its Verhoeff checksum, a name or
date of birth must follow a label ("Patient name:", "मरीज़ का नाम", "DOB", "जन्म तिथि").

Findings carry kind and offsets only; callers report counts, never the matched text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

KINDS = ("email", "phone", "aadhaar", "pan", "name", "dob")
MODES = ("off", "flag", "redact")
PLACEHOLDER = {"email": "[EMAIL]", "phone": "[PHONE]", "aadhaar": "[AADHAAR]", "pan": "[PAN]",
               "name": "[NAME]", "dob": "[DOB]"}


@dataclass(frozen=True, order=True)
class Finding:
    start: int
    end: int
    kind: str


def _digit_map() -> dict[int, str]:
    """Every Unicode decimal digit (Devanagari ९, Bengali ৯, ...) to its ASCII digit: one
    code point for one, so offsets in the mapped text are offsets in the original."""
    table: dict[int, str] = {}
    for cp in range(0x0660, 0x1BB9 + 1):
        ch = chr(cp)
        if unicodedata.category(ch) == "Nd":
            table[cp] = str(unicodedata.decimal(ch))
    for cp in range(0xFF10, 0xFF1A):  # full-width digits
        table[cp] = str(cp - 0xFF10)
    return table


_DIGITS = _digit_map()
_SEP = r"[ \u00a0.\-]?"
# Not glued to other digits or to a reference's dotted/slashed/hyphenated parts.
_PRE = r"(?<![0-9A-Za-z])(?<![0-9][./\-])(?<![0-9][./\-] )"
_POST = r"(?![0-9A-Za-z])(?![./\-][0-9])"

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9]"
                    r"(?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
                    r"[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-])", re.ASCII)
_PHONES = [
    # India: +91 / 0 / 91 then a 10-digit mobile starting 6-9, as 10, 5-5 or 3-3-4 digits.
    re.compile(_PRE + r"(?:(?:\+|00)91[ \-]?|0)?(?:[6-9][0-9]{9}|[6-9][0-9]{4}[ \-][0-9]{5}"
               r"|[6-9][0-9]{2}[ \-][0-9]{3}[ \-][0-9]{4})" + _POST, re.ASCII),
    # Indonesia: +62 8xx or 08xx, 9-12 digits after the country/trunk prefix, grouped or not.
    re.compile(_PRE + r"(?:(?:\+|00)62[ \-]?|0)8[1-9][0-9]{1,2}(?:[ \-]?[0-9]{3,4}){2}"
               r"(?:[ \-]?[0-9]{1,4})?" + _POST, re.ASCII),
    # India, landline: 0 + STD code (2-4 digits) + subscriber number, 11 digits in all,
    # written with separators (a bare 11-digit run is more often a reference number).
    re.compile(_PRE + r"0[1-9][0-9]{1,3}[ \-][0-9]{3,4}[ \-]?[0-9]{4}" + _POST, re.ASCII),
    # Nepal: +977 then mobile (97/98 + 8) or area code + number.
    re.compile(_PRE + r"(?:\+|00)977[ \-]?(?:9[78][0-9]{8}|[0-9]{1,2}[ \-]?[0-9]{6,8})" + _POST,
               re.ASCII),
    # Generic international: +CC and 7-14 more digits in groups (E.164 allows 15 in all).
    re.compile(_PRE + r"\+[1-9][0-9]{0,3}(?:[ \-.]?\(?[0-9]{1,5}\)?){2,6}" + _POST, re.ASCII),
]
_AADHAAR = re.compile(_PRE + r"[2-9][0-9]{3}([ \-]?)[0-9]{4}\1[0-9]{4}" + _POST, re.ASCII)
# PAN: 5 letters (4th = holder type), 4 digits, 1 letter.
_PAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{3}[ABCFGHJLPT][A-Z][0-9]{4}[A-Z](?![A-Za-z0-9])")

_NUKTA_JA = r"(?:ज़|ज\u093c|ज)"
_NAME_LABEL = (
    r"(?:(?i:patient(?:'s|s)?\s+(?:full\s+)?name|name\s+of\s+(?:the\s+)?patient)"
    rf"|मरी{_NUKTA_JA}\s+का\s+नाम|रोगी\s+का\s+नाम|मरी{_NUKTA_JA}\s+का\s+पूरा\s+नाम)"
)
# A name: 1-4 words, each starting with a capital (Latin) or a letter of another script;
# form labels that often follow on the same line end it.
_FIELD = r"(?:Age|Sex|Gender|DOB|Date|Address|Phone|Mobile|Village|Ward|Bed|ID|Reg|UHID)\b"
_WORD = r"(?:[A-Z]|[^\W\d_A-Za-z])[\w\u0900-\u0dff'.]*"
_NAME = re.compile(
    _NAME_LABEL + r"[ \t]*(?:[:：\-–—]|\bis\b)[ \t]*"
    rf"(?P<v>(?:(?:Mr|Mrs|Ms|Smt|Shri|Sri|Dr)\.?[ \t]+)?(?!{_FIELD}){_WORD}"
    rf"(?:[ \t]+(?!{_FIELD}){_WORD}){{0,3}})")
_MONTHS = (r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
           r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DATE = (r"(?:[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-](?:[0-9]{4}|[0-9]{2})"
         r"|[0-9]{4}[/.\-][0-9]{1,2}[/.\-][0-9]{1,2}"
         rf"|[0-9]{{1,2}}(?:st|nd|rd|th)?[ \-]{_MONTHS}\.?,?[ \-][0-9]{{4}}"
         rf"|{_MONTHS}\.?[ \-][0-9]{{1,2}}(?:st|nd|rd|th)?,?[ \-][0-9]{{4}})")
_DOB = re.compile(
    r"(?:\b(?i:d\.?o\.?b\b\.?|date\s+of\s+birth|birth\s*date)"
    r"|जन्म\s*(?:तिथि|तिथी|दिनांक|की\s+तारीख|की\s+तिथि|तारीख))"
    r"[ \t]*(?:\([^)\n]{0,20}\))?[ \t]*(?:[:：\-–—])?[ \t]*(?P<v>" + _DATE + r")(?![0-9])")

_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6), (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4), (9, 8, 7, 6, 5, 4, 3, 2, 1, 0))
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2), (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8))


def verhoeff_valid(digits: str) -> bool:
    """The Verhoeff check Aadhaar numbers carry in their last digit (catches every single
    typo and adjacent swap, so random 12-digit numbers pass only 1 time in 10)."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _VERHOEFF_D[c][_VERHOEFF_P[i % 8][int(ch)]]
    return c == 0


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


def _phone_ok(s: str) -> bool:
    digits = _digits(s)
    if digits.startswith("0") and not s.startswith("00"):  # trunk-prefixed national number
        return len(digits) in (10, 11, 12, 13)
    return 9 <= len(digits) <= 15


# What every match of a group needs, found in one pass (most text lacks it, and the index
# card scans every document: at a million documents the full scan took minutes, issue 17).
_NON_ASCII_DIGIT = re.compile(r"(?![0-9])\d")  # \d is Unicode: every Nd, as _DIGITS maps
_AT = re.compile("@")  # in every e-mail address
_ASCII_DIGIT = re.compile(r"[0-9]")  # Aadhaar, PAN, phones and dates all hold digits
_LABEL_WORD = re.compile(r"(?i:name)|नाम")  # in every _NAME_LABEL, matched as _NAME does


def _candidates(text: str) -> Iterable[Finding]:
    mapped = text.translate(_DIGITS) if _NON_ASCII_DIGIT.search(text) else text
    if _AT.search(mapped):
        for m in _EMAIL.finditer(mapped):
            yield Finding(m.start(), m.end(), "email")
    if _LABEL_WORD.search(mapped):
        yield from _labelled(mapped, _NAME, "name")
    if _ASCII_DIGIT.search(mapped):
        yield from _numbers(mapped)
        yield from _labelled(mapped, _DOB, "dob")


def _labelled(mapped: str, pattern: re.Pattern[str], kind: str) -> Iterable[Finding]:
    """The value after a label ("Patient name:", "DOB"); a blank form field is no name."""
    for m in pattern.finditer(mapped):
        value = m.group("v").rstrip(" .'")
        if kind == "name" and _blank_or_label(value):
            continue
        yield Finding(m.start("v"), m.start("v") + len(value), kind)


def _numbers(mapped: str) -> Iterable[Finding]:
    for m in _AADHAAR.finditer(mapped):
        if verhoeff_valid(_digits(m.group())):
            yield Finding(m.start(), m.end(), "aadhaar")
    for m in _PAN.finditer(mapped):
        yield Finding(m.start(), m.end(), "pan")
    for pattern in _PHONES:
        for m in pattern.finditer(mapped):
            if _phone_ok(m.group()):
                yield Finding(m.start(), m.end(), "phone")


_NOT_NAMES = re.compile(r"(?i)^(?:name|age|sex|gender|address|date|dob|n/?a|none|unknown"
                        r"|patient|the|a|an|and|or|of|with|should|must|can|is)\b")


def _blank_or_label(value: str) -> bool:
    """Form templates ("Patient name: ____", "Patient name: Age:") hold no name."""
    return len(value) < 2 or bool(_NOT_NAMES.match(value))


_PRIORITY = {"aadhaar": 0, "pan": 0, "email": 1, "dob": 2, "name": 2, "phone": 3}


def scan(text: str) -> list[Finding]:
    """Non-overlapping findings in text order; where two overlap, the more specific kind
    (Aadhaar over phone) and then the longer match wins."""
    found = sorted(_candidates(text),
                   key=lambda f: (_PRIORITY[f.kind], -(f.end - f.start), f.start))
    kept: list[Finding] = []
    for f in found:
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept)


def redact(text: str, findings: Iterable[Finding]) -> str:
    """`text` with each finding replaced by its placeholder ("[PHONE]")."""
    out: list[str] = []
    pos = 0
    for f in sorted(findings):
        if f.start < pos:
            continue
        out.append(text[pos:f.start])
        out.append(PLACEHOLDER[f.kind])
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


def count_by_kind(findings: Iterable[Finding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    return counts
