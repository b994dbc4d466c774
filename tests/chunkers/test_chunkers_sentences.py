"""Sentence boundaries in the nine languages, and cutting sentences longer than the budget."""

from __future__ import annotations

import unicodedata

import pytest

from chunkers.sentences import aksharas, split_sentences, split_to_fit

# Four sentences each, with the traps of each language: abbreviations, initials, decimals.
SENTENCES = {
    "en": ["Wash your hands with soap.",
           "Dr. A. Sharma says it prevents diarrhoea, e.g. in children, i.e. under five.",
           "Give 2.5 mg of zinc per kg, see Fig. 3 and No. 5 vs. the old table?",
           "Ask the health worker (Mrs. Rao) at once!"],
    "id": ["Cuci tangan dengan sabun.",
           "Bpk. Budi dan dr. Sari memeriksa ibu hamil, sayur, buah, dll. di puskesmas.",
           "Minum 2.5 liter air setiap hari!",
           "Apakah anak demam?"],
    "hi": ["हाथ साबुन से धोएँ।", "डॉ. शर्मा कहते हैं कि इससे दस्त रुकता है।",
           "क्या बच्चे को बुखार है?", "तुरंत स्वास्थ्य कार्यकर्ता से मिलें॥"],
    "mr": ["हात साबणाने धुवा.", "डॉ. पाटील म्हणतात की यामुळे जुलाब थांबतो, उदा. लहान मुलांमध्ये.",
           "बाळाला ताप आहे का?", "लगेच आरोग्य सेविकेला भेटा।"],
    "ne": ["साबुनले हात धुनुहोस्।", "डा. शर्माका अनुसार यसले झाडापखाला रोक्छ।",
           "के बच्चालाई ज्वरो छ?", "तुरुन्त स्वास्थ्यकर्मीलाई भेट्नुहोस्।"],
    "bn": ["সাবান দিয়ে হাত ধুন।", "ডা. রহমান বলেন এতে ডায়রিয়া কমে।",
           "শিশুর কি জ্বর আছে?", "দ্রুত স্বাস্থ্যকর্মীর কাছে যান।"],
    "ta": ["சோப்பு கொண்டு கைகளைக் கழுவுங்கள்.",
           "டா. குமார் மற்றும் திரு. ராமன் இது வயிற்றுப்போக்கைத் தடுக்கும் என்கிறார்கள்.",
           "குழந்தைக்குக் காய்ச்சல் உள்ளதா?", "உடனே சுகாதாரப் பணியாளரைப் பாருங்கள்!"],
    "te": ["సబ్బుతో చేతులు కడుక్కోండి.", "డా. రావు ఇది విరేచనాలను నివారిస్తుందని చెప్పారు.",
           "పిల్లలకు జ్వరం ఉందా?", "వెంటనే ఆరోగ్య కార్యకర్తను కలవండి!"],
    "kn": ["ಸೋಪಿನಿಂದ ಕೈ ತೊಳೆಯಿರಿ.", "ಡಾ. ರಾವ್ ಇದು ಅತಿಸಾರವನ್ನು ತಡೆಯುತ್ತದೆ ಎಂದು ಹೇಳುತ್ತಾರೆ.",
           "ಮಗುವಿಗೆ ಜ್ವರ ಇದೆಯೇ?", "ತಕ್ಷಣ ಆರೋಗ್ಯ ಕಾರ್ಯಕರ್ತರನ್ನು ಭೇಟಿ ಮಾಡಿ!"],
}


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_sentences_per_language(lang: str) -> None:
    expected = SENTENCES[lang]
    assert split_sentences(" ".join(expected)) == expected


@pytest.mark.parametrize("text, expected", [
    ("1. Wash your hands. 2. Dry them well.", ["1. Wash your hands.", "2. Dry them well."]),
    ("Take vitamin A. It helps the eyes.", ["Take vitamin A.", "It helps the eyes."]),
    ("J. K. Rowling wrote it. Then stop.", ["J. K. Rowling wrote it.", "Then stop."]),
    ("Mix approx. five spoons. Wait... Then eat.",
     ["Mix approx. five spoons.", "Wait...", "Then eat."]),
    ("Fruit, rice, etc. Then cook. Smith et al. (2019) agree.",
     ["Fruit, rice, etc.", "Then cook.", "Smith et al. (2019) agree."]),
    ("He said “stop.” She left.", ["He said “stop.”", "She left."]),
    ("Bring dr. Sari. Ibu hamil perlu periksa. Ibu.",
     ["Bring dr. Sari.", "Ibu hamil perlu periksa.", "Ibu."]),
    ("रक्त में 2.5 मि.ली. दवा दें। फिर आराम करें।", ["रक्त में 2.5 मि.ली. दवा दें।", "फिर आराम करें।"]),
    ("यह रोग है।वह दवा है।", ["यह रोग है।", "वह दवा है।"]),
    ("मधुमेह एक रोग हो | यो रगतमा चिनी बढाउँछ |", ["मधुमेह एक रोग हो |", "यो रगतमा चिनी बढाउँछ |"]),
    ("மு. கருணாநிதி எழுதினார். அது நல்லது.", ["மு. கருணாநிதி எழுதினார்.", "அது நல்லது."]),
    ("Para one.\n\nPara two\n- item one\n- item two",
     ["Para one.", "Para two", "- item one", "- item two"]),
    ("Line wraps\ninside a sentence.", ["Line wraps\ninside a sentence."]),
    ("", []),
    ("   ", []),
])
def test_sentence_edge_cases(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def _words_count(texts: list[str]) -> list[int]:
    return [len(t.split()) for t in texts]


def test_split_to_fit_prefers_clauses_then_words() -> None:
    text = ("First clause is here, second clause follows; third one: and then a very long "
            "tail of many words without any punctuation at all going on and on")
    pieces = split_to_fit(text, 8, _words_count)
    assert all(len(p.split()) <= 8 for p in pieces)
    assert pieces[0] == "First clause is here, second clause follows;"
    assert " ".join(pieces).split() == text.split()  # no word was cut


def test_split_to_fit_long_word_keeps_aksharas_whole() -> None:
    word = "ಶ್ರೀಕೃಷ್ಣಪರಮಾತ್ಮನಿಗೆನಮಸ್ಕಾರಗಳು" * 3
    pieces = split_to_fit(word, 3, lambda ts: [len(aksharas(t)) for t in ts])
    assert "".join(pieces) == word
    assert len(pieces) > 1
    for piece in pieces:
        assert len(aksharas(piece)) <= 3
        assert unicodedata.category(piece[0]) not in ("Mn", "Mc")  # no orphan vowel sign
        assert piece[0] != "\u0ccd"


def test_aksharas_join_conjuncts() -> None:
    assert aksharas("ಶ್ರೀ") == ["ಶ್ರೀ"]
    assert aksharas("க்ஷ") == ["க்ஷ"]
    assert aksharas("प्रो") == ["प्रो"]
