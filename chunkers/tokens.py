"""Token counting in the embedding model's own tokens.

A budget counted in words or characters means different amounts of text per language (XLM-R
spends about twice as many tokens on a Hindi sentence as on its English original), so the
chunker counts with the model's tokenizer. Counts are cached per text and computed in batches:
the chunker asks for every sentence of a document at once.
"""

from __future__ import annotations

import math
import os
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import regex

DEFAULT_MODEL = "multilingual-e5-small"


@runtime_checkable
class TokenCounter(Protocol):
    """Counts tokens without special tokens.

    `exact` is False for estimates. An optional `additive` attribute, True when the count of
    texts joined by a space or a newline is the sum of their counts (the tokenizer splits at
    whitespace before its subword model runs, as XLM-R's does), lets the chunker know each
    chunk's size from its sentences instead of re-counting whole chunks.
    """

    name: str
    exact: bool

    def count(self, text: str) -> int: ...

    def count_batch(self, texts: Sequence[str]) -> list[int]: ...


class _CachedCounter:
    """Per-text cache shared by all counters: sentences are counted once, then reused."""

    name = "counter"
    exact = True
    additive = False

    def __init__(self, cache_size: int = 200_000) -> None:
        self._cache: dict[str, int] = {}
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def count(self, text: str) -> int:
        return self.count_batch([text])[0]

    def count_batch(self, texts: Sequence[str]) -> list[int]:
        cache = self._cache
        missing = list(dict.fromkeys(t for t in texts if t not in cache))
        if missing:
            counts = self._count_uncached(missing)
            with self._lock:
                if len(cache) + len(missing) > self._cache_size:
                    cache.clear()
                cache.update(zip(missing, counts, strict=True))
            local = dict(zip(missing, counts, strict=True))
            return [cache[t] if t in cache else local[t] for t in texts]
        return [cache[t] for t in texts]

    def _count_uncached(self, texts: list[str]) -> list[int]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


_ENCODE_SLICE = 2048  # texts per tokenizer call: large enough for its threads, bounded memory


class TokenizersCounter(_CachedCounter):
    """Exact counts from a `tokenizers.Tokenizer` (the Rust tokenizer behind HF fast ones)."""

    def __init__(self, tokenizer: Any, name: str = "tokenizers", owned: bool = False) -> None:
        super().__init__()
        # Truncation and padding must be off: a saved tokenizer.json may carry
        # `truncation: 512`, which would make every long text look like it fits. A tokenizer
        # we do not own is copied before changing it (copying XLM-R's takes about 2 s).
        if not owned and (tokenizer.truncation is not None or tokenizer.padding is not None):
            tokenizer = type(tokenizer).from_str(tokenizer.to_str())
        self._tok = tokenizer
        self._tok.no_truncation()
        self._tok.no_padding()
        self._encode = getattr(self._tok, "encode_batch_fast", self._tok.encode_batch)
        self.name = name
        self.additive = _splits_at_whitespace(self._tok) and self._probe_additive()

    @classmethod
    def from_file(cls, path: str | Path) -> TokenizersCounter:
        from tokenizers import Tokenizer

        path = Path(path)
        return cls(Tokenizer.from_file(str(path)), name=f"tokenizers:{path.parent.name}",
                   owned=True)

    def _count_uncached(self, texts: list[str]) -> list[int]:
        """Encoded in slices: each `Encoding` keeps ids, offsets and masks, so a million texts
        in one call held ~10 GB at once (issue 17's 1M build)."""
        out: list[int] = []
        for start in range(0, len(texts), _ENCODE_SLICE):
            out += [len(e.ids) for e in self._encode(texts[start:start + _ENCODE_SLICE],
                                                     add_special_tokens=False)]
        return out

    def _probe_additive(self) -> bool:
        parts = ["Dr. A. Sharma, 2.5 mg", "मधुमेह: है।", "(ಡಾ.) ரா 'x'", "a-b/c", "passage:"]
        joined = [f"{a}{sep}{b}" for a in parts for b in parts for sep in (" ", "\n")]
        singles = dict(zip(parts, self._count_uncached(parts), strict=True))
        sums = [singles[a] + singles[b] for a in parts for b in parts for _ in (0, 1)]
        return self._count_uncached(joined) == sums


_SPLITTERS = {"WhitespaceSplit", "Whitespace", "BertPreTokenizer"}


def _splits_at_whitespace(tok: Any) -> bool:
    """Does the pre-tokenizer cut at every space and newline, so no token spans two words?"""
    import json

    if tok.pre_tokenizer is None:
        return False
    try:
        spec = json.loads(tok.pre_tokenizer.__getstate__())
    except (AttributeError, TypeError, ValueError):
        return False
    steps = spec.get("pretokenizers", [spec]) if spec.get("type") == "Sequence" else [spec]
    if any(step.get("type") in _SPLITTERS for step in steps):
        return True
    meta = [s for s in steps if s.get("type") == "Metaspace"]
    if not meta or not meta[0].get("split", True) or meta[0].get("prepend_scheme") == "never":
        return False
    # Metaspace splits at spaces only: newlines must become spaces in the normalizer.
    normalized = tok.normalizer.normalize_str("a\nb\tc") if tok.normalizer else "a\nb\tc"
    return normalized == "a b c"


class HFTokenizerCounter(_CachedCounter):
    """Exact counts from any Hugging Face tokenizer object, e.g. `SentenceTransformer.tokenizer`.

    Fast tokenizers are counted through their Rust backend (batch, no truncation); slow ones
    by calling them.
    """

    def __init__(self, tokenizer: Any, name: str | None = None) -> None:
        super().__init__()
        self.name = name or f"hf:{getattr(tokenizer, 'name_or_path', type(tokenizer).__name__)}"
        backend = getattr(tokenizer, "backend_tokenizer", None)
        self._fast = TokenizersCounter(backend) if backend is not None else None
        self.additive = self._fast.additive if self._fast is not None else False
        self._tokenizer = tokenizer

    def _count_uncached(self, texts: list[str]) -> list[int]:
        if self._fast is not None:
            return self._fast.count_batch(texts)
        out = self._tokenizer(list(texts), add_special_tokens=False)
        return [len(ids) for ids in out["input_ids"]]


_PIECE = regex.compile(r"[\p{L}\p{M}\p{N}]+|[^\s\p{L}\p{M}\p{N}]")
_LATIN = regex.compile(r"\p{Latin}")


class ApproximateCounter(_CachedCounter):
    """APPROXIMATE counts when no tokenizer is installed: characters per script, erring high.

    Calibrated on the 9 x 2,008 FLORES sentences of shared/datasets/flores-xling against the
    XLM-R tokenizer of multilingual-e5-small: a run of Latin letters costs one token per 4
    code points, of other scripts one per 2.5, every punctuation mark one. It then
    overestimates 99% of sentences in every language (median by 26% for English to 54% for
    Nepali), so chunks cut with it are smaller than needed, almost never larger.
    """

    exact = False
    additive = True  # it counts runs of letters and marks: none spans whitespace

    def __init__(self, latin_chars: float = 4.0, other_chars: float = 2.5) -> None:
        super().__init__()
        self.name = f"approx:latin/{latin_chars:g},other/{other_chars:g}"
        self._latin = latin_chars
        self._other = other_chars

    def _count_uncached(self, texts: list[str]) -> list[int]:
        return [self._estimate(t) for t in texts]

    def _estimate(self, text: str) -> int:
        total = 0
        for piece in _PIECE.findall(text):
            if len(piece) == 1 and not piece.isalnum():
                total += 1
            else:
                rate = self._latin if _LATIN.match(piece) else self._other
                total += max(1, math.ceil(len(piece) / rate))
        return total


def models_dir() -> Path:
    """Where installed models live: $INDEXER_MODELS_DIR, else $XDG_DATA_HOME/indexer/models."""
    env = os.environ.get("INDEXER_MODELS_DIR")
    if env:
        return Path(env).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser() / "indexer" / "models"


def default_tokenizer_path(model: str = DEFAULT_MODEL) -> Path:
    return models_dir() / model / "tokenizer.json"


_counters: dict[str, TokenCounter] = {}
_approximate: ApproximateCounter | None = None
_warned = False


def approximate_counter() -> ApproximateCounter:
    global _approximate
    if _approximate is None:
        _approximate = ApproximateCounter()
    return _approximate


def default_counter(model: str = DEFAULT_MODEL) -> TokenCounter:
    """The default model's tokenizer if installed, else the approximate counter (warned once).

    Loaded tokenizers are kept per path: loading XLM-R's tokenizer.json takes about 2 s.
    """
    global _warned
    path = default_tokenizer_path(model)
    key = str(path)
    if key in _counters:
        return _counters[key]
    if path.is_file():
        counter = TokenizersCounter.from_file(path)
        counter.name = f"tokenizers:{model}"
        _counters[key] = counter
        return counter
    if not _warned:
        _warned = True
        warnings.warn(
            f"no tokenizer at {path}: chunk sizes are APPROXIMATE (character estimate); "
            "install the embedding model for exact token budgets",
            RuntimeWarning,
            stacklevel=2,
        )
    return approximate_counter()


def counter_from(obj: Any) -> TokenCounter:
    """A counter from whatever the caller has: a counter, a tokenizer.json path, a
    `tokenizers.Tokenizer`, a HF tokenizer, or a SentenceTransformer (its `.tokenizer`)."""
    if hasattr(obj, "count_batch") and hasattr(obj, "count"):
        return obj  # a TokenCounter already
    if isinstance(obj, str | Path):
        return TokenizersCounter.from_file(obj)
    if hasattr(obj, "encode_batch") and hasattr(obj, "to_str"):
        return TokenizersCounter(obj)
    if hasattr(obj, "backend_tokenizer") or not hasattr(obj, "tokenizer"):
        return HFTokenizerCounter(obj)
    return HFTokenizerCounter(obj.tokenizer)  # a SentenceTransformer
