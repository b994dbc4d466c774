"""Which rerankers a request may name: only bare names the operator allowed.

A reranker spec in the library can be a path or carry options (`cross-encoder:model=/x`,
`ce-multilingual:models_dir=/y`), which would let a request make the server load any model
on its disk. Over HTTP only a NAME in `--allow-rerank` is accepted, without options; the
default allows `identity` alone (it loads nothing and costs nothing).
"""

from __future__ import annotations

from collections.abc import Iterable

from indexer.server.errors import ApiError


def validate_allowed(names: Iterable[str]) -> tuple[str, ...]:
    """The operator's list, checked at startup: registered names only, no paths/options."""
    import rerankers
    from indexer.reranking.glue import register_project_rerankers

    register_project_rerankers()
    known = rerankers.available()
    out = []
    for name in names:
        if _looks_like_path_or_options(name) or name not in known:
            raise ValueError(f"--allow-rerank {name!r}: not a reranker name (known: "
                             f"{', '.join(sorted(known))}); paths and options are not allowed")
        out.append(name)
    return tuple(out)


def check_rerank(spec: str | None, allowed: Iterable[str]) -> None:
    """400 unless `spec` is None or exactly one of the allowed names."""
    if spec is None:
        return
    allowed = tuple(allowed)
    if spec in allowed:
        return
    shown = ", ".join(allowed) or "none"
    if ":" in spec or "=" in spec:
        why = "reranker options are not accepted over HTTP; send a bare name"
    elif _looks_like_path_or_options(spec):
        why = "a path is not accepted over HTTP; send a reranker name"
    else:
        why = "this reranker is not enabled on this server (the operator enables one with " \
              "--allow-rerank NAME)"
    raise ApiError(400, f"rerank {spec!r}: {why}; allowed: {shown}")


def _looks_like_path_or_options(name: str) -> bool:
    return any(c in name for c in "/\\:=~") or name.startswith(".") or not name.strip()
