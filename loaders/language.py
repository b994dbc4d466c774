"""Language of a text, a block, a document, among the nine supported ones.

Script decides where it is unambiguous (Bengali, Tamil, Telugu, Kannada). Devanagari is
shared by Hindi, Marathi and Nepali, and Latin by English and Indonesian: there a
statistical classifier decides, restricted to those candidates, because unrestricted
classifiers spend their mistakes on languages the project does not have (Marathi read as
Nepali is a near miss; read as Sanskrit or Konkani it is useless). Two classifiers are
offered: py3langid (the default: more accurate on the project's labelled set, see
`indexer.harness.measure.loaders`) and langdetect (the design card's choice).
"""

from __future__ import annotations

import copy
import re
import threading
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from functools import cache, lru_cache
from typing import Any, Protocol

from loaders.languages import CODES, SCRIPT_LANGUAGES
from loaders.script import LATIN, NON_LATIN, SCRIPT_LANGUAGE, script_counts
from loaders.settings import settings

LANGUAGES = CODES
BACKENDS = ("py3langid", "langdetect")
DEFAULT_BACKEND = "py3langid"

# Scripts shared by several of the languages: the classifier decides among them.
SCRIPT_CANDIDATES: dict[str, tuple[str, ...]] = {
    s: codes for s, codes in SCRIPT_LANGUAGES.items() if len(codes) > 1}

# Below this many letters (about two words) a block's own evidence is weak, so it takes the
# language the document shows for the same script ("उपचार" alone could be hi, mr or ne).
MIN_BLOCK_LETTERS = 12
# Enough text for a sure call; longer input only costs time.
MAX_CLASSIFY_CHARS = 600

_OTHER_LETTERS = {
    "Devanagari": re.compile(r"[^\u0900-\u097f\s.,;:!?'\"()\-]+"),
    "Latin": re.compile(r"[^A-Za-z\u00c0-\u024f\s.,;:!?'\"()\-]+"),
}


class Classifier(Protocol):
    def __call__(self, text: str, candidates: Sequence[str]) -> str: ...


_lock = threading.Lock()


@lru_cache(maxsize=1)
def py3langid_model() -> Any:
    """The full model: loading it decompresses ~70 MB (a few seconds), so once a process."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)


@cache
def _py3langid(candidates: tuple[str, ...]) -> Any:
    ident = copy.copy(py3langid_model())  # shares the arrays; restriction is per copy
    ident.set_languages(list(candidates))
    return ident


def classify_py3langid(text: str, candidates: Sequence[str]) -> str:
    """py3langid's naive Bayes over byte n-grams, restricted to `candidates`."""
    ident = _py3langid(tuple(sorted(candidates)))
    return str(ident.classify(text)[0])


@cache
def _langdetect_factory(candidates: tuple[str, ...]) -> Any:
    from pathlib import Path

    import langdetect
    from langdetect.detector_factory import DetectorFactory

    profiles = Path(langdetect.__file__).parent / "profiles"
    factory = DetectorFactory()
    factory.load_json_profile([(profiles / lang).read_text(encoding="utf-8")
                               for lang in candidates])
    factory.set_seed(0)  # langdetect samples n-grams at random: seed it for determinism
    return factory


def classify_langdetect(text: str, candidates: Sequence[str]) -> str:
    """langdetect's n-gram profiles, restricted to `candidates`, seeded for determinism."""
    from langdetect.lang_detect_exception import LangDetectException

    factory = _langdetect_factory(tuple(sorted(candidates)))
    with _lock:  # the factory's seeded random state is shared
        detector = factory.create()
        detector.append(text)
        try:
            return str(detector.detect())
        except LangDetectException:
            return candidates[0]


_CLASSIFIERS: dict[str, Classifier] = {
    "py3langid": classify_py3langid, "langdetect": classify_langdetect}


def _backend(name: str | None) -> Classifier:
    name = name or settings().langid or DEFAULT_BACKEND
    try:
        return _CLASSIFIERS[name]
    except KeyError:
        raise ValueError(f"unknown language-id backend {name!r}; choose from {BACKENDS}"
                         ) from None


def script_of(text: str) -> tuple[str | None, int]:
    """Dominant script and its letter count (None, 0 for text with no letters we know).

    Text with no Indic letters is Latin or nothing; its length stands in for the letter
    count (it only has to clear MIN_BLOCK_LETTERS and weigh votes), sparing a scan.
    """
    if not NON_LATIN.search(text):
        return ("Latin", len(text)) if LATIN.search(text) else (None, 0)
    counts = script_counts(text)
    if not counts:
        return None, 0
    script, n = counts.most_common(1)[0]
    return script, n


def detect_language(text: str, backend: str | None = None) -> str | None:
    """Best guess among LANGUAGES, or None when the text has no letters of a known script
    or only letters of a script none of the nine languages uses."""
    script, _ = script_of(text)
    if script is None:
        return None
    if script in SCRIPT_LANGUAGE:
        return SCRIPT_LANGUAGE[script]
    candidates = SCRIPT_CANDIDATES.get(script)
    if candidates is None:
        return None
    return _backend(backend)(_only_script(text, script), candidates)


def _only_script(text: str, script: str) -> str:
    """Drop letters of other scripts (an English term inside Hindi text is noise here)."""
    return _OTHER_LETTERS[script].sub(" ", text)


def _sample(texts: Sequence[str], idx: Sequence[int], script: str) -> str:
    """The first MAX_CLASSIFY_CHARS of the texts joined, letters of `script` only; texts
    past that point are not cleaned at all (a PDF's window of pages is ~20,000 chars)."""
    parts: list[str] = []
    size = 0
    for i in idx:
        parts.append(_only_script(texts[i], script))
        size += len(parts[-1]) + 1
        if size > MAX_CLASSIFY_CHARS:
            break
    return " ".join(parts)[:MAX_CLASSIFY_CHARS]


def assign_languages(texts: Iterable[str], groups: Sequence[Hashable] | None = None,
                     backend: str | None = None) -> list[str | None]:
    """A language per text (per block), using the whole sequence as context.

    Each text gets its script's language. Where the script is shared (Devanagari, Latin),
    the texts of one group (by default each text alone; the PDF loader groups by page, so
    one classifier call covers a page) are classified together when they hold enough
    letters, and groups too short to judge take the language that the rest of the document
    shows for the same script. So a bilingual Hindi/English leaflet gets hi and en blocks,
    and its one-word Hindi headings are not guessed as Marathi at random.
    """
    texts = list(texts)
    keys: Sequence[Hashable] = groups if groups is not None else range(len(texts))
    classify = _backend(backend)
    result: list[str | None] = [None] * len(texts)
    members: dict[tuple[Hashable, str], list[int]] = {}
    letters: Counter[tuple[Hashable, str]] = Counter()
    for i, text in enumerate(texts):
        script, n = script_of(text)
        if script is None:
            continue
        if script in SCRIPT_LANGUAGE:
            result[i] = SCRIPT_LANGUAGE[script]
        elif script in SCRIPT_CANDIDATES:
            members.setdefault((keys[i], script), []).append(i)
            letters[(keys[i], script)] += n
    votes: dict[str, Counter[str]] = {}
    pending: dict[str, list[int]] = {}
    for (key, script), idx in members.items():
        if letters[(key, script)] >= MIN_BLOCK_LETTERS:
            lang = classify(_sample(texts, idx, script), SCRIPT_CANDIDATES[script])
            votes.setdefault(script, Counter())[lang] += letters[(key, script)]
            for i in idx:
                result[i] = lang
        else:
            pending.setdefault(script, []).extend(idx)
    for script, idx in pending.items():
        if script in votes:
            lang = votes[script].most_common(1)[0][0]
        else:
            lang = classify(_sample(texts, idx, script), SCRIPT_CANDIDATES[script])
        for i in idx:
            result[i] = lang
    return result


def majority_language(texts: Sequence[str], languages: Sequence[str | None]) -> str | None:
    """The document's language: the one with the most text among its blocks."""
    weight: Counter[str] = Counter()
    for text, lang in zip(texts, languages, strict=True):
        if lang:
            weight[lang] += len(text)
    return weight.most_common(1)[0][0] if weight else None
