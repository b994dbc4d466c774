"""BM25 formulas, vectorized over postings, identical to bm25s's (see BM25Params).

bm25s bakes idf x tf-part into its matrix with the corpus's N and average length, so it cannot
add a document. Here the index keeps raw term frequencies and recomputes these products with
global statistics in one numpy pass whenever the corpus changes: scores then equal a fresh
build's. Parity with bm25s and rank_bm25 is tested in tests/comparison/test_bm25_parity.py.
"""

from __future__ import annotations

import numpy as np

from indexer.bm25.config import BM25Params


def idf(df: np.ndarray, n_docs: int, method: str) -> np.ndarray:
    """Inverse document frequency per term (float64); 0 where df == 0."""
    df = df.astype(np.float64)
    out = np.zeros_like(df)
    has = df > 0
    d = df[has]
    if method == "lucene":
        out[has] = np.log1p((n_docs - d + 0.5) / (d + 0.5))
    elif method == "robertson":
        out[has] = np.log(np.maximum(1.0, (n_docs - d + 0.5) / (d + 0.5)))
    elif method == "atire":
        out[has] = np.log(n_docs / d)
    else:
        raise ValueError(f"unknown BM25 method {method!r}")
    return out


def tf_part(tf: np.ndarray, doc_len: np.ndarray, avg_len: float, p: BM25Params) -> np.ndarray:
    """Saturating term-frequency factor per posting (float64)."""
    tf = tf.astype(np.float64)
    norm = p.k1 * (1.0 - p.b + p.b * doc_len.astype(np.float64) / avg_len)
    if p.method == "atire":
        return tf * (p.k1 + 1.0) / (tf + norm)
    return tf / (tf + norm)


def posting_scores(
    term: np.ndarray,
    tf: np.ndarray,
    doc_len: np.ndarray,
    idf_by_term: np.ndarray,
    avg_len: float,
    params: BM25Params,
) -> np.ndarray:
    """float32 BM25 contribution of each posting (term, doc with length doc_len, count tf)."""
    if len(tf) == 0:
        return np.zeros(0, dtype=np.float32)
    return (idf_by_term[term] * tf_part(tf, doc_len, avg_len, params)).astype(np.float32)
