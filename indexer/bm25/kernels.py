"""Numba kernel for the query path (used when numba is installed; numpy fallback in topk.py).

One compiled pass per query: add each posting's precomputed score into a dense float32 array
(the same float32 sum, in the same query-term order, as bm25s's numba scorer), remember
which documents were touched, keep those the filter allows, and select the top k with a
bounded heap ordered by (score desc, id asc): no sort, and selection looks only at the
documents that matched.
"""

from __future__ import annotations

import numpy as np

try:
    from numba import njit
except ImportError:  # pragma: no cover - exercised where numba is absent
    njit = None

AVAILABLE = njit is not None


def _worse(s1: float, i1: int, s2: float, i2: int) -> bool:
    """Entry 1 ranks below entry 2: lower score, or equal score and larger id."""
    return s1 < s2 or (s1 == s2 and i1 > i2)


def _sift_down(hs, hi, pos, size):
    while True:
        left = 2 * pos + 1
        if left >= size:
            return
        child = left
        right = left + 1
        if right < size and _worse(hs[right], hi[right], hs[left], hi[left]):
            child = right
        if _worse(hs[child], hi[child], hs[pos], hi[pos]):
            hs[pos], hs[child] = hs[child], hs[pos]
            hi[pos], hi[child] = hi[child], hi[pos]
            pos = child
        else:
            return


def _sift_up(hs, hi, pos):
    while pos > 0:
        parent = (pos - 1) // 2
        if _worse(hs[pos], hi[pos], hs[parent], hi[parent]):
            hs[pos], hs[parent] = hs[parent], hs[pos]
            hi[pos], hi[parent] = hi[parent], hi[pos]
            pos = parent
        else:
            return


def _score_topk(term_ids, indptr0, indices0, scores0, n0, indptr1, indices1, scores1,
                all_ids, mask, use_mask, k):
    n_total = len(all_ids)
    acc = np.zeros(n_total, np.float32)
    cap = 0
    for t in term_ids:
        if t + 1 < len(indptr0):
            cap += indptr0[t + 1] - indptr0[t]
        if t + 1 < len(indptr1):
            cap += indptr1[t + 1] - indptr1[t]
    touched = np.empty(cap, np.int64)
    n_touched = 0
    for t in term_ids:
        if t + 1 < len(indptr0):
            for j in range(indptr0[t], indptr0[t + 1]):
                d = indices0[j]
                if acc[d] == 0.0:
                    touched[n_touched] = d
                    n_touched += 1
                acc[d] += scores0[j]
        if t + 1 < len(indptr1):
            for j in range(indptr1[t], indptr1[t + 1]):
                d = n0 + indices1[j]
                if acc[d] == 0.0:
                    touched[n_touched] = d
                    n_touched += 1
                acc[d] += scores1[j]
    hs = np.empty(k, np.float32)
    hi = np.empty(k, np.int64)
    size = 0
    for j in range(n_touched):
        d = touched[j]
        s = acc[d]
        if s <= 0.0:
            continue
        acc[d] = 0.0  # a doc touched twice (score back to 0 then up) is seen once
        doc_id = all_ids[d]
        if use_mask and (doc_id >= len(mask) or not mask[doc_id]):
            continue
        if size < k:
            hs[size] = s
            hi[size] = doc_id
            _sift_up(hs, hi, size)
            size += 1
        elif _worse(hs[0], hi[0], s, doc_id):
            hs[0] = s
            hi[0] = doc_id
            _sift_down(hs, hi, 0, size)
    return hi[:size].copy(), hs[:size].copy()


if AVAILABLE:
    _worse = njit(inline="always", cache=True)(_worse)
    _sift_down = njit(cache=True)(_sift_down)
    _sift_up = njit(cache=True)(_sift_up)
    score_topk = njit(cache=True)(_score_topk)
else:
    score_topk = None
