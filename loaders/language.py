"""Language of a text among the nine supported ones.

Script decides where it is unambiguous (Bengali, Tamil, Telugu, Kannada). Devanagari is
shared by Hindi, Marathi and Nepali, and Latin by English and Indonesian: there, frequent
function words decide. The loaders issue may swap the statistical part for a measured one.
"""

from __future__ import annotations

import re

from loaders.script import SCRIPT_LANGUAGE, dominant_script

LANGUAGES = ("en", "hi", "bn", "mr", "ta", "te", "kn", "ne", "id")

_WORD = re.compile(r"[\w\u0900-\u0DFF]+")

# Frequent function words that separate languages sharing a script.
_MARKERS: dict[str, frozenset[str]] = {
    "hi": frozenset("है हैं और के की को में से का पर यह वह नहीं भी लिए होता करें".split()),
    "mr": frozenset("आहे आहेत आणि च्या ला मध्ये हे ते नाही करा किंवा साठी व होते".split()),
    "ne": frozenset("छ छन् र को मा गर्नुहोस् हुन्छ यो पनि लागि गर्नु भएको छैन".split()),
    "en": frozenset("the and of to is in for with a your it be are on or".split()),
    "id": frozenset("dan yang di untuk dengan ini itu tidak ke dari pada atau adalah anak".split()),
}

_SCRIPT_CANDIDATES = {"Devanagari": ("hi", "mr", "ne"), "Latin": ("en", "id")}


def detect_language(text: str) -> str | None:
    """Best guess among LANGUAGES, or None when the text has no letters of a known script."""
    script = dominant_script(text)
    if script is None:
        return None
    if script in SCRIPT_LANGUAGE:
        return SCRIPT_LANGUAGE[script]
    candidates = _SCRIPT_CANDIDATES[script]
    words = _WORD.findall(text.lower())
    scores = {lang: sum(w in _MARKERS[lang] for w in words) for lang in candidates}
    best = max(candidates, key=lambda lang: (scores[lang], -candidates.index(lang)))
    return best
