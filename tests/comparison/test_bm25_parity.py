"""Scores equal rank_bm25's and raw bm25s's on the same tokens.

Which pairs match (BM25Params docstring has the formulas):
- lucene (our default) = bm25s method="lucene". rank_bm25 has no Lucene class: BM25Okapi uses
  tf*(k1+1)/(tf+k1*L) and idf ln((N-df+.5)/(df+.5)) with an epsilon floor, so the test
  overrides its idf with Lucene's ln(1+(N-df+.5)/(df+.5)) and divides by (k1+1), a constant
  that bm25s/Lucene drop.
- robertson = bm25s "robertson" = rank_bm25 BM25Okapi(epsilon=0) / (k1+1): epsilon=0 turns
  BM25Okapi's floor for negative idf into bm25s's clamp at 0.
- atire = bm25s "atire" = rank_bm25 BM25Okapi with idf ln(N/df), unscaled.
"""

from __future__ import annotations

import math

import bm25s
import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from indexer.bm25 import BM25Index, BM25Params, TokenizerConfig


def _corpus(n: int = 60, seed: int = 7) -> list[str]:
    rng = np.random.default_rng(seed)
    words = ["fever", "cough", "malaria", "dengue", "water", "vaccine", "clinic", "mother",
             "बुखार", "खांसी", "पानी", "টিকা", "জ্বর", "காய்ச்சல்", "ನೀರು", "నీరు"]
    # Zipf-like draw so some terms are in more than half of the documents (robertson clamp).
    p = 1.0 / np.arange(1, len(words) + 1)
    p /= p.sum()
    return [" ".join(rng.choice(words, size=int(rng.integers(1, 25)), p=p)) for _ in range(n)]


QUERIES = ["fever water", "malaria vaccine clinic", "बुखार पानी", "জ্বর টিকা", "fever fever",
           "காய்ச்சல் నీరు ನೀರು", "mother"]


class _Okapi(BM25Okapi):
    """rank_bm25's BM25Okapi with a replaceable idf formula."""

    def __init__(self, corpus, idf_fn, **kw):
        self._idf_fn = idf_fn
        super().__init__(corpus, **kw)

    def _calc_idf(self, nd):
        for word, freq in nd.items():
            self.idf[word] = self._idf_fn(freq, self.corpus_size)


def _reference(method: str, tokens: list[list[str]], k1: float, b: float):
    if method == "lucene":
        ref = _Okapi(tokens, lambda df, n: math.log(1 + (n - df + 0.5) / (df + 0.5)), k1=k1, b=b)
        return ref, 1.0 / (k1 + 1)
    if method == "robertson":
        return BM25Okapi(tokens, k1=k1, b=b, epsilon=0.0), 1.0 / (k1 + 1)
    ref = _Okapi(tokens, lambda df, n: math.log(n / df), k1=k1, b=b)
    return ref, 1.0


@pytest.mark.parametrize("method", ["lucene", "robertson", "atire"])
@pytest.mark.parametrize("k1,b", [(1.2, 0.75), (1.5, 0.3)])
def test_scores_match_rank_bm25_and_bm25s(method: str, k1: float, b: float) -> None:
    texts = _corpus()
    ids = np.arange(100, 100 + len(texts))
    index = BM25Index(TokenizerConfig(), BM25Params(k1=k1, b=b, method=method))
    index.build(texts, ids)
    tokens = [index.tokenize(t) for t in texts]
    ref, scale = _reference(method, tokens, k1, b)
    raw = bm25s.BM25(k1=k1, b=b, method=method)
    raw.index(tokens, show_progress=False)
    for query in QUERIES:
        q_tokens = index.tokenize(query)
        ours = index.get_scores(query, ids)
        expected = np.asarray(ref.get_scores(q_tokens)) * scale
        np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-6, err_msg=query)
        np.testing.assert_allclose(ours, raw.get_scores(q_tokens), rtol=1e-5, atol=1e-6,
                                   err_msg=query)


def test_search_matches_bm25s_top_k() -> None:
    texts = _corpus(200, seed=3)
    index = BM25Index().build(texts, np.arange(len(texts)))
    tokens = [index.tokenize(t) for t in texts]
    raw = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    raw.index(tokens, show_progress=False)
    for query in QUERIES:
        ids, scores = index.search(query, 10)
        expected = raw.get_scores(index.tokenize(query))
        np.testing.assert_allclose(scores, expected[ids], rtol=1e-5)
        assert scores[-1] >= np.sort(expected)[-10] - 1e-5
        assert np.all(np.diff(scores) <= 0)
