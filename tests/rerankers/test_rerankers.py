"""Rerankers: the interface contract, the registry, MMR, the index glue, the LlamaIndex
adapter. Pure and fast: no model is loaded here (training is in test_rerankers_train.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest

import rerankers
from indexer.hits import Hit
from rerankers import Candidate, Reranker, UnknownRerankerError
from rerankers.mmr import MMRReranker


class Fixed(Reranker):
    """Scores given by a dict text → score: the contract without a model."""

    name = "fixed"

    def __init__(self, scores: dict[str, float], depth: int | None = None) -> None:
        super().__init__(depth)
        self.scores = scores

    def score(self, query: str, candidates: Sequence[Candidate]) -> np.ndarray:
        return np.asarray([self.scores[c.text] for c in candidates])


def cands(*texts: str) -> list[Candidate]:
    return [Candidate(id=f"c{i}", text=t, score=10.0 - i) for i, t in enumerate(texts)]


# -- the contract ----------------------------------------------------------------------

def test_order_scores_and_first_stage_kept() -> None:
    out = Fixed({"a": 0.1, "b": 0.9, "c": 0.5}).rerank("q", cands("a", "b", "c"))
    assert [c.text for c in out] == ["b", "c", "a"]
    assert [c.score for c in out] == [0.9, 0.5, 0.1]
    assert [c.first_stage_score for c in out] == [9.0, 8.0, 10.0]


def test_ties_keep_input_order_and_nan_sinks() -> None:
    out = Fixed({"a": 1.0, "b": math.nan, "c": 1.0, "d": 2.0}).rerank("q",
                                                                      cands("a", "b", "c", "d"))
    assert [c.text for c in out] == ["d", "a", "c", "b"]
    scores = [c.score for c in out[:3]]
    assert scores == sorted(scores, reverse=True)


def test_top_k_depth_and_empty() -> None:
    r = Fixed({"a": 1.0, "b": 2.0, "c": 3.0}, depth=2)
    assert [c.text for c in r.rerank("q", cands("a", "b", "c"))] == ["b", "a"]
    assert [c.text for c in r.rerank("q", cands("a", "b", "c"), top_k=1)] == ["b"]
    assert r.rerank("q", []) == []
    with pytest.raises(ValueError):
        Fixed({}, depth=0)


def test_plain_texts_and_pairs_are_accepted() -> None:
    out = rerankers.get("identity").rerank("q", [("x", 0.2), ("y", 0.7)])
    assert [(c.id, c.text) for c in out] == [("1", "y"), ("0", "x")]
    assert [c.id for c in rerankers.get("identity").rerank("q", ["p", "q"])] == ["0", "1"]


def test_identity_is_a_stable_no_op() -> None:
    cs = [Candidate(id=str(i), text=str(i), score=s) for i, s in enumerate([3, 1, 1, 0.5])]
    assert [c.id for c in rerankers.get("identity").rerank("q", cs)] == ["0", "1", "2", "3"]


# -- the registry ----------------------------------------------------------------------

def test_registry_names_and_errors() -> None:
    names = rerankers.available()
    for name in ("identity", "mmr", "cross-encoder", "encoder-sim"):
        assert name in names
    with pytest.raises(UnknownRerankerError, match="identity"):
        rerankers.get("no-such-reranker")
    with pytest.raises(ValueError, match="already registered"):
        rerankers.register("identity", lambda **o: Fixed({}))
    r = Fixed({})
    assert rerankers.get(r) is r
    with pytest.raises(FileNotFoundError):
        rerankers.get("cross-encoder", model="/nonexistent/model")


def test_register_custom_name() -> None:
    rerankers.register("test-fixed", lambda **o: Fixed({"a": 1.0, "b": 2.0}, **o))
    try:
        assert [c.text for c in rerankers.get("test-fixed", depth=5).rerank(
            "q", cands("a", "b"))] == ["b", "a"]
    finally:
        rerankers.unregister("test-fixed")
    assert "test-fixed" not in rerankers.available()


# -- MMR -------------------------------------------------------------------------------

def _vec(*xs: float) -> np.ndarray:
    v = np.asarray(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_mmr_demotes_near_duplicates() -> None:
    items = [
        Candidate("a", "wash hands 20 seconds", 1.0, vector=_vec(1, 0, 0)),
        Candidate("a2", "wash hands 20 seconds (copy)", 0.95, vector=_vec(1, 0.01, 0)),
        Candidate("b", "dry with a clean towel", 0.9, vector=_vec(0.3, 1, 0)),
        Candidate("c", "use soap", 0.5, vector=_vec(0.2, 0.1, 1)),
    ]
    out = MMRReranker(lam=0.7).rerank("q", items)
    assert [c.id for c in out] == ["a", "b", "c", "a2"]
    scores = [c.score for c in out]
    assert scores == sorted(scores, reverse=True)


def test_mmr_pure_relevance_and_embed_function() -> None:
    texts = {"x": _vec(1, 0), "y": _vec(1, 0.001), "z": _vec(0, 1)}
    calls: list[list[str]] = []

    def embed(batch: list[str]) -> np.ndarray:
        calls.append(batch)
        return np.stack([texts[t] for t in batch])

    items = [Candidate(t, t, s) for t, s in (("x", 3.0), ("y", 2.0), ("z", 1.0))]
    relevance_only = MMRReranker(embed, lam=1.0, duplicate_threshold=None).rerank("q", items)
    assert [c.id for c in relevance_only] == ["x", "y", "z"]
    assert [c.id for c in MMRReranker(embed).rerank("q", items)] == ["x", "z", "y"]
    assert calls and calls[0] == ["x", "y", "z"]
    with pytest.raises(ValueError, match="vectors"):
        MMRReranker().rerank("q", [Candidate("n", "no vector", 1.0)])


# -- the index glue --------------------------------------------------------------------

def _hit(i: int, text: str, score: float, section: list[str] | None = None) -> Hit:
    return Hit(chunk_id=f"d{i}#0", doc_id=f"d{i}", score=score, text=text, source=None,
               page=None, lang="en", section=section or [], scores={"fused": score})


def test_rerank_hits_copies_and_records_scores() -> None:
    from indexer.reranking.glue import passage_text, rerank_hits

    hits = [_hit(0, "a", 0.3), _hit(1, "b", 0.2, ["Title"]), _hit(2, "c", 0.1)]
    scorer = Fixed({"a": 0.0, "Title\nb": 5.0, "c": 1.0})
    out = rerank_hits("q", hits, scorer)
    assert [h.doc_id for h in out] == ["d1", "d2", "d0"]
    assert out[0].score == 5.0 and out[0].scores == {"fused": 0.2, "first_stage": 0.2,
                                                     "rerank": 5.0}
    assert hits[1].score == 0.2 and "rerank" not in hits[1].scores  # inputs untouched
    assert passage_text(hits[1]) == "Title\nb"
    assert rerank_hits("q", [], scorer) == []


def test_spec_parsing_and_cache() -> None:
    from indexer.reranking.glue import get_reranker, parse_spec

    assert parse_spec("mmr:lam=0.5,duplicate_threshold=none") == (
        "mmr", {"lam": 0.5, "duplicate_threshold": None})
    assert parse_spec("/models/x:y") == ("/models/x:y", {})
    with pytest.raises(ValueError, match="key=value"):
        parse_spec("mmr:lam")
    first = get_reranker("mmr:lam=0.6")
    assert first is get_reranker("mmr:lam=0.6") and first.lam == 0.6  # type: ignore[attr-defined]


def test_project_names_registered() -> None:
    from indexer.reranking.glue import TRAINED_NAME, list_rerankers

    names = {row["name"]: row for row in list_rerankers()}
    assert {TRAINED_NAME, "minilm", "e5-cls", "mmr"} <= set(names)


def test_untrained_project_model_is_a_clear_error(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from indexer.reranking.glue import RerankerNotTrainedError, clear_cache, rerank_hits

    monkeypatch.setenv("INDEXER_MODELS_DIR", str(tmp_path))
    clear_cache()
    with pytest.raises(RerankerNotTrainedError, match="indexer rerankers train"):
        rerank_hits("q", [_hit(0, "a", 1.0)], "ce-multilingual")


# -- LlamaIndex ------------------------------------------------------------------------

def test_llama_postprocessor() -> None:
    pytest.importorskip("llama_index.core")
    from llama_index.core.schema import NodeWithScore, TextNode

    from rerankers.llama import RerankerPostprocessor

    nodes = [NodeWithScore(node=TextNode(text=t, id_=f"n{i}"), score=s)
             for i, (t, s) in enumerate((("a", 0.9), ("b", 0.5), ("c", 0.1)))]
    post = RerankerPostprocessor(Fixed({"a": 1.0, "b": 3.0, "c": 2.0}), top_n=2)
    out = post.postprocess_nodes(nodes, query_str="q")
    assert [n.node.node_id for n in out] == ["n1", "n2"]
    assert [n.score for n in out] == [3.0, 2.0]
    assert [n.node.node_id for n in RerankerPostprocessor.of("identity").postprocess_nodes(
        nodes, query_str="q")] == ["n0", "n1", "n2"]
    with pytest.raises(ValueError, match="query"):
        post.postprocess_nodes(nodes)


# -- routing by language -----------------------------------------------------------------

def test_routed_reranker_delegates_by_route() -> None:
    from rerankers.routed import RoutedReranker

    en = Fixed({"a": 1.0, "b": 2.0})
    other = Fixed({"a": 2.0, "b": 1.0})
    routed = RoutedReranker({"en": en, "other": other},
                            lambda q, cs: "en" if q.startswith("en") else "x", default="other")
    assert [c.text for c in routed.rerank("en: q", cands("a", "b"))] == ["b", "a"]
    assert [c.text for c in routed.rerank("hi: q", cands("a", "b"))] == ["a", "b"]  # default
    assert routed.rerank("en", []) == []
    with pytest.raises(ValueError, match="default"):
        RoutedReranker({"en": en}, lambda q, cs: "en", default="other")


def test_english_route_needs_english_query_and_passages() -> None:
    from indexer.reranking.glue import english_route

    def lang(*langs: str) -> list[Candidate]:
        return [Candidate(id=str(i), text="t", metadata={"lang": x}) for i, x in enumerate(langs)]

    assert english_route("how do I wash my hands", lang("en", "en", "en", "en", "en")) == "en"
    assert english_route("how do I wash my hands", lang("en", "hi", "hi", "en", "en")) == "other"
    assert english_route("हाथ कैसे धोएं", lang("en", "en")) == "other"
    assert english_route("bagaimana cara mencuci tangan dengan sabun", lang("en")) == "other"
    assert english_route("wash hands", []) == "other"
