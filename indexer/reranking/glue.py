"""Glue between the index and `rerankers`: hits → candidates → reranked hits.

`rerankers` knows nothing of the index or of where models live; this module does. It
registers the project's names (the trained `ce-multilingual`, the `minilm` and `e5-cls`
similarity rerankers), gives MMR an embedding function, caches built rerankers (loading a
model per query would dominate latency), and parses `NAME:key=value,...` options so the
CLI's `--rerank` can tune one.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import rerankers
from indexer.defaults import DEFAULT_MODEL
from indexer.hits import Hit
from indexer.settings import settings
from rerankers import Candidate, Reranker

TRAINED_NAME = "ce-multilingual"
TRAINED_DIR = "reranker-ce-multilingual"
TRAIN_COMMAND = "indexer rerankers train --train DATASET... --out DIR"

EmbedFn = Callable[[list[str]], np.ndarray]


class RerankerNotTrainedError(FileNotFoundError):
    """The project's cross-encoder is not in the models directory yet."""


def trained_model_dir(models_dir: str | Path | None = None) -> Path:
    """Where `ce-multilingual` lives: <models dir>/reranker-ce-multilingual."""
    from indexer import models

    return models.models_dir(models_dir) / TRAINED_DIR


def _trained(**options: Any) -> Reranker:
    path = trained_model_dir(options.pop("models_dir", None))
    if not (path / "config.json").is_file():
        raise RerankerNotTrainedError(
            f"reranker {TRAINED_NAME!r} is not trained yet (expected in {path}); run: "
            f"{TRAIN_COMMAND} and copy or write it there (--out {path})")
    return rerankers.get(str(path), **options)


def _similarity(model: str, pooling: str | None = None) -> Callable[..., Reranker]:
    def factory(**options: Any) -> Reranker:
        from indexer import models

        options.setdefault("pooling", pooling)
        return rerankers.get("encoder-sim", model=models.resolve(model), **options)
    return factory


_EMBEDDERS: dict[str, Any] = {}


def default_embed(model: str = DEFAULT_MODEL) -> EmbedFn:
    """Passage vectors from an Embedder (its disk cache makes repeats free) for MMR."""
    def embed(texts: list[str]) -> np.ndarray:
        if model not in _EMBEDDERS:
            from indexer.embedding.embedder import Embedder

            _EMBEDDERS[model] = Embedder(model)
        return _EMBEDDERS[model].embed_passages(texts)
    return embed


def _mmr(**options: Any) -> Reranker:
    from rerankers.mmr import MMRReranker

    options.setdefault("embed", default_embed())
    return MMRReranker(**options)


def english_route(query: str, candidates: Sequence[Candidate], share: float = 0.8) -> str:
    """"en" when the query is English and at least `share` of the candidates are English
    passages (their `lang` metadata), else "other"."""
    from loaders import detect_language

    if detect_language(query) != "en" or not candidates:
        return "other"
    english = sum(1 for c in candidates if c.metadata.get("lang") == "en")
    return "en" if english >= share * len(candidates) else "other"


def _routed(**options: Any) -> Reranker:
    """ce-multilingual, except English questions over English passages: minilm."""
    from rerankers.routed import RoutedReranker

    english = options.pop("english", "minilm")
    other = options.pop("other", TRAINED_NAME)
    return RoutedReranker({"en": get_reranker(english), "other": get_reranker(other)},
                          english_route, default="other")


def register_project_rerankers() -> None:
    """Idempotent: the names this project adds to the `rerankers` registry, and its MMR (fed
    the index's encoder), which replaces the plain one. Called by this module's entry points
    (`get_reranker`, `list_rerankers`) and the server's policy, never as a side effect of
    importing: importing a module must not change another package's registry."""
    names = rerankers.available()
    extra: dict[str, tuple[Callable[..., Reranker], str]] = {
        TRAINED_NAME: (_trained, "the project's multilingual cross-encoder (models dir)"),
        "minilm": (_similarity("all-minilm-l6-v2"),
                   "cosine of all-MiniLM-L6-v2 (English only)"),
        "e5-cls": (_similarity("multilingual-e5-small", "cls"),
                   "cosine of multilingual-e5-small read out with CLS pooling"),
        "ce-routed": (_routed, "minilm for English questions over English passages, "
                      f"{TRAINED_NAME} for the rest"),
    }
    for name, (factory, description) in extra.items():
        if name not in names:
            rerankers.register(name, factory, description)
    # MMR from the index gets the default encoder's vectors unless given others.
    rerankers.register("mmr", _mmr, names.get("mmr", "maximal marginal relevance"),
                       replace=True)


# Built rerankers, least recently used last out. A cross-encoder holds ~0.5 GB of weights, so
# the cache is bounded (INDEXER_RERANKER_CACHE entries) and keyed on what the reranker *is*
# (its name and options, and for rerankers that read vectors, which model makes them) — never
# on a per-call object such as a bound method, whose id changes on every search (issue 14).
CACHE_SIZE = settings().reranker_cache
_CACHE: OrderedDict[tuple[Any, ...], Reranker] = OrderedDict()
_LOCK = threading.Lock()
TAKES_EMBED = frozenset({"mmr"})  # rerankers whose factory accepts `embed=`


def parse_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """`mmr:lam=0.5,duplicate_threshold=0.9` → ("mmr", {...}); values are int, float,
    true/false/none or strings. A path is never parsed (it may contain ':')."""
    name, sep, rest = spec.partition(":")
    if not sep or name not in rerankers.available():
        return spec, {}
    options: dict[str, Any] = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise ValueError(f"bad reranker option {item!r} in {spec!r}: use key=value")
        options[key.strip()] = _value(value.strip())
    return name, options


def _value(text: str) -> Any:
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def embed_key(embed: EmbedFn | None) -> Any:
    """What identifies an embed function's vectors: for an Embedder's bound method, the model
    (name and checksum: two Embedders of one model give the same vectors); else the function
    itself. The cache entry holds the function, so an id in the key cannot be reused while
    the entry lives."""
    if embed is None:
        return None
    owner, func = getattr(embed, "__self__", None), getattr(embed, "__func__", None)
    if owner is None or func is None:
        return embed
    checksum = getattr(owner, "checksum", None)
    model = getattr(owner, "model_name", None)
    ident = ("model", model, checksum) if checksum else ("object", id(owner))
    return (*ident, func.__qualname__)


def get_reranker(rerank: str | Path | Reranker, embed: EmbedFn | None = None) -> Reranker:
    """A built reranker for a name/path/spec, built once per (name, options) per process.

    `embed` is handed to rerankers that read vectors (MMR) and only then part of the key; the
    cache keeps the `CACHE_SIZE` most recently used rerankers."""
    register_project_rerankers()
    if isinstance(rerank, Reranker):
        return rerank
    name, options = parse_spec(str(rerank))
    takes_embed = embed is not None and name in TAKES_EMBED and "embed" not in options
    where = str(trained_model_dir(options.get("models_dir"))) if name == TRAINED_NAME else None
    key = (name, where, tuple(sorted((k, repr(v)) for k, v in options.items())),
           embed_key(embed) if takes_embed else None)
    with _LOCK:
        reranker = _CACHE.get(key)
        if reranker is not None:
            _CACHE.move_to_end(key)
            return reranker
    if takes_embed:
        options["embed"] = embed
    built = rerankers.get(name, **options)  # outside the lock: building may load a model
    with _LOCK:
        reranker = _CACHE.setdefault(key, built)  # a racing builder's object wins once
        _CACHE.move_to_end(key)
        while len(_CACHE) > max(1, CACHE_SIZE):
            _CACHE.popitem(last=False)
        return reranker


def cached_rerankers() -> int:
    """How many built rerankers the process holds (for tests and memory reports)."""
    with _LOCK:
        return len(_CACHE)


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()


def passage_text(hit: Hit) -> str:
    """What a reranker reads: the heading trail (a document title for BEIR rows), then the
    chunk text, as the embedding model saw it. Training pairs use the same function."""
    trail = " > ".join(s for s in hit.section if s)
    return f"{trail}\n{hit.text}" if trail else hit.text


def to_candidates(hits: Sequence[Hit]) -> list[Candidate]:
    return [Candidate(id=str(i), text=passage_text(h), score=float(h.score),
                      metadata={"chunk_id": h.chunk_id, "doc_id": h.doc_id, "lang": h.lang})
            for i, h in enumerate(hits)]


def rerank_hits(query: str, hits: list[Hit], rerank: str | Path | Reranker, *,
                embed: EmbedFn | None = None, top_k: int | None = None) -> list[Hit]:
    """The hits reordered by `rerank` (copies: the caller's hits are untouched). Each hit's
    `score` becomes the reranker's, `scores["rerank"]` keeps it and `scores["first_stage"]`
    the score it came in with. Hits beyond the reranker's depth are dropped."""
    if not hits:
        return []
    reranker = get_reranker(rerank, embed)
    ranked = reranker.rerank(query, to_candidates(hits), top_k=top_k)
    out: list[Hit] = []
    for c in ranked:
        hit = copy.copy(hits[int(c.id)])
        hit.scores = {**hit.scores, "first_stage": float(hit.score), "rerank": c.score}
        hit.score = c.score
        out.append(hit)
    return out


def list_rerankers() -> list[dict[str, Any]]:
    """Every registered name, with whether it can run here (for `indexer rerankers list`)."""
    register_project_rerankers()
    rows = []
    for name, description in rerankers.available().items():
        row: dict[str, Any] = {"name": name, "description": description, "ready": True}
        if name in (TRAINED_NAME, "ce-routed"):
            path = trained_model_dir()
            row.update(path=str(path), ready=(path / "config.json").is_file())
        elif name in ("minilm", "e5-cls"):
            from indexer import models

            model = "all-minilm-l6-v2" if name == "minilm" else "multilingual-e5-small"
            row["ready"] = models.is_installed(models.get_spec(model))
        elif name in ("cross-encoder", "encoder-sim"):
            row["ready"] = None  # needs model=PATH
        rows.append(row)
    return rows
