"""Language-aware BM25 tokens: one function for documents and queries.

text -> normalize (NFC, zero-width, casefold, digits) -> runs of letters+marks+numbers ->
per token: pick the language by the token's script and the text's language, drop stopwords
and (by default) one-letter Latin tokens, stem. Each token's language follows its script, so
an English word inside a Hindi text is treated like the same word inside an English text.
Results are memoized per (text language, surface word): texts are Zipfian, so nearly every
token is one dict lookup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache

from indexer.bm25.config import DEFAULT_CONFIG, LANGUAGES, TokenizerConfig
from indexer.bm25.normalize import normalize
from indexer.bm25.scripts import SCRIPT_LANGUAGE, char_script, token_pattern
from indexer.bm25.stem import stemmer_for
from indexer.bm25.stopwords import raw_stopwords

_DEVANAGARI = ("hi", "mr", "ne")
_LATIN = ("en", "id")
UNION = "deva"  # processing profile: union of hi/mr/ne stopwords + Hindi stemmer
_MEMO_LIMIT = 2_000_000
_DETECT_WORDS = 300  # words looked at to detect a text's language
_MISS = object()


class Tokenizer:
    """Tokenizer for one TokenizerConfig; get shared instances with `get_tokenizer`."""

    def __init__(self, config: TokenizerConfig = DEFAULT_CONFIG) -> None:
        self.config = config
        self._pattern = token_pattern()
        self._stop: dict[str, frozenset[str]] = {}
        for lang in LANGUAGES:
            words = raw_stopwords(lang) if config.stopwords else ()
            self._stop[lang] = frozenset(normalize(w, config) for w in words)
        self._stop[UNION] = frozenset().union(*(self._stop[lang] for lang in _DEVANAGARI))
        self._stem: dict[str, Callable[[str], str] | None] = {
            lang: stemmer_for(lang, config.stem, config.suffix_strip) for lang in LANGUAGES
        }
        self._stem[UNION] = self._stem["hi"]
        self._markers = self._distinct_markers()
        self._memo: dict[str, dict[str, str | None]] = {}

    def _distinct_markers(self) -> dict[str, frozenset[str]]:
        """Stopwords of a language that no other language of its script has: detection cues."""
        lists = {lang: frozenset(normalize(w, self.config) for w in raw_stopwords(lang))
                 for lang in _DEVANAGARI + _LATIN}
        markers = {}
        for group in (_DEVANAGARI, _LATIN):
            for lang in group:
                others = frozenset().union(*(lists[o] for o in group if o != lang))
                markers[lang] = lists[lang] - others
        return markers

    # -- language --------------------------------------------------------------------------

    def detect(self, words: Sequence[str]) -> str:
        """Language of a text from its (normalized) words: script first, then stopwords."""
        words = words[:_DETECT_WORDS]
        scripts = Counter(char_script(w[0]) for w in words)
        scripts.pop("digit", None)
        scripts.pop("other", None)
        if not scripts:
            return "en"
        script = scripts.most_common(1)[0][0]
        if script in SCRIPT_LANGUAGE:
            return SCRIPT_LANGUAGE[script]
        if script == "deva" and self.config.auto_devanagari == "union":
            return UNION
        group = _DEVANAGARI if script == "deva" else _LATIN
        hits = {lang: sum(w in self._markers[lang] for w in words) for lang in group}
        return max(group, key=lambda lang: (hits[lang], -group.index(lang)))

    def _resolve(self, language: str | None, words: Sequence[str]) -> str:
        language = language or self.config.language
        if language == "auto":
            return self.detect(words)
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}; expected one of {LANGUAGES}")
        return language

    # -- tokens ----------------------------------------------------------------------------

    def _process(self, word: str, context: str) -> str | None:
        """One normalized word in a text of language `context` -> token, or None to drop."""
        script = char_script(word[0])
        if script == "digit":
            return word
        if script == "latn":
            if len(word) == 1 and not self.config.keep_single_latin:
                return None
            lang = context if context in _LATIN else "en"
        elif script == "deva":
            lang = context if context in _DEVANAGARI or context == UNION else "hi"
        elif script in SCRIPT_LANGUAGE:
            lang = SCRIPT_LANGUAGE[script]
        else:
            return word
        key = word if self.config.lowercase else word.casefold()
        if key in self._stop[lang]:
            return None
        stem = self._stem[lang]
        return (stem(word) or word) if stem is not None else word

    def words(self, text: str) -> list[str]:
        """Normalized surface words of a text, before stopwords and stemming."""
        return self._pattern.findall(normalize(text, self.config))

    def tokenize(self, text: str, language: str | None = None) -> list[str]:
        """Tokens of one text; `language` None means the config's language ("auto" detects)."""
        words = self.words(text)
        if not words:
            return []
        context = self._resolve(language, words)
        memo = self._memo.get(context)
        if memo is None or len(memo) > _MEMO_LIMIT:
            memo = self._memo[context] = {}
        get = memo.get
        tokens = [get(word, _MISS) for word in words]
        if _MISS in tokens:
            for i, token in enumerate(tokens):
                if token is _MISS:
                    token = memo.get(words[i], _MISS)
                    if token is _MISS:
                        token = memo[words[i]] = self._process(words[i], context)
                    tokens[i] = token
        return [t for t in tokens if t is not None]

    def tokenize_many(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> list[list[str]]:
        if languages is None:
            return [self.tokenize(t) for t in texts]
        if len(languages) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(languages)} languages")
        return [self.tokenize(t, lang) for t, lang in zip(texts, languages, strict=True)]


@cache
def get_tokenizer(config: TokenizerConfig = DEFAULT_CONFIG) -> Tokenizer:
    """A shared Tokenizer per config (its memo is what makes repeated tokenizing cheap)."""
    return Tokenizer(config)


def tokenize(
    text: str, language: str | None = None, config: TokenizerConfig = DEFAULT_CONFIG
) -> list[str]:
    """Tokens of `text` as documents and queries are indexed under `config`."""
    return get_tokenizer(config).tokenize(text, language)
