"""Query-time scoring over segments: accumulate postings, filter, then select top-k.

The filter is applied to the candidate set before selection, so a filtered search returns k
hits whenever k allowed documents share a term with the query. Ties are broken by ascending
document id, so results do not depend on how the index is segmented.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from indexer.bm25.segment import Segment

Allowed = np.ndarray | Iterable[int] | None
# The compiled kernel when numba is installed; tests flip this to check both paths agree.
# None: decided at the first search, so that opening an index (or re-ingesting unchanged
# files) does not pay numba's ~0.3 s import.
USE_NUMBA: bool | None = None


def _kernels():  # noqa: ANN202 - the module, or None
    """The numba kernels when they are to be used (imported on first use), else None."""
    if USE_NUMBA is False:
        return None
    from indexer.bm25 import kernels

    return kernels if USE_NUMBA or kernels.AVAILABLE else None


def accumulate(
    segments: Sequence[Segment], term_ids: Sequence[int], n_total: int
) -> tuple[np.ndarray, np.ndarray]:
    """(positions, float32 scores) of every document with a positive score.

    Positions count across segments in order. Repeated query terms count again, as in bm25s
    and rank_bm25.
    """
    idx_parts: list[np.ndarray] = []
    val_parts: list[np.ndarray] = []
    offset = 0
    for seg in segments:
        indptr = seg.indptr
        for t in term_ids:
            if t < seg.n_terms:
                start, end = indptr[t], indptr[t + 1]
                if end > start:
                    docs = seg.indices[start:end]
                    idx_parts.append(docs + offset if offset else docs)
                    val_parts.append(seg.scores[start:end])
        offset += seg.n_docs
    if not idx_parts:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    if len(idx_parts) == 1:
        # One term in one segment: postings are unique and sorted already.
        pos, val = idx_parts[0].astype(np.int64), val_parts[0]
        keep = val > 0
        return pos[keep], val[keep]
    dense = np.bincount(np.concatenate(idx_parts), np.concatenate(val_parts), minlength=n_total)
    pos = np.flatnonzero(dense > 0)
    return pos, dense[pos].astype(np.float32)


def id_mask(allowed: Iterable[int] | np.ndarray) -> np.ndarray:
    """The filter as a bool array indexed by document id (ids past its end: not allowed).

    A bool array is taken as such a mask; anything else is a collection of allowed ids.
    """
    if isinstance(allowed, np.ndarray) and allowed.dtype == bool:
        if allowed.ndim != 1:
            raise ValueError(f"allowed mask must be 1-D, got shape {allowed.shape}")
        return allowed
    arr = allowed if isinstance(allowed, np.ndarray) else np.fromiter(allowed, np.int64)
    arr = arr.astype(np.int64, copy=False)
    arr = arr[arr >= 0]
    mask = np.zeros(int(arr.max()) + 1 if len(arr) else 0, bool)
    mask[arr] = True
    return mask


def search(
    segments: Sequence[Segment],
    term_ids: Sequence[int],
    all_ids: np.ndarray,
    allowed: Allowed,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (ids, scores) over the segments (the numba kernel takes exactly two)."""
    mask = None if allowed is None else id_mask(allowed)
    kernels = _kernels() if len(segments) == 2 else None
    if kernels is not None:
        main, delta = segments
        ids, scores = kernels.score_topk(
            np.asarray(term_ids, np.int64), main.indptr, main.indices, main.scores,
            main.n_docs, delta.indptr, delta.indices, delta.scores, all_ids,
            mask if mask is not None else np.zeros(0, bool), mask is not None, k)
        order = np.lexsort((ids, -scores))
        return ids[order], scores[order]
    pos, scores = accumulate(segments, term_ids, len(all_ids))
    ids = all_ids[pos]
    if mask is not None:
        ok = ids < len(mask)
        ok[ok] = mask[ids[ok]]
        ids, scores = ids[ok], scores[ok]
    return select(ids, scores, k)


def select(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top k by score, then ascending id; returns (ids int64, scores float32)."""
    if len(scores) > k:
        threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
        keep = scores >= threshold
        ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))[:k]
    return ids[order], scores[order]
