"""An immutable block of documents stored as a term-major (CSC) matrix of term frequencies.

Same layout as bm25s's score matrix (indptr per term, doc indices, values), but the values
are raw counts, so scores can be recomputed when global N/df/avgdl change. Only `alive`
(tombstones) and the derived `scores` ever change after construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

ARRAYS = ("tf", "indices", "indptr", "doc_len", "ids", "alive")


@dataclass
class Segment:
    tf: np.ndarray  # int32[nnz]: count of the term in the doc
    indices: np.ndarray  # int32[nnz]: doc position in this segment, ascending within a term
    indptr: np.ndarray  # int64[n_terms + 1]: postings of term t are [indptr[t], indptr[t+1])
    doc_len: np.ndarray  # int32[n_docs]: tokens in the doc
    ids: np.ndarray  # int64[n_docs]: caller's document ids
    alive: np.ndarray  # bool[n_docs]: False once deleted
    scores: np.ndarray = field(default=None, repr=False)  # float32[nnz], see index._refresh
    _terms: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_docs(self) -> int:
        return len(self.ids)

    @property
    def n_terms(self) -> int:
        return len(self.indptr) - 1

    @property
    def nnz(self) -> int:
        return len(self.tf)

    @classmethod
    def empty(cls, n_terms: int = 0) -> Segment:
        return cls(
            tf=np.zeros(0, np.int32),
            indices=np.zeros(0, np.int32),
            indptr=np.zeros(n_terms + 1, np.int64),
            doc_len=np.zeros(0, np.int32),
            ids=np.zeros(0, np.int64),
            alive=np.zeros(0, bool),
        )

    @classmethod
    def from_token_ids(
        cls, docs: Sequence[Sequence[int]], ids: np.ndarray, n_terms: int
    ) -> Segment:
        """Count terms per document in one vectorized sort of (term, doc) keys."""
        n = len(docs)
        if n == 0:
            return cls.empty(n_terms)
        lens = np.fromiter((len(d) for d in docs), np.int64, count=n)
        flat = np.fromiter(chain.from_iterable(docs), np.int64, count=int(lens.sum()))
        doc = np.repeat(np.arange(n, dtype=np.int64), lens)
        keys, counts = np.unique(flat * n + doc, return_counts=True)
        term = keys // n
        indptr = np.zeros(n_terms + 1, np.int64)
        np.cumsum(np.bincount(term, minlength=n_terms), out=indptr[1:])
        return cls(
            tf=counts.astype(np.int32),
            indices=(keys % n).astype(np.int32),
            indptr=indptr,
            doc_len=lens.astype(np.int32),
            ids=np.asarray(ids, np.int64).copy(),
            alive=np.ones(n, bool),
        )

    def padded(self, n_terms: int) -> Segment:
        """The same segment seen with a larger vocabulary (new terms have no postings here)."""
        if n_terms < self.n_terms:
            raise ValueError(f"cannot shrink a segment's vocabulary {self.n_terms} -> {n_terms}")
        if n_terms > self.n_terms:
            extra = np.full(n_terms - self.n_terms, self.indptr[-1], np.int64)
            self.indptr = np.concatenate([self.indptr, extra])
            self._terms = None
        return self

    def terms(self) -> np.ndarray:
        """Term id of every posting (int32[nnz])."""
        if self._terms is None:
            counts = np.diff(self.indptr)
            self._terms = np.repeat(np.arange(self.n_terms, dtype=np.int32), counts)
        return self._terms

    def live_postings(self) -> np.ndarray:
        """bool[nnz]: the posting's document is alive."""
        return self.alive[self.indices]

    @classmethod
    def combine(cls, segments: Sequence[Segment], n_terms: int) -> Segment:
        """One segment holding the alive documents of `segments`, in order; no re-tokenizing."""
        terms, docs, tfs, lens, ids = [], [], [], [], []
        offset = 0
        for seg in segments:
            seg.padded(n_terms)
            new_pos = np.cumsum(seg.alive) - 1 + offset
            live = seg.live_postings()
            terms.append(seg.terms()[live])
            docs.append(new_pos[seg.indices[live]])
            tfs.append(seg.tf[live])
            lens.append(seg.doc_len[seg.alive])
            ids.append(seg.ids[seg.alive])
            offset += int(seg.alive.sum())
        term = np.concatenate(terms) if terms else np.zeros(0, np.int32)
        # Stable: within a term, postings keep segment order then doc order, i.e. ascending docs.
        order = np.argsort(term, kind="stable")
        indptr = np.zeros(n_terms + 1, np.int64)
        np.cumsum(np.bincount(term, minlength=n_terms), out=indptr[1:])
        doc_ids = np.concatenate(ids) if ids else np.zeros(0, np.int64)
        return cls(
            tf=np.concatenate(tfs)[order].astype(np.int32) if tfs else np.zeros(0, np.int32),
            indices=np.concatenate(docs)[order].astype(np.int32) if docs else np.zeros(0, np.int32),
            indptr=indptr,
            doc_len=np.concatenate(lens).astype(np.int32) if lens else np.zeros(0, np.int32),
            ids=doc_ids,
            alive=np.ones(len(doc_ids), bool),
        )
