"""Query-vector feedback (indexer.dense.feedback): the Rocchio step itself, and hybrid search
running dense a second time with the moved query. Real model, real FAISS, real bm25s."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.dense.feedback import DEFAULT_FEEDBACK, Feedback, resolve
from loaders import Block, BlockKind, Document


def _unit(v: list[float]) -> np.ndarray:
    a = np.asarray(v, dtype=np.float32)
    return a / np.linalg.norm(a)


def test_expand_moves_toward_the_seeds_and_stays_unit_length() -> None:
    q = _unit([1.0, 0.0, 0.0])
    seeds = np.stack([_unit([0.0, 1.0, 0.0]), _unit([0.0, 1.0, 1.0]), _unit([0, 0, 1.0])])
    moved = Feedback(k=2, beta=0.5).expand(q, seeds)
    assert np.linalg.norm(moved) == pytest.approx(1.0, abs=1e-6)
    expected = q + 0.5 * seeds[:2].mean(axis=0)  # only the top k seeds count
    assert np.allclose(moved, expected / np.linalg.norm(expected), atol=1e-6)
    assert float(moved @ seeds[0]) > float(q @ seeds[0])
    assert np.array_equal(Feedback(beta=0.0).expand(q, seeds), q)
    assert np.array_equal(Feedback().expand(q, np.empty((0, 3))), q)


def test_settings_validate_and_round_trip() -> None:
    assert Feedback.from_dict(DEFAULT_FEEDBACK.to_dict()) == DEFAULT_FEEDBACK
    assert resolve(True) is DEFAULT_FEEDBACK and resolve(None) is None and resolve(False) is None
    assert resolve({"k": 3, "beta": 0.25}) == Feedback(k=3, beta=0.25)
    with pytest.raises(ValueError, match="at least 1"):
        Feedback(k=0)
    with pytest.raises(ValueError, match="unknown feedback"):
        resolve({"kk": 2})
    with pytest.raises(TypeError, match="feedback must be"):
        resolve("on")  # type: ignore[arg-type]


def _doc(doc_id: str, text: str, title: str) -> Document:
    return Document(id=doc_id, source=doc_id, checksum=doc_id, title=title, language="en",
                    blocks=[Block(BlockKind.PARAGRAPH, text, language="en", section=[title])])


DOCS = [
    _doc("wash", "Wash your hands with soap and clean water for at least twenty seconds "
         "before feeding a baby and after using the toilet.", "Hand washing"),
    _doc("cord", "Keep the umbilical cord stump clean and dry. Do not apply anything to it.",
         "Cord care"),
    _doc("ors", "Give oral rehydration solution after every loose stool.", "Diarrhoea"),
    _doc("fever", "A baby under two months with a fever must see a health worker today.",
         "Fever"),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, embedder):  # noqa: ANN001, ANN201
    from indexer import Index

    index = Index.create(tmp_path_factory.mktemp("fb") / "idx", embedder=embedder)
    index.add(DOCS)
    return index


def test_hybrid_search_reruns_dense_with_the_moved_query(index, embedder) -> None:  # noqa: ANN001
    query = "soap before feeding"
    timings: dict[str, float] = {}
    with_fb = index.search(query, k=4, timings=timings)
    without = index.search(query, k=4, feedback=None)
    assert "feedback" in timings and "feedback" not in _timed(index, query, None)
    assert with_fb[0].doc_id == without[0].doc_id == "wash"
    # the dense scores are the moved query's: its cosine with each chunk, recomputed here
    fused = index.search(query, k=DEFAULT_FEEDBACK.k, feedback=None)
    snap = index._snap
    seeds = snap.dense.vectors(np.asarray([_rowid(snap, h.chunk_id) for h in fused]))
    moved = DEFAULT_FEEDBACK.expand(embedder.embed_query(query), seeds)
    for hit in with_fb:
        vec = snap.dense.vectors(np.asarray([_rowid(snap, hit.chunk_id)]))[0]
        assert hit.scores["chunk"] == pytest.approx(float(vec @ moved), abs=1e-4)
    assert any(a.scores["chunk"] != pytest.approx(b.scores["chunk"], abs=1e-6)
               for a, b in zip(sorted(with_fb, key=lambda h: h.chunk_id),
                               sorted(without, key=lambda h: h.chunk_id), strict=True))


def test_feedback_leaves_single_retriever_modes_alone(index) -> None:  # noqa: ANN001
    for mode in ("dense", "bm25"):
        a = index.search("cord stump", k=4, mode=mode)
        b = index.search("cord stump", k=4, mode=mode, feedback=None)
        assert [(h.chunk_id, h.score) for h in a] == [(h.chunk_id, h.score) for h in b]
        assert "feedback" not in _timed(index, "cord stump", True, mode)


def test_bad_feedback_is_refused_before_searching(index) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="beta"):
        index.search("cord", feedback={"beta": -1.0})


def _timed(index, query: str, feedback, mode: str = "hybrid") -> dict[str, float]:  # noqa: ANN001
    timings: dict[str, float] = {}
    index.search(query, k=4, mode=mode, feedback=feedback, timings=timings)
    return timings


def _rowid(snap, chunk_id: str) -> int:  # noqa: ANN001
    return int(snap.store.db.execute("SELECT rowid FROM chunks WHERE id = ?",
                                     (chunk_id,)).fetchone()[0])
