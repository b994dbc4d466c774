"""Light, conservative suffix strippers for Bengali, Marathi, Telugu and Kannada.

Snowball has no stemmer for these four. Their nouns take case endings and plural markers
("বাংলাদেশের" = Bangladesh + genitive, "ఆసుపత్రిలో" = hospital + locative), so one noun has
many surface forms. Each stripper removes at most one suffix from a closed list of frequent
nominal endings (longest match first) and only when a stem of at least MIN_STEM code points
remains that does not end in a virama. Verb morphology is left alone: too irregular for a list.
Whether this helps is measured in MEASUREMENTS.md; `TokenizerConfig.suffix_strip` switches it.
"""

from __future__ import annotations

MIN_STEM = 3
_VIRAMAS = frozenset("\u09cd\u094d\u0c4d\u0ccd")


def _ordered(words: str) -> tuple[str, ...]:
    # Longest first; ties by the string itself, so the order (and the index fingerprint)
    # does not depend on hash randomization.
    return tuple(sorted(set(words.split()), key=lambda w: (-len(w), w)))


SUFFIXES: dict[str, tuple[str, ...]] = {
    # plural/classifier + case: -গুলো, -গুলির, -দের, -রা, -টি, -টা, -কে, -তে, -য়, -ের, -র, -ে
    "bn": _ordered(
        "গুলোকে গুলোতে গুলোর গুলো গুলিকে গুলিতে গুলির গুলি দেরকে দের েরা রা টিকে টিতে টির টি "
        "টাকে টার টা খানা কে তে য়ের য়ে য় ের র ে"
    ),
    # oblique -ा/-ां + postposition (-चा/-ची/-चे/-च्या, -ला, -ने, -त, -मध्ये, -साठी), plural -ांना
    "mr": _ordered(
        "ांच्या ांचा ांची ांचे ांना ांनी ांत ांमध्ये ांसाठी ाच्या ाचा ाची ाचे ाला ाने ात ामध्ये "
        "ासाठी च्या चा ची चे ला ने ना नी मध्ये साठी ंना ंनी ंच्या"
    ),
    # plural -లు/-ల + case: -లో, -కు, -ను, -తో, -పై, -ని, -కి, -గా, -యొక్క
    "te": _ordered(
        "లలో లకు లను లతో లపై లోని లు లో కు ను తో పై ని కి గా లోనే యొక్క నికి ంలో ంతో"
    ),
    # plural -ಗಳು/-ಗಳ + case: -ಅಲ್ಲಿ, -ಅನ್ನು, -ಕ್ಕೆ, -ಗೆ, -ಇಂದ, -ದ, -ಯ
    "kn": _ordered(
        "ಗಳಲ್ಲಿ ಗಳನ್ನು ಗಳಿಗೆ ಗಳಿಂದ ಗಳು ಗಳ ದಲ್ಲಿ ಯಲ್ಲಿ ವಲ್ಲಿ ಲ್ಲಿ ವನ್ನು ಯನ್ನು ನ್ನು ಕ್ಕೆ ಗೆ "
        "ದಿಂದ ಯಿಂದ ವಿಂದ ದ ಯ ವು"
    ),
}


def strip_suffix(word: str, suffixes: tuple[str, ...]) -> str:
    """Remove the longest listed suffix that leaves a stem of MIN_STEM+ code points."""
    if not word.endswith(suffixes):  # one C-level test for the common no-suffix case
        return word
    for suffix in suffixes:
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            if len(stem) >= MIN_STEM and stem[-1] not in _VIRAMAS:
                return stem
    return word
