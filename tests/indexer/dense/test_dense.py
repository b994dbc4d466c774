"""Dense index: every type (flat, HNSW, IVF-PQ+refine) adds, filters, deletes, switches,
persists and refuses bad files; GPU selection falls back to the CPU quietly."""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np
import pytest

from indexer.dense import gpu as dense_gpu
from indexer.dense.config import DenseConfig
from indexer.dense.files import config_path, tombstones_path
from indexer.dense.index import DenseIndex

DIM, N = 32, 2000
KINDS = ("flat", "hnsw", "ivfpq")
# small but real: IVF-PQ trains 16 lists and 8x5-bit PQ on 2000 vectors (needs >= 1248)
SMALL = DenseConfig(hnsw_m=16, hnsw_ef_construction=64, hnsw_ef_search=64, ivf_nlist=16,
                    ivf_nprobe=12, pq_m=8, pq_nbits=5, refine_factor=8, exact_filter_max=200)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tests share two CPU cores with other work; OpenMP spinning makes builds 8x slower."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    yield
    faiss.omp_set_num_threads(before)


def clustered(n: int, seed: int = 0, dim: int = DIM) -> np.ndarray:
    """Normalized Gaussian mixture: ANN structures behave as on real embeddings."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(30, dim))
    x = centers[rng.integers(0, 30, n)] + 0.5 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


X = clustered(N)
IDS = np.arange(N, dtype=np.int64) * 7 + 3  # ids are not positions


def build(kind: str, n: int = N, **overrides: object) -> DenseIndex:
    index = DenseIndex(DIM, config=replace(SMALL, kind=kind, **overrides), device="cpu")
    index.add(IDS[:n], X[:n])
    assert index.kind == kind and len(index) == n
    return index


@pytest.fixture(scope="module", params=KINDS)
def built(request: pytest.FixtureRequest) -> DenseIndex:
    """One built index per kind, shared by the read-only tests."""
    return build(request.param)


def exact_top(query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    keep = np.ones(N, bool) if allowed is None else np.isin(IDS, allowed)
    scores = X[keep] @ query
    return IDS[keep][np.argsort(-scores, kind="stable")[:k]]


# -- device selection ---------------------------------------------------------------------
def test_device_auto_falls_back_to_cpu_without_warnings(caplog: pytest.LogCaptureFixture
                                                        ) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dense_gpu.choose_dense_device("auto") == "cpu"
        assert dense_gpu.choose_dense_device(None) == "cpu"
        index = DenseIndex(DIM, config=SMALL)
        index.add(IDS[:50], X[:50])
        assert index.device == "cpu" and index.search(X[0], 3)[0][0] == IDS[0]
    assert not [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]
    with pytest.raises(ValueError, match="gpu"):
        dense_gpu.choose_dense_device("gpu")
    with pytest.raises(ValueError, match="unknown dense device"):
        dense_gpu.choose_dense_device("tpu")


def _fake_gpu(monkeypatch: pytest.MonkeyPatch, copy) -> None:  # noqa: ANN001
    monkeypatch.setattr(faiss, "get_num_gpus", lambda: 1)
    monkeypatch.setattr(faiss, "StandardGpuResources", object, raising=False)
    monkeypatch.setattr(faiss, "GpuClonerOptions", type("O", (), {}), raising=False)
    monkeypatch.setattr(faiss, "index_cpu_to_gpu", copy, raising=False)
    monkeypatch.setattr(dense_gpu.GpuResources, "_res", None)


def test_gpu_copy_failure_means_cpu_search(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("no CUDA device")

    _fake_gpu(monkeypatch, broken)
    index = DenseIndex(DIM, config=replace(SMALL, kind="flat"), device="auto")
    index.add(IDS, X)
    assert index.device == "gpu"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ids, _ = index.search(X[5], 5)
    assert ids.tolist() == exact_top(X[5], 5).tolist()


def test_gpu_copy_serves_unfiltered_search(monkeypatch: pytest.MonkeyPatch) -> None:
    copies: list[str] = []

    def copy(_res: object, _dev: int, index: faiss.Index, _opts: object) -> faiss.Index:
        copies.append(type(index).__name__)
        return faiss.clone_index(index)

    _fake_gpu(monkeypatch, copy)
    index = DenseIndex(DIM, config=replace(SMALL, kind="flat"), device="gpu")
    index.add(IDS, X)
    assert index.search(X[5], 5)[0].tolist() == exact_top(X[5], 5).tolist()
    assert copies == ["IndexFlatIP"]
    hnsw = DenseIndex(DIM, config=replace(SMALL, kind="hnsw"), device="gpu")
    hnsw.add(IDS[:100], X[:100])
    hnsw.search(X[5], 5)
    assert copies == ["IndexFlatIP"]  # HNSW stays on the CPU


# -- search ----------------------------------------------------------------------------------
def test_search_finds_stored_vectors_with_cosine_scores(built: DenseIndex) -> None:
    for i in (0, 17, N - 1):
        ids, scores = built.search(X[i], 10)
        assert ids[0] == IDS[i] and scores[0] == pytest.approx(1.0, abs=1e-4)
        assert len(ids) == 10 and ids.dtype == np.int64 and scores.dtype == np.float32
        assert np.all(np.diff(scores) <= 1e-6)
    queries = clustered(20, seed=9)
    recall = np.mean([len(set(built.search(q, 10)[0]) & set(exact_top(q, 10))) / 10
                      for q in queries])
    assert recall >= 0.9


@pytest.mark.parametrize("n_allowed", [3, 15, 150, 1500])
def test_filtered_search_returns_k_allowed_ids(built: DenseIndex, n_allowed: int) -> None:
    """Up to exact_filter_max=200 allowed, HNSW/IVF-PQ score them exactly; 1500 go through
    the ANN structure with a selector. Either way: only allowed ids, k of them if k exist."""
    rng = np.random.default_rng(n_allowed)
    allowed = rng.choice(IDS, n_allowed, replace=False)
    noise = np.array([1, 2, 10**12], dtype=np.int64)  # unknown ids are ignored
    query = clustered(1, seed=5)[0]
    ids, scores = built.search(query, 10, allowed=np.concatenate([allowed, noise]))
    assert len(ids) == min(10, n_allowed)
    assert set(ids.tolist()) <= set(allowed.tolist())
    expected = exact_top(query, 10, allowed)
    if n_allowed <= SMALL.exact_filter_max:  # scored exactly for every kind
        assert ids.tolist() == expected.tolist()
    else:
        assert len(set(ids.tolist()) & set(expected.tolist())) >= 0.8 * len(expected)


@pytest.mark.parametrize("kind", ["hnsw", "ivfpq"])
def test_selective_filter_through_ann_still_returns_k(kind: str) -> None:
    """With the exact shortcut off, a filter admitting 15 of 2000 vectors makes the graph or
    the probed lists come back short; the widen-then-exact fallback still gives k."""
    index = build(kind, exact_filter_max=0, ivf_nprobe=1, hnsw_ef_search=10)
    allowed = IDS[np.random.default_rng(1).choice(N, 15, replace=False)]
    found = 0
    for q in clustered(5, seed=11):
        ids, _ = index.search(q, 10, allowed=allowed)
        assert len(ids) == 10 and set(ids.tolist()) <= set(allowed.tolist())
        found += len(set(ids.tolist()) & set(exact_top(q, 10, allowed).tolist()))
    assert found >= 0.8 * 50


def test_empty_and_degenerate_searches() -> None:
    empty = DenseIndex(DIM, config=SMALL)
    assert len(empty) == 0 and len(empty.search(X[0], 5)[0]) == 0
    index = build("hnsw", n=300)
    assert len(index.search(X[0], 0)[0]) == 0
    assert len(index.search(X[0], 5, allowed=np.empty(0, np.int64))[0]) == 0
    assert len(index.search(X[0], 5, allowed=np.array([1, 2]))[0]) == 0
    with pytest.raises(ValueError, match="dimension"):
        index.search(np.zeros(DIM + 1, np.float32), 5)


# -- add / remove ------------------------------------------------------------------------------
def test_add_rejects_bad_input() -> None:
    index = DenseIndex(DIM, config=SMALL)
    index.add(IDS[:10], X[:10])
    with pytest.raises(ValueError, match="already present"):
        index.add(IDS[:1], X[:1])
    with pytest.raises(ValueError, match="repeat"):
        index.add(np.array([5, 5]), X[:2])
    with pytest.raises(ValueError, match=">= 0"):
        index.add(np.array([-1]), X[:1])
    with pytest.raises(ValueError, match="dimension"):
        index.add(np.array([1]), np.zeros((1, DIM + 1), np.float32))
    assert len(index) == 10


@pytest.mark.parametrize("kind", KINDS)
def test_removed_ids_never_return_even_after_reload(kind: str, tmp_path: Path) -> None:
    index = build(kind, tombstone_fraction=0.5)
    gone = IDS[:300]
    assert index.remove(np.concatenate([gone, gone[:5], [10**9]])) == 300
    assert index.remove(gone) == 0
    assert len(index) == N - 300
    assert len(index.tombstones) == (0 if kind == "flat" else 300)

    def check(ix: DenseIndex) -> None:
        for i in (0, 1, 299):
            ids, _ = ix.search(X[i], 50)
            assert not set(ids.tolist()) & set(gone.tolist()) and len(ids) == 50
        assert len(ix.search(X[0], 10, allowed=gone)[0]) == 0
        mixed = np.concatenate([gone[:100], IDS[300:1800]])  # ANN path with a selector
        ids, _ = ix.search(X[0], 10, allowed=mixed)
        assert len(ids) == 10 and not set(ids.tolist()) & set(gone.tolist())
        with pytest.raises(KeyError):
            ix.vectors(gone[:1])

    check(index)
    index.save(tmp_path / "dense.faiss")
    loaded = DenseIndex.load(tmp_path / "dense.faiss", DIM)
    assert loaded.kind == kind and len(loaded) == N - 300
    assert loaded.tombstones.tolist() == index.tombstones.tolist()
    check(loaded)


@pytest.mark.parametrize("kind", ["hnsw", "ivfpq"])
def test_tombstones_past_fraction_compact_the_index(kind: str) -> None:
    index = build(kind, tombstone_fraction=0.1)
    index.remove(IDS[:150])  # 7.5%: tombstones only
    assert len(index.tombstones) == 150 and index.index.ntotal == N
    index.remove(IDS[150:400])  # 20% > 10%: rebuilt from the live vectors
    assert len(index.tombstones) == 0 and index.index.ntotal == N - 400 == len(index)
    assert index.kind == kind
    ids, _ = index.search(X[10], 20)
    assert not set(ids.tolist()) & set(IDS[:400].tolist())
    assert index.search(X[500], 1)[0][0] == IDS[500]
    np.testing.assert_array_equal(index.vectors(IDS[[400, N - 1]]), X[[400, N - 1]])


def test_readding_a_deleted_id_replaces_its_old_vector() -> None:
    index = build("hnsw", n=300)
    index.remove(IDS[:1])
    index.add(IDS[:1], X[1:2])  # same id, another vector
    assert len(index) == 300 and len(index.tombstones) == 0
    ids, scores = index.search(X[0], 3, allowed=IDS[:1])
    assert ids.tolist() == [IDS[0]] and scores[0] == pytest.approx(float(X[0] @ X[1]), abs=1e-5)


# -- switching types --------------------------------------------------------------------------
def test_auto_switches_type_at_the_thresholds() -> None:
    config = replace(SMALL, kind="auto", hnsw_threshold=500, ivfpq_threshold=1600)
    index = DenseIndex(DIM, config=config)
    index.add(IDS[:499], X[:499])
    assert index.kind == "flat"
    index.add(IDS[499:1000], X[499:1000])
    assert index.kind == "hnsw"
    index.add(IDS[1000:1599], X[1000:1599])
    assert index.kind == "hnsw"
    index.add(IDS[1599:], X[1599:])
    assert index.kind == "ivfpq" and len(index) == N
    np.testing.assert_array_equal(index.vectors(IDS[[0, 777, N - 1]]), X[[0, 777, N - 1]])
    for i in (0, 777, N - 1):
        assert index.search(X[i], 1)[0][0] == IDS[i]
    assert index.describe()["type"] == "ivfpq"


def test_explicit_ivfpq_waits_for_enough_training_vectors() -> None:
    config = replace(SMALL, kind="ivfpq")
    assert config.ivfpq_min_train() == 39 * 32
    index = DenseIndex(DIM, config=config)
    index.add(IDS[:1000], X[:1000])
    assert index.kind == "flat"
    index.add(IDS[1000:], X[1000:])
    assert index.kind == "ivfpq"


def test_switch_drops_tombstoned_vectors() -> None:
    config = replace(SMALL, kind="auto", hnsw_threshold=100, ivfpq_threshold=1600,
                     tombstone_fraction=0.9)
    index = DenseIndex(DIM, config=config)
    index.add(IDS[:1500], X[:1500])
    index.remove(IDS[:10])
    assert index.kind == "hnsw" and len(index.tombstones) == 10
    index.add(IDS[1500:], X[1500:])
    assert index.kind == "ivfpq" and len(index.tombstones) == 0 and len(index) == N - 10
    assert not set(index.search(X[3], 20)[0].tolist()) & set(IDS[:10].tolist())


# -- persistence ------------------------------------------------------------------------------
def test_round_trip_per_type(built: DenseIndex, tmp_path: Path) -> None:
    path = tmp_path / "dense.faiss"
    built.save(path)
    assert tombstones_path(path).name == "dense.tombstones.npy"
    assert config_path(path).name == "dense.config.json"
    assert not list(tmp_path.glob(".*.tmp"))
    loaded = DenseIndex.load(path, DIM)
    assert loaded.kind == built.kind and len(loaded) == len(built)
    assert loaded.config == built.config
    for q in clustered(5, seed=3):
        a, sa = built.search(q, 10)
        b, sb = loaded.search(q, 10)
        assert a.tolist() == b.tolist()
        np.testing.assert_allclose(sa, sb, atol=1e-5)
    override = replace(built.config, hnsw_ef_search=64, ivf_nprobe=4)
    assert DenseIndex.load(path, DIM, config=override).config == override


def test_empty_index_round_trip(tmp_path: Path) -> None:
    DenseIndex(DIM).save(tmp_path / "dense.faiss")
    loaded = DenseIndex.load(tmp_path / "dense.faiss", DIM)
    assert len(loaded) == 0 and loaded.kind == "flat" and loaded.config == DenseConfig()


def test_plain_flat_file_without_sidecars_loads(tmp_path: Path) -> None:
    """Indexes written before the sidecars existed (IndexIDMap2 over IndexFlatIP)."""
    old = faiss.IndexIDMap2(faiss.IndexFlatIP(DIM))
    old.add_with_ids(X[:20], IDS[:20])
    faiss.write_index(old, str(tmp_path / "dense.faiss"))
    loaded = DenseIndex.load(tmp_path / "dense.faiss", DIM)
    assert len(loaded) == 20 and loaded.search(X[4], 1)[0][0] == IDS[4]


@pytest.fixture
def saved_hnsw(tmp_path: Path) -> Path:
    index = DenseIndex(DIM, config=replace(SMALL, kind="hnsw"))
    index.add(IDS[:200], X[:200])
    index.remove(IDS[:3])
    path = tmp_path / "dense.faiss"
    index.save(path)
    return path


def test_load_refuses_wrong_dimension(saved_hnsw: Path) -> None:
    with pytest.raises(ValueError, match=r"dense\.faiss.*dimension 32, expected 64"):
        DenseIndex.load(saved_hnsw, 64)


@pytest.mark.parametrize("damage, match", [
    (lambda p: tombstones_path(p).write_bytes(b"not numpy"), "dense.tombstones.npy"),
    (lambda p: np.save(tombstones_path(p), np.array([1.5])), "dense.tombstones.npy.*int64"),
    (lambda p: np.save(tombstones_path(p), np.zeros((2, 2), np.int64)),
     "dense.tombstones.npy.*1-d"),
    (lambda p: np.save(tombstones_path(p), np.array([999_999], np.int64)),
     "dense.tombstones.npy.*not in the index"),
    (lambda p: np.save(tombstones_path(p), np.array(["x"], dtype=object), allow_pickle=True),
     "dense.tombstones.npy"),
    (lambda p: tombstones_path(p).unlink(), "dense.tombstones.npy: missing"),
    (lambda p: config_path(p).write_text("{broken"), "dense.config.json"),
    (lambda p: config_path(p).write_text(json.dumps({"kind": "lsh"})), "dense.config.json"),
    (lambda p: config_path(p).write_text(json.dumps({"hnsw_mm": 3})), "unknown keys"),
    (lambda p: p.write_bytes(b"\x00" * 64), "dense.faiss: not a readable FAISS index"),
])
def test_load_refuses_corrupt_files(saved_hnsw: Path, damage, match: str) -> None:  # noqa: ANN001
    damage(saved_hnsw)
    with pytest.raises(ValueError, match=match):
        DenseIndex.load(saved_hnsw, DIM)


def test_load_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        DenseIndex.load(tmp_path / "nope.faiss", DIM)


# -- config -----------------------------------------------------------------------------------
def test_config_round_trip_and_validation() -> None:
    config = DenseConfig(kind="hnsw", hnsw_m=8, tombstone_fraction=0.3)
    assert DenseConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    assert DenseConfig().kind_for(10) == "flat"
    assert DenseConfig().kind_for(50_000) == "hnsw"
    assert DenseConfig().kind_for(2_000_000) == "ivfpq"
    assert DenseConfig().nlist_for(100_000) == 1024
    for bad in ({"kind": "annoy"}, {"hnsw_m": 0}, {"tombstone_fraction": 0.0},
                {"ivf_nprobe": -1}, {"hnsw_threshold": 10, "ivfpq_threshold": 5},
                {"pq_nbits": 20}, {"hnsw_m": True}):
        with pytest.raises(ValueError):
            DenseConfig(**bad)
    with pytest.raises(ValueError, match="divide"):
        DenseIndex(30, config=replace(SMALL, kind="ivfpq")).rebuild(kind="ivfpq")
