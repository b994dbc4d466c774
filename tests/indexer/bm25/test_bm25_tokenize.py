"""Tokenizer: combining marks stay inside tokens, normalization, per-language processing."""

from __future__ import annotations

import unicodedata

import pytest

from indexer.bm25.config import BM25Params, TokenizerConfig
from indexer.bm25.tokenize import Tokenizer, get_tokenizer, tokenize

RAW = TokenizerConfig(stem=False, suffix_strip=False, stopwords=False)

SAMPLES = {
    "hi": ("बच्चे को दूध पिलाएं", ["बच्चे", "को", "दूध", "पिलाएं"]),
    "bn": ("শিশুকে বুকের দুধ খাওয়ান", ["শিশুকে", "বুকের", "দুধ", "খাওয়ান"]),
    "ta": ("குழந்தைக்கு தாய்ப்பால் கொடுங்கள்", ["குழந்தைக்கு", "தாய்ப்பால்", "கொடுங்கள்"]),
    "te": ("పిల్లలకు టీకాలు వేయించండి", ["పిల్లలకు", "టీకాలు", "వేయించండి"]),
    "kn": ("ಮಕ್ಕಳಿಗೆ ಲಸಿಕೆ ಹಾಕಿಸಿ", ["ಮಕ್ಕಳಿಗೆ", "ಲಸಿಕೆ", "ಹಾಕಿಸಿ"]),
    "mr": ("मुलांना लसीकरण करा, पाणी प्या.", ["मुलांना", "लसीकरण", "करा", "पाणी", "प्या"]),
    "ne": ("बच्चालाई खोप लगाउनुहोस्।", ["बच्चालाई", "खोप", "लगाउनुहोस्"]),
    "id": ("Anak-anak minum air bersih", ["anak", "anak", "minum", "air", "bersih"]),
    "en": ("Children drink CLEAN water", ["children", "drink", "clean", "water"]),
}


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_words_keep_combining_marks(lang: str) -> None:
    text, expected = SAMPLES[lang]
    assert tokenize(text, lang, RAW) == expected
    # Auto-detection gives the same tokens when nothing language-specific is switched on.
    assert tokenize(text, None, RAW) == expected


def test_hindi_default_tokens_keep_matras() -> None:
    tokens = tokenize("बच्चे को दूध पिलाएं", "hi")
    assert "को" not in tokens  # stopword
    assert "दूध" in tokens
    # Every token still carries its vowel signs/virama: none is a bare consonant fragment.
    assert all(len(t) >= 2 for t in tokens)
    assert any(unicodedata.category(ch) in ("Mn", "Mc") for t in tokens for ch in t)


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_nfd_input_gives_nfc_tokens(lang: str) -> None:
    text, _ = SAMPLES[lang]
    for config in (RAW, TokenizerConfig()):
        assert tokenize(unicodedata.normalize("NFD", text), lang, config) == tokenize(
            text, lang, config)


def test_nfd_devanagari_nukta_and_bengali() -> None:
    composed = "ज़रूरी डॉक्टर"  # precomposed ज़ (U+095B)
    decomposed = "ज\u093cरूरी डॉक्टर"
    for config in (RAW, TokenizerConfig()):
        assert tokenize(composed, "hi", config) == tokenize(decomposed, "hi", config)
    # Default folds the nukta: ज़रूरी and जरूरी are one word.
    assert tokenize("ज़रूरी", "hi") == tokenize("जरूरी", "hi")
    assert tokenize("য়", "bn", RAW) == tokenize(unicodedata.normalize("NFD", "য়"), "bn", RAW)


def test_zwj_dropped_and_zwnj_modes() -> None:
    assert tokenize("क्\u200dष", "hi", RAW) == tokenize("क्ष", "hi", RAW)
    assert tokenize("র\u200d্যাব", "bn", RAW) == tokenize("র্যাব", "bn", RAW)
    drop = TokenizerConfig(stem=False, suffix_strip=False, stopwords=False, zero_width="drop")
    assert tokenize("ఒలింపిక్\u200cలో", "te", drop) == ["ఒలింపిక్లో"]
    assert tokenize("ఒలింపిక్\u200cలో", "te", RAW) == ["ఒలింపిక్", "లో"]  # default: split


def test_casefold_and_digits() -> None:
    assert tokenize("STRASSE Straße", "en", RAW) == ["strasse", "strasse"]
    assert tokenize("रक्तचाप ३०८", "hi", RAW) == ["रक्तचाप", "308"]
    assert tokenize("১২ ৩৪", "bn", RAW) == ["12", "34"]
    assert tokenize("Vitamin B 12 a", "en") == ["vitamin", "12"]  # one-letter Latin dropped
    assert tokenize("snake_case x_y", "en", RAW) == ["snake", "case"]  # "_" separates
    keep = TokenizerConfig(keep_single_latin=True, stopwords=False)
    assert tokenize("vitamin b", "en", keep) == ["vitamin", "b"]


def test_stopwords_and_stemming_per_language() -> None:
    assert tokenize("the fevers of children", "en") == ["fever", "children"]
    assert tokenize("anak-anak yang sakit", "id") == ["anak", "anak", "sakit"]
    assert tokenize("বাংলাদেশের মানুষ", "bn") == ["বাংলাদেশ", "মানুষ"]  # suffix stripper
    assert tokenize("ఆసుపత్రిలో", "te") == ["ఆసుపత్రి"]
    # A Latin word in a Hindi text is processed like English.
    assert tokenize("डेंगू fevers", "hi")[-1] == tokenize("fevers", "en")[0]


def test_auto_language_detection() -> None:
    tok = get_tokenizer(TokenizerConfig())
    assert tok.detect(tok.words("मला ताप आहे आणि डोके दुखते")) == "mr"
    assert tok.detect(tok.words("मलाई ज्वरो छ र टाउको दुख्छ")) == "ne"
    assert tok.detect(tok.words("मुझे बुखार है और सिर में दर्द है")) == "hi"
    assert tok.detect(tok.words("saya demam dan sakit kepala")) == "id"
    assert tok.detect(tok.words("I have a fever and a headache")) == "en"
    assert tok.detect(tok.words("ಮಕ್ಕಳಿಗೆ ಲಸಿಕೆ")) == "kn"


def test_empty_and_punctuation_only() -> None:
    for text in ("", "   ", "!!! ... ।।", "the of and"):
        assert tokenize(text) == []


def test_unknown_language_rejected() -> None:
    with pytest.raises(ValueError):
        tokenize("x", "fr")
    with pytest.raises(ValueError):
        TokenizerConfig(language="fr")


def test_config_round_trip_and_unknown_keys() -> None:
    config = TokenizerConfig(language="hi", stem=False, zero_width="drop")
    assert TokenizerConfig.from_dict(config.to_dict()) == config
    params = BM25Params(k1=1.5, b=0.5, method="atire")
    assert BM25Params.from_dict(params.to_dict()) == params
    with pytest.raises(ValueError, match="unknown"):
        TokenizerConfig.from_dict({**config.to_dict(), "stemm": True})
    with pytest.raises(ValueError):
        BM25Params(method="bm25+")


def test_tokenizer_instances_agree() -> None:
    text = "Diabetes in pregnancy: गर्भावस्था में मधुमेह"
    assert Tokenizer(TokenizerConfig()).tokenize(text) == tokenize(text)
