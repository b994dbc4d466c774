"""Constructing the FAISS structures behind DenseIndex, and the search parameters for each.

Every index is an `IndexIDMap2` (64-bit chunk ids <-> sequential positions, persisted in the
same file) around one inner index whose storage keeps the raw vectors, so any type can be
rebuilt into any other from what is on disk:

- flat:  IndexFlatIP
- hnsw:  IndexHNSWFlat (inner product)
- ivfpq: IndexRefineFlat(IndexIVFPQ): PQ codes find k*refine_factor candidates, the flat
  refine index re-ranks them exactly. It costs the raw vectors in memory (4*dim bytes each)
  besides the codes; in exchange scores are exact and the index can be rebuilt losslessly.

Searches go to the inner index directly with selectors over positions (not ids): IndexRefine
does not pass an IndexIDMap's translated selector on to its base index, so DenseIndex does
the id -> position translation itself, the same way for all three types.
"""

from __future__ import annotations

from typing import Any

import faiss
import numpy as np

from indexer.dense.config import DenseConfig


def new_index(kind: str, dim: int, config: DenseConfig,
              train: np.ndarray | None = None) -> faiss.IndexIDMap2:
    """An empty, trained index of `kind`; IVF-PQ trains on a sample of `train`."""
    if kind == "flat":
        inner: faiss.Index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        inner = faiss.IndexHNSWFlat(dim, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = config.hnsw_ef_construction
        inner.hnsw.efSearch = config.hnsw_ef_search
    elif kind == "ivfpq":
        inner = _new_ivfpq(dim, config, train)
    else:
        raise ValueError(f"unknown dense index kind {kind!r}")
    return faiss.IndexIDMap2(inner)


def _new_ivfpq(dim: int, config: DenseConfig, train: np.ndarray | None) -> faiss.Index:
    if dim % config.pq_m:
        raise ValueError(f"dense config pq_m={config.pq_m} must divide the dimension {dim}")
    if train is None or len(train) < config.ivfpq_min_train(len(train)):
        have = 0 if train is None else len(train)
        raise ValueError(f"IVF-PQ needs at least {config.ivfpq_min_train(have)} training "
                         f"vectors, got {have}")
    n = len(train)
    nlist = config.nlist_for(n)
    quantizer = faiss.IndexFlatIP(dim)
    ivf = faiss.IndexIVFPQ(quantizer, dim, nlist, config.pq_m, config.pq_nbits,
                           faiss.METRIC_INNER_PRODUCT)
    ivf.cp.seed = config.seed
    ivf.pq.cp.seed = config.seed
    ivf.nprobe = min(config.ivf_nprobe, nlist)
    rng = np.random.default_rng(config.seed)
    count = config.train_count(n)
    sample = train if count >= n else train[np.sort(rng.choice(n, count, replace=False))]
    ivf.train(np.ascontiguousarray(sample, dtype=np.float32))
    refine = faiss.IndexRefineFlat(ivf)
    refine.k_factor = float(config.refine_factor)
    return refine


def inner_of(index: faiss.IndexIDMap2) -> faiss.Index:
    return faiss.downcast_index(index.index)


def storage_of(index: faiss.IndexIDMap2) -> faiss.IndexFlat:
    """The flat index holding the raw vectors, by position, for every kind: exact scoring
    of a subset (selector) and reconstruction read it without copying the index."""
    inner = inner_of(index)
    if isinstance(inner, faiss.IndexHNSW):
        return faiss.downcast_index(inner.storage)
    if isinstance(inner, faiss.IndexRefine):
        return faiss.downcast_index(inner.refine_index)
    return inner


def kind_of(index: faiss.IndexIDMap2) -> str:
    """Which of our types a (loaded) index is; ValueError for anything else."""
    inner = inner_of(index)
    if isinstance(inner, faiss.IndexHNSWFlat):
        return "hnsw"
    if isinstance(inner, faiss.IndexRefine) and isinstance(
            faiss.downcast_index(inner.base_index), faiss.IndexIVFPQ):
        return "ivfpq"
    if isinstance(inner, faiss.IndexFlat):
        return "flat"
    raise ValueError(f"unsupported dense index structure {type(inner).__name__}")


def search_params(kind: str, index: faiss.IndexIDMap2, config: DenseConfig, k: int,
                  sel: Any, widen: int = 1) -> tuple[Any, list[Any]]:
    """Search parameters for the inner index, and the objects they point to.

    SWIG parameter objects do not own their selector or sub-parameters, so the caller keeps
    the returned list alive until the search returns. `widen` multiplies efSearch/nprobe
    for the retry when a filtered ANN search found fewer than k results.
    """
    if kind == "flat":
        return (faiss.SearchParameters(sel=sel) if sel is not None else None), []
    if kind == "hnsw":
        params = faiss.SearchParametersHNSW(efSearch=max(config.hnsw_ef_search, k) * widen)
        if sel is not None:
            params.sel = sel
        return params, []
    ivf = faiss.downcast_index(inner_of(index).base_index)
    base = faiss.SearchParametersIVF(nprobe=min(config.ivf_nprobe * widen, ivf.nlist))
    if sel is not None:
        base.sel = sel
    params = faiss.IndexRefineSearchParameters(k_factor=float(config.refine_factor),
                                               base_index_params=base)
    return params, [base]
