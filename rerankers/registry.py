"""Rerankers by name: `get("mmr", embed=f)`, `get("/path/to/cross-encoder")`.

Names map to factories (keyword options in, a Reranker out). A directory holding a
CrossEncoder is accepted wherever a name is, so a freshly trained model needs no
registration. Applications add their own names (the index registers its trained model as
`ce-multilingual`) with `register`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rerankers.base import Reranker

Factory = Callable[..., Reranker]


class UnknownRerankerError(LookupError, ValueError):
    """Neither a registered reranker name nor a cross-encoder directory."""


_FACTORIES: dict[str, Factory] = {}
_DESCRIPTIONS: dict[str, str] = {}


def register(name: str, factory: Factory, description: str = "", *,
             replace: bool = False) -> None:
    """Make `get(name, **options)` call `factory(**options)`."""
    if not name or "/" in name:
        raise ValueError(f"bad reranker name {name!r}: non-empty, no '/'")
    if name in _FACTORIES and not replace:
        raise ValueError(f"reranker {name!r} is already registered")
    _FACTORIES[name] = factory
    _DESCRIPTIONS[name] = description


def unregister(name: str) -> None:
    _FACTORIES.pop(name, None)
    _DESCRIPTIONS.pop(name, None)


def available() -> dict[str, str]:
    """Registered names → one-line descriptions."""
    return dict(sorted(_DESCRIPTIONS.items()))


def get(name_or_path: str | Path | Reranker, **options: Any) -> Reranker:
    """A ready reranker: an instance passes through, a name is built, a CE directory loaded."""
    if isinstance(name_or_path, Reranker):
        if options:
            raise ValueError("options apply to a name or path, not to a reranker object")
        return name_or_path
    key = str(name_or_path)
    if isinstance(name_or_path, str) and key in _FACTORIES:
        return _FACTORIES[key](**options)
    from rerankers.cross_encoder import CrossEncoderReranker, is_cross_encoder_dir

    if is_cross_encoder_dir(key):
        return CrossEncoderReranker(Path(key).expanduser(), **options)
    known = ", ".join(sorted(_FACTORIES))
    raise UnknownRerankerError(
        f"unknown reranker {key!r}: use one of {known}, or a cross-encoder model directory")


def _builtin() -> None:
    def cross_encoder(model: str | Path, **options: Any) -> Reranker:
        from rerankers.cross_encoder import CrossEncoderReranker

        return CrossEncoderReranker(model, **options)

    def mmr(**options: Any) -> Reranker:
        from rerankers.mmr import MMRReranker

        return MMRReranker(**options)

    def similarity(model: str | Path, **options: Any) -> Reranker:
        from rerankers.similarity import EncoderSimilarityReranker

        return EncoderSimilarityReranker(model, **options)

    def identity(**options: Any) -> Reranker:
        from rerankers.identity import IdentityReranker

        return IdentityReranker(**options)

    register("identity", identity, "first-stage order and scores (a baseline)")
    register("cross-encoder", cross_encoder, "a CrossEncoder directory (model=PATH)")
    register("mmr", mmr, "maximal marginal relevance; demotes near-duplicates (embed=FN)")
    register("encoder-sim", similarity,
             "cosine of a second SentenceTransformer (model=PATH, pooling=...)")


_builtin()
