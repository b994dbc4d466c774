"""BM25Index: language-aware BM25 over a main segment plus a small delta segment.

Updates tokenize only the new texts; deletes are tombstones. Whenever the corpus changes,
document frequencies, N and the average length are recomputed over the alive documents of
both segments and every posting's score is refreshed (one vectorized pass, done lazily at the
next search), so scores always equal those of a fresh build on the current corpus. The delta
is folded into the main segment by `merge()`, automatically once it (or the share of deleted
documents) passes `merge_fraction`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from indexer.bm25 import storage, topk
from indexer.bm25.config import DEFAULT_CONFIG, DEFAULT_PARAMS, BM25Params, TokenizerConfig
from indexer.bm25.scoring import idf, posting_scores
from indexer.bm25.segment import Segment
from indexer.bm25.tokenize import get_tokenizer
from indexer.bm25.topk import Allowed, accumulate

_EMPTY = (np.zeros(0, np.int64), np.zeros(0, np.float32))


def _as_ids(ids: Sequence[int] | np.ndarray, n: int | None = None) -> np.ndarray:
    arr = np.asarray(ids)
    if arr.size == 0:
        arr = arr.astype(np.int64)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError("ids must be a 1-D sequence of integers")
    arr = arr.astype(np.int64)
    if n is not None and len(arr) != n:
        raise ValueError(f"{n} texts but {len(arr)} ids")
    if len(arr) and arr.min() < 0:
        raise ValueError("ids must be non-negative")
    if len(np.unique(arr)) != len(arr):
        raise ValueError("ids must be unique")
    return arr


class BM25Index:
    """BM25 over texts in nine languages; see the module docstring for how updates work."""

    def __init__(
        self,
        config: TokenizerConfig = DEFAULT_CONFIG,
        params: BM25Params = DEFAULT_PARAMS,
        merge_fraction: float = 0.1,
    ) -> None:
        self.config = config
        self.params = params
        self.merge_fraction = merge_fraction
        self._vocab: dict[str, int] = {}
        self._terms: list[str] = []
        self._main = Segment.empty()
        self._delta = Segment.empty()
        self._dirty = True
        self._all_ids: np.ndarray | None = None

    # -- size ------------------------------------------------------------------------------

    @property
    def doc_count(self) -> int:
        """Number of searchable (not deleted) documents."""
        return int(self._main.alive.sum() + self._delta.alive.sum())

    def __len__(self) -> int:
        return self.doc_count

    @property
    def vocab_size(self) -> int:
        return len(self._terms)

    def ids(self) -> np.ndarray:
        """Ids of the searchable documents, ascending."""
        parts = [s.ids[s.alive] for s in (self._main, self._delta)]
        return np.sort(np.concatenate(parts))

    # -- building --------------------------------------------------------------------------

    def tokenize(self, text: str, language: str | None = None) -> list[str]:
        """The tokens this index makes of a text (documents and queries alike)."""
        return get_tokenizer(self.config).tokenize(text, language)

    def _token_ids(
        self, texts: Sequence[str], languages: Sequence[str | None] | None, grow: bool
    ) -> list[list[int]]:
        tokenized = get_tokenizer(self.config).tokenize_many(texts, languages)
        vocab, terms = self._vocab, self._terms
        get = vocab.get
        out = []
        for tokens in tokenized:
            ids = [get(tok) for tok in tokens]
            if None in ids:  # unseen terms: grow the vocabulary, or drop them from a query
                for i, tok in enumerate(tokens):
                    if ids[i] is None and grow:
                        tid = get(tok)
                        if tid is None:
                            tid = vocab[tok] = len(terms)
                            terms.append(tok)
                        ids[i] = tid
                ids = [tid for tid in ids if tid is not None]
            out.append(ids)
        return out

    def build(
        self,
        texts: Sequence[str],
        ids: Sequence[int] | np.ndarray,
        languages: Sequence[str | None] | None = None,
        config: TokenizerConfig | None = None,
    ) -> BM25Index:
        """Index `texts` from scratch (replacing any content); languages per text or None."""
        if config is not None:
            self.config = config
        arr = _as_ids(ids, len(texts))
        self._vocab, self._terms = {}, []
        docs = self._token_ids(texts, languages, grow=True)
        self._main = Segment.from_token_ids(docs, arr, len(self._terms))
        self._delta = Segment.empty(len(self._terms))
        self._changed()
        return self

    def upsert(
        self,
        texts: Sequence[str],
        ids: Sequence[int] | np.ndarray,
        languages: Sequence[str | None] | None = None,
    ) -> None:
        """Add documents, replacing any with the same id."""
        arr = _as_ids(ids, len(texts))
        if len(arr) == 0:
            return
        docs = self._token_ids(texts, languages, grow=True)
        self._tombstone(arr)
        n_terms = len(self._terms)
        new = Segment.from_token_ids(docs, arr, n_terms)
        self._delta = Segment.combine([self._delta, new], n_terms)
        self._main.padded(n_terms)
        self._changed()
        self._maybe_merge()

    def delete(self, ids: Sequence[int] | np.ndarray) -> int:
        """Remove documents by id; unknown ids are ignored. Returns how many were removed."""
        arr = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids, np.int64)
        removed = self._tombstone(arr)
        if removed:
            self._changed()
            self._maybe_merge()
        return removed

    def _tombstone(self, ids: np.ndarray) -> int:
        removed = 0
        for seg in (self._main, self._delta):
            hit = seg.alive & np.isin(seg.ids, ids)
            removed += int(hit.sum())
            seg.alive[hit] = False
        return removed

    def _maybe_merge(self) -> None:
        alive_main = int(self._main.alive.sum())
        dead = self._main.n_docs - alive_main + int((~self._delta.alive).sum())
        limit = self.merge_fraction * max(alive_main, 1)
        if self._delta.n_docs > limit or dead > limit:
            self.merge()

    def merge(self) -> None:
        """Fold the delta into the main segment and drop deleted documents."""
        n_terms = len(self._terms)
        self._main = Segment.combine([self._main, self._delta], n_terms)
        self._delta = Segment.empty(n_terms)
        self._changed()

    def _changed(self) -> None:
        self._dirty = True
        self._all_ids = None

    def _refresh(self) -> None:
        """Recompute df, N, avgdl over alive documents and every posting's score."""
        n_terms = len(self._terms)
        segments = [self._main.padded(n_terms), self._delta.padded(n_terms)]
        n_docs = sum(int(s.alive.sum()) for s in segments)
        total_len = sum(int(s.doc_len[s.alive].sum()) for s in segments)
        df = np.zeros(n_terms, np.int64)
        for seg in segments:
            df += np.bincount(seg.terms()[seg.live_postings()], minlength=n_terms)
        idf_by_term = idf(df, n_docs, self.params.method)
        avg_len = total_len / n_docs if n_docs else 1.0
        for seg in segments:
            scores = posting_scores(
                seg.terms(), seg.tf, seg.doc_len[seg.indices], idf_by_term, avg_len, self.params
            )
            scores[~seg.live_postings()] = 0.0
            seg.scores = scores
        self._all_ids = np.concatenate([s.ids for s in segments])
        self._dirty = False

    # -- searching -------------------------------------------------------------------------

    def _query_ids(self, query: str, language: str | None) -> list[int]:
        vocab = self._vocab
        return [vocab[t] for t in self.tokenize(query, language) if t in vocab]

    def search(
        self, query: str, k: int, allowed: Allowed = None, language: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids int64, scores float32) among documents sharing a term with the query.

        allowed: None (all), a bool array indexed by document id, or a collection of ids;
        applied before the top-k cut. Fewer than k hits only when fewer documents match.
        """
        if k <= 0:
            return _EMPTY
        term_ids = self._query_ids(query, language)
        if not term_ids:
            return _EMPTY
        if self._dirty:
            self._refresh()
        k = min(k, len(self._all_ids))  # the kernel allocates k slots
        return topk.search((self._main, self._delta), term_ids, self._all_ids, allowed, k)

    def get_scores(
        self, query: str, ids: Sequence[int] | np.ndarray, language: str | None = None
    ) -> np.ndarray:
        """float32 score of each given id for the query (0 for unmatched or unknown ids)."""
        want = np.asarray(ids, np.int64)
        out = np.zeros(len(want), np.float32)
        term_ids = self._query_ids(query, language)
        if not term_ids or len(want) == 0:
            return out
        if self._dirty:
            self._refresh()
        pos, scores = accumulate((self._main, self._delta), term_ids, len(self._all_ids))
        if len(pos) == 0:
            return out
        hit_ids = self._all_ids[pos]
        order = np.argsort(hit_ids)
        hit_ids, scores = hit_ids[order], scores[order]
        at = np.minimum(np.searchsorted(hit_ids, want), len(hit_ids) - 1)
        found = hit_ids[at] == want
        out[found] = scores[at[found]]
        return out

    # -- persistence -----------------------------------------------------------------------

    def save(self, directory: str | Path) -> None:
        """Write manifest.json, vocab.json and .npy arrays (no pickle) into `directory`."""
        storage.save(directory, self.config, self.params, self._terms, self._main, self._delta)

    @classmethod
    def load(
        cls,
        directory: str | Path,
        config: TokenizerConfig | None = None,
        params: BM25Params | None = None,
        merge_fraction: float = 0.1,
    ) -> BM25Index:
        """Read an index; refuse it (ValueError) if config/params are given and differ."""
        stored = storage.load(directory, config, params)
        index = cls(stored.config, stored.params, merge_fraction)
        index._terms = stored.terms
        index._vocab = {t: i for i, t in enumerate(stored.terms)}
        index._main, index._delta = stored.main, stored.delta
        index._changed()
        return index
