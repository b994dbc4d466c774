"""BM25Index: filtering before top-k, updates equal a rebuild, save/load, empty inputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from indexer.bm25 import BM25Index, BM25Params, TokenizerConfig

WORDS = ["fever", "cough", "malaria", "dengue", "water", "vaccine", "clinic", "mother",
         "बुखार", "खांसी", "पानी", "টিকা", "জ্বর", "காய்ச்சல்", "ನೀರು", "నీరు", "diarrhoea"]
QUERIES = ["fever water", "malaria vaccine clinic", "बुखार पानी", "জ্বর টিকা", "diarrhoea",
           "காய்ச்சல் నీరు ನೀರು", "mother cough", "new words only here"]


def _texts(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, size=int(rng.integers(0, 20)))) for _ in range(n)]


def _assert_same_scores(a: BM25Index, b: BM25Index, queries=QUERIES) -> None:
    ids = a.ids()
    np.testing.assert_array_equal(ids, b.ids())
    for query in queries:
        np.testing.assert_allclose(a.get_scores(query, ids), b.get_scores(query, ids),
                                   rtol=1e-5, atol=1e-5, err_msg=query)
        ha, sa = a.search(query, 15)
        hb, sb = b.search(query, 15)
        np.testing.assert_allclose(sa, sb, rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(ha, hb)


def test_filter_applies_before_top_k() -> None:
    # Ids 0-49 say "fever" many times and outrank ids 50-69, which say it once.
    texts = ["fever " * 5 + "clinic"] * 50 + ["fever water tank"] * 20 + ["water"] * 10
    ids = np.arange(len(texts))
    index = BM25Index().build(texts, ids)
    top, _ = index.search("fever", 10)
    assert set(top) <= set(range(50))
    allowed_ids = set(range(50, 80))
    for allowed in (allowed_ids, np.isin(np.arange(100), list(allowed_ids)), list(allowed_ids)):
        hits, scores = index.search("fever", 10, allowed=allowed)
        assert len(hits) == 10 and set(hits) <= set(range(50, 70))
        assert np.all(scores > 0)
    # Only 20 allowed documents contain the term: never padded with non-matching ones.
    hits, _ = index.search("fever", 30, allowed=allowed_ids)
    assert sorted(hits) == list(range(50, 70))
    # A mask shorter than the id range disallows ids past its end.
    assert len(index.search("fever", 10, allowed=np.ones(5, bool))[0]) == 5
    assert len(index.search("fever", 10, allowed=set())[0]) == 0


def test_ties_break_by_id_and_results_sorted() -> None:
    index = BM25Index().build(["malaria"] * 6, [9, 3, 7, 1, 5, 2])
    hits, scores = index.search("malaria", 4)
    assert list(hits) == [1, 2, 3, 5]
    assert np.all(scores == scores[0])


@pytest.mark.parametrize("merge_fraction", [10.0, 0.1, 0.0])
def test_upsert_and_delete_equal_a_fresh_build(merge_fraction: float) -> None:
    texts = _texts(120, seed=1)
    corpus = dict(enumerate(texts))
    index = BM25Index(merge_fraction=merge_fraction).build(texts, list(corpus))
    rng = np.random.default_rng(2)
    for step in range(4):
        new_ids = list(range(1000 + 10 * step, 1005 + 10 * step))  # new documents
        replaced = [int(i) for i in rng.choice(list(corpus), 3, replace=False)]
        batch = new_ids + replaced
        texts_b = _texts(len(batch), seed=10 + step)
        if step == 2:
            texts_b[0] = "completely new vocabulary appears here"
        index.upsert(texts_b, batch)
        corpus.update(zip(batch, texts_b, strict=True))
        gone = [int(i) for i in rng.choice(list(corpus), 4, replace=False)] + [99999]
        assert index.delete(gone) == 4
        for i in gone:
            corpus.pop(i, None)
        fresh = BM25Index().build(list(corpus.values()), list(corpus))
        assert len(index) == len(fresh) == len(corpus)
        _assert_same_scores(index, fresh, QUERIES + ["completely new vocabulary"])
    index.merge()
    _assert_same_scores(index, BM25Index().build(list(corpus.values()), list(corpus)))


def test_auto_merge_when_delta_grows() -> None:
    index = BM25Index(merge_fraction=0.1).build(_texts(50, 1), range(50))
    index.upsert(_texts(3, 2), [100, 101, 102])
    assert index._delta.n_docs == 3
    index.upsert(_texts(3, 3), [103, 104, 105])
    assert index._delta.n_docs == 0 and index._main.n_docs == 56


def test_save_load_round_trip(tmp_path: Path) -> None:
    config = TokenizerConfig(language="auto")
    index = BM25Index(config, BM25Params(k1=1.1, b=0.6), merge_fraction=10.0)
    index.build(_texts(80, 4), range(80))
    index.upsert(_texts(5, 5), [3, 500, 501, 502, 503])  # delta segment + a tombstone
    index.delete([7])
    index.save(tmp_path / "ix")
    loaded = BM25Index.load(tmp_path / "ix", config=config, merge_fraction=10.0)
    assert loaded.params == index.params and loaded.config == config
    _assert_same_scores(index, loaded)
    # Loaded indexes keep accepting updates.
    loaded.upsert(["fever clinic"], [900])
    assert 900 in loaded.search("clinic", 100)[0]
    # No pickle: every array loads with allow_pickle=False.
    for file in (tmp_path / "ix").glob("*.npy"):
        np.load(file, allow_pickle=False)


def _saved(tmp_path: Path) -> Path:
    path = tmp_path / "ix"
    BM25Index().build(_texts(30, 6), range(30)).save(path)
    return path


def test_load_refuses_mismatched_config(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    with pytest.raises(ValueError, match="manifest.json.*tokenizer config"):
        BM25Index.load(path, config=TokenizerConfig(stem=False))
    with pytest.raises(ValueError, match="BM25 params"):
        BM25Index.load(path, params=BM25Params(k1=2.0))
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["resources"]["stopwords"] = "0" * 16
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="resources"):
        BM25Index.load(path)


@pytest.mark.parametrize(
    "file,bad",
    [
        ("main.indices.npy", lambda a: a[:-1]),
        ("main.indices.npy", lambda a: a + 1000),
        ("main.indptr.npy", lambda a: a[::-1].copy()),
        ("main.tf.npy", lambda a: a.astype(np.float32)),
        ("main.ids.npy", lambda a: a.reshape(-1, 1)),
        ("main.alive.npy", lambda a: a[:3]),
        ("delta.doc_len.npy", lambda a: np.zeros(4, np.int32)),
        ("main.ids.npy", lambda a: np.zeros_like(a)),
    ],
)
def test_load_refuses_corrupt_arrays(tmp_path: Path, file: str, bad) -> None:
    path = _saved(tmp_path)
    np.save(path / file, bad(np.load(path / file)), allow_pickle=False)
    with pytest.raises(ValueError, match=r"\.npy"):
        BM25Index.load(path)


def test_load_refuses_pickled_and_missing_files(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    np.save(path / "main.tf.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="main.tf.npy"):
        BM25Index.load(path)
    (path / "main.tf.npy").unlink()
    with pytest.raises(ValueError, match="main.tf.npy: missing"):
        BM25Index.load(path)
    (path / "vocab.json").write_text("[1, 2")
    with pytest.raises(ValueError, match="vocab.json"):
        BM25Index.load(path)
    with pytest.raises(ValueError, match="manifest.json"):
        BM25Index.load(tmp_path / "nowhere")


def test_empty_corpus_and_empty_queries(tmp_path: Path) -> None:
    index = BM25Index().build([], [])
    assert len(index) == 0 and index.doc_count == 0
    for query in ("", "fever", "the of"):
        ids, scores = index.search(query, 10)
        assert ids.dtype == np.int64 and scores.dtype == np.float32 and len(ids) == 0
    index.save(tmp_path / "empty")
    assert len(BM25Index.load(tmp_path / "empty")) == 0
    index.upsert(["fever clinic", ""], [1, 2])
    assert list(index.search("fever", 10)[0]) == [1]
    full = BM25Index().build(["fever", "", "   "], [0, 1, 2])
    for query in ("", "!!!", "the of and", "unknownword"):
        assert len(full.search(query, 5)[0]) == 0
    assert len(full.search("fever", 0)[0]) == 0
    assert len(full) == 3
    full.delete([0])
    assert len(full.search("fever", 5)[0]) == 0


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="unique"):
        BM25Index().build(["a b", "c d"], [1, 1])
    with pytest.raises(ValueError, match="ids"):
        BM25Index().build(["a b"], [1, 2])
    with pytest.raises(ValueError, match="languages"):
        BM25Index().build(["a b"], [1], languages=["en", "hi"])
    index = BM25Index().build(["fever"], [1])
    with pytest.raises(ValueError):
        index.upsert(["x"], [-1])
    assert list(index.search("fever", 3)[0]) == [1]  # a failed upsert changed nothing


def test_languages_given_per_text() -> None:
    # "मला" is a Marathi pronoun, not a Hindi stopword: the given language decides.
    index = BM25Index().build(["मला ताप आहे", "बुखार है"], [1, 2], languages=["mr", "hi"])
    assert list(index.search("ताप", 5, language="mr")[0]) == [1]
    assert list(index.search("बुखार", 5, language="hi")[0]) == [2]


def test_numba_and_numpy_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    from indexer.bm25 import kernels, topk

    if not kernels.AVAILABLE:
        pytest.skip("numba not installed")
    index = BM25Index(merge_fraction=10.0).build(_texts(150, 8), range(150))
    index.upsert(_texts(10, 9), list(range(140, 150)) + [])  # replacements live in the delta
    index.delete([3, 4])
    masks = [None, set(range(0, 150, 3)), np.arange(200) % 2 == 0]
    results = {}
    for use_numba in (True, False):
        monkeypatch.setattr(topk, "USE_NUMBA", use_numba)
        results[use_numba] = [index.search(q, k, allowed=m) for q in QUERIES
                              for k in (1, 7, 500) for m in masks]
    for (ia, sa), (ib, sb) in zip(results[True], results[False], strict=True):
        np.testing.assert_array_equal(ia, ib)
        np.testing.assert_allclose(sa, sb, rtol=1e-6)
