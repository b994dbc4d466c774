"""Language identification on the project's labelled set, and per-block assignment."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from loaders.language import BACKENDS, LANGUAGES, assign_languages, detect_language
from tests.paths import DATA

LANGID = DATA / "loaders" / "langid"


def _rows() -> list[dict]:
    return [json.loads(line) for f in sorted(LANGID.glob("*.jsonl"))
            for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_labelled_set_shape() -> None:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    texts = set()
    for row in _rows():
        counts[(row["lang"], row["length"])] += 1
        texts.add(row["text"])
    for lang in LANGUAGES:
        assert counts[(lang, "short")] >= 30 and counts[(lang, "long")] >= 30, lang
    assert len(texts) == sum(counts.values())  # no duplicates


@pytest.mark.parametrize("backend", BACKENDS)
def test_accuracy_on_labelled_set(backend) -> None:
    hits: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in _rows():
        key = (row["lang"], row["length"])
        hits[key][0] += detect_language(row["text"], backend=backend) == row["lang"]
        hits[key][1] += 1
    for (lang, length), (ok, n) in hits.items():
        floor = 0.9 if length == "short" else 0.97
        assert ok / n >= floor, (backend, lang, length, ok, n)


def test_script_decides_unambiguous_languages() -> None:
    assert detect_language("শিশুকে বুকের দুধ খাওয়ান") == "bn"
    assert detect_language("தாய்ப்பால் கொடுங்கள்") == "ta"
    assert detect_language("తల్లి పాలు") == "te"
    assert detect_language("ಎದೆಹಾಲು") == "kn"
    assert detect_language("12345 — !") is None
    assert detect_language("ਪੰਜਾਬੀ") is None  # a script none of the nine languages uses


def test_devanagari_confusions() -> None:
    assert detect_language("पीने का पानी उबालकर पिएँ और खाना ढककर रखें।") == "hi"
    assert detect_language("पिण्याचे पाणी उकळून प्या आणि अन्न झाकून ठेवा.") == "mr"
    assert detect_language("खानेपानी उमालेर पिउनुहोस् र खाना छोपेर राख्नुहोस्।") == "ne"


def test_langdetect_is_deterministic() -> None:
    text = "Cuci tangan"
    assert len({detect_language(text, backend="langdetect") for _ in range(5)}) == 1


def test_bilingual_blocks_get_their_own_language() -> None:
    texts = ["हाथ धोना", "Hand washing",
             "साबुन और पानी से कम से कम बीस सेकंड तक हाथ धोएँ।",
             "Wash your hands with soap and water for at least twenty seconds.",
             "उपचार", "Cuci tangan dengan sabun dan air mengalir."]
    assert assign_languages(texts) == ["hi", "en", "hi", "en", "hi", "id"]


def test_short_blocks_follow_the_document() -> None:
    texts = ["उपचार", "पाणी उकळून प्या आणि अन्न झाकून ठेवा. रोज हात धुवा.",
             "आहार", "बाळाला उबदार आणि कोरडे ठेवा."]
    assert assign_languages(texts) == ["mr"] * 4


def test_unknown_backend() -> None:
    with pytest.raises(ValueError, match="unknown language-id backend"):
        detect_language("hello world", backend="nope")
