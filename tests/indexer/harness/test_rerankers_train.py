"""Reranker training: a tiny model learns (loss falls), saves and loads back to the same
scores; the hash split; the refusal to train on benchmark test-set queries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import benchmarks
from indexer.harness.rerank_train import (
    TestSetLeakError,
    check_queries,
    default_test_sets,
    forbidden_queries,
    normalize_query,
    refuse_test_set,
    split_queries,
    stable_subset,
)
from rerankers.training import (
    TrainConfig,
    TrainPair,
    dev_scores,
    group_pairs,
    listwise_loss,
    mean_ndcg,
    ndcg_at,
    train_cross_encoder,
)
from tests.paths import ROOT

GOLDEN = ROOT / "corpora" / "golden"

TOPICS = [
    ("how long to wash hands", "wash hands with soap for at least 20 seconds"),
    ("how to mix ORS", "one packet of ORS in one litre of clean water"),
    ("baby has a fever", "a baby with fever must see a health worker today"),
    ("cord stump care", "keep the cord stump clean and dry, put nothing on it"),
    ("stop dengue mosquitoes", "empty standing water every week to stop mosquitoes"),
    ("iron rich food", "green leafy vegetables and lentils are rich in iron"),
]


def toy_pairs() -> list[TrainPair]:
    pairs = []
    for i, (query, answer) in enumerate(TOPICS):
        pairs.append(TrainPair(query, answer, 2.0, f"q{i}", first_stage_score=0.5,
                               source="toy"))
        for j, (_, other) in enumerate(TOPICS):
            if j != i:
                pairs.append(TrainPair(query, other, 0.0, f"q{i}", first_stage_score=1.0 - j / 10,
                                       source="toy"))
    return pairs


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-wide BERT with MiniLM's tokenizer: trains in seconds."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from indexer import models

    tokenizer = AutoTokenizer.from_pretrained(str(models.resolve("all-minilm-l6-v2")))
    path = tmp_path_factory.mktemp("tiny") / "encoder"
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64,
                        max_position_embeddings=128)
    BertModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def trained(tiny_encoder: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    out = tmp_path_factory.mktemp("trained") / "ce"
    config = TrainConfig(max_length=64, group_size=4, groups_per_step=3, epochs=20,
                         max_steps=30, learning_rate=3e-3, head_learning_rate=3e-2,
                         train_layers=1, eval_every=10, patience=10, bf16=False,
                         query_prefix="query: ", passage_prefix="passage: ", seed=1)
    pairs = toy_pairs()
    report = train_cross_encoder(tiny_encoder, pairs, pairs, out, config,
                                 card={"datasets": [{"name": "toy", "languages": ["en"]}],
                                       "base_model": "tiny"})
    return out, report, pairs


def test_loss_falls_and_dev_improves(trained) -> None:  # noqa: ANN001
    _, report, _ = trained
    assert report.steps == 30 and report.loss_fell
    assert report.dev_ndcg is not None and report.dev_ndcg > 0.6
    assert report.dev_history and report.best_step > 0


def test_save_and_load_round_trip(trained) -> None:  # noqa: ANN001
    import rerankers

    out, report, pairs = trained
    for name in ("config.json", "model.safetensors", "reranker.json", "README.md",
                 "training.json"):
        assert (out / name).is_file(), name
    settings = json.loads((out / "reranker.json").read_text())
    assert settings["max_length"] == 64 and settings["query_prefix"] == "query: "
    reranker = rerankers.get(str(out), bf16=False, blend=0.0)
    assert reranker.max_length == 64 and reranker.passage_prefix == "passage: "
    dev = group_pairs(pairs)
    scores = dev_scores(lambda ps: _score_many(reranker, ps), dev)
    assert mean_ndcg(dev, scores, 10) == pytest.approx(report.dev_ndcg, abs=1e-6)
    again = rerankers.get(str(out), bf16=False)
    q, texts = TOPICS[0][0], [t for _, t in TOPICS]
    assert list(again.raw_scores(q, texts)) == pytest.approx(list(reranker.raw_scores(q, texts)))
    ranked = again.rerank(q, texts)
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)


def _score_many(reranker, pairs):  # noqa: ANN001, ANN202
    import numpy as np

    return np.concatenate([reranker.raw_scores(p.query, [p.text]) for p in pairs])


def test_model_card_says_what_matters(trained) -> None:  # noqa: ANN001
    out, report, _ = trained
    card = (out / "README.md").read_text()
    for needle in ("## Training data", "toy", "## Metrics", "## Limits", "Languages: en",
                   "Trained:"):
        assert needle in card, needle


def test_ndcg_and_listwise_loss() -> None:
    import torch

    assert ndcg_at([3, 0, 1], [0.9, 0.1, 0.5], 10) == pytest.approx(1.0)
    assert ndcg_at([0, 2], [1.0, 1.0], 10) < 1.0  # ties do not flatter
    good = listwise_loss(torch.tensor([5.0, 0.0, 0.0]), torch.tensor([1.0, 0.0, 0.0]), [3])
    bad = listwise_loss(torch.tensor([0.0, 5.0, 0.0]), torch.tensor([1.0, 0.0, 0.0]), [3])
    assert float(good) < float(bad)
    with pytest.raises(ValueError, match="no usable"):
        train_cross_encoder("unused", [TrainPair("q", "t", 0.0, "g")], [], "unused")


# -- the split -------------------------------------------------------------------------

def _dataset() -> benchmarks.Dataset:
    queries = {f"{lang}-{n}": {"text": f"{lang} sentence {n}", "lang": lang}
               for n in range(40) for lang in ("hi", "bn", "ta")}
    qrels = {q: {f"en-{q.split('-')[1]}": 1} for q in queries}
    corpus = {f"en-{n}": {"text": f"english {n}"} for n in range(40)}
    return benchmarks.Dataset(name="toy", corpus=corpus, queries=queries, qrels=qrels)


def test_hash_split_is_bench_split_without_shared_documents() -> None:
    ds = _dataset()
    split = split_queries(ds)
    train, heldout = benchmarks.split_by_hash(list(ds.queries))
    assert split.heldout == heldout
    assert set(split.train) | set(split.dev) | set(split.dropped) == set(train)
    assert not set(split.train) & set(split.dev)
    held_docs = {d for q in heldout for d in ds.qrels[q]}
    assert not any(d in held_docs for q in split.train + split.dev for d in ds.qrels[q])
    assert split.dropped  # translations of a held-out sentence
    assert split_queries(ds) == split  # deterministic
    assert 0.1 < len(heldout) / len(ds.queries) < 0.3


def test_stable_subset() -> None:
    ids = [f"q{i}" for i in range(100)]
    sub = stable_subset(ids, 10)
    assert len(sub) == 10 and sub == stable_subset(ids, 10)
    assert sub == sorted(sub, key=ids.index) and sub != ids[:10]
    assert stable_subset(ids, None) == ids


# -- golden sets stay out --------------------------------------------------------------

def test_normalized_query_matching() -> None:
    assert normalize_query("How long should I scrub my hands with soap?") == \
        normalize_query("  how LONG should i scrub my hands, with soap ")
    assert normalize_query("बच्चे को बुखार है।") == normalize_query("बच्चे को बुखार है")


def test_refuses_golden_query_texts() -> None:
    forbidden = forbidden_queries([GOLDEN])
    golden_text = json.loads((GOLDEN / "queries.jsonl").read_text().splitlines()[0])["text"]
    with pytest.raises(TestSetLeakError, match="benchmark test set"):
        check_queries("mine", {"x1": "fine question", "x2": golden_text.upper() + "!!"},
                      forbidden)
    check_queries("mine", {"x1": "a question nobody asked in the golden set"}, forbidden)


def test_refuses_test_sets_as_inputs(tmp_path: Path) -> None:
    sets = default_test_sets()
    assert GOLDEN in sets
    with pytest.raises(TestSetLeakError, match="never used for training"):
        refuse_test_set(GOLDEN, sets)
    twin = tmp_path / "xquad-hi"
    twin.mkdir()
    with pytest.raises(TestSetLeakError):
        refuse_test_set(twin, [])
    marked = tmp_path / "mine"
    marked.mkdir()
    (marked / "dataset.json").write_text('{"name": "mine", "test_only": true}')
    with pytest.raises(TestSetLeakError):
        refuse_test_set(marked, [])
    refuse_test_set(tmp_path, sets)  # an ordinary folder passes


def test_cli_refuses_golden(tmp_path: Path) -> None:
    from indexer.cli.rerankers import rerankers_cli

    result = CliRunner().invoke(rerankers_cli, ["train", "--train", str(GOLDEN),
                                                "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "benchmark test set" in result.output and "Traceback" not in result.output
    listing = CliRunner().invoke(rerankers_cli, ["list", "--json"])
    assert listing.exit_code == 0 and "ce-multilingual" in listing.output


# -- mining (with a stand-in index) ----------------------------------------------------

class _StubEmbedder:
    def embed_queries(self, texts):  # noqa: ANN001, ANN201
        return [None] * len(texts)


class _StubIndex:
    """Returns the same ranked chunks for every query: d1 (two chunks), d9, d2, d8."""

    embedder = _StubEmbedder()

    def search(self, query, k, depth, query_vector=None):  # noqa: ANN001, ANN201
        from indexer.hits import Hit

        rows = [("d1", "one", 0.9), ("d1", "one again", 0.8), ("d9", "nine", 0.7),
                ("d2", "two", 0.6), ("d8", "eight", 0.5)]
        return [Hit(chunk_id=f"{d}#{i}", doc_id=d, score=s, text=t, source=None, page=None,
                    lang="en", section=["T"] if d == "d9" else []) for i, (d, t, s) in
                enumerate(rows)][:k]


def test_mining_labels_and_hard_negatives() -> None:
    from indexer.harness.rerank_train import dev_groups, training_groups

    ds = benchmarks.Dataset(
        name="toy", queries={"q": {"text": "a question"}},
        qrels={"q": {"d1": 2, "d2": 0, "d3": 1}},
        corpus={"d1": {"text": "one"}, "d2": {"text": "two"},
                "d3": {"title": "Three", "text": "three"}})
    pairs = training_groups(_StubIndex(), ds, ["q"], negatives=1)
    got = {(p.text, p.label) for p in pairs}
    # judged: best chunk of d1, d2 (judged 0 is a negative), d3 from the corpus (not
    # retrieved); mined: the top unjudged hit d9 only (negatives=1), with its trail
    assert got == {("one", 2.0), ("two", 0.0), ("Three\nthree", 1.0), ("T\nnine", 0.0)}
    assert {p.group for p in pairs} == {"toy:q"} and {p.source for p in pairs} == {"toy"}
    dev = dev_groups(_StubIndex(), ds, ["q"], depth=3)
    assert [(p.text, p.label, p.first_stage_score) for p in dev] == [
        ("one", 2.0, 0.9), ("T\nnine", 0.0, 0.7), ("two", 0.0, 0.6)]


def test_eval_table_and_comparison() -> None:
    from indexer.harness.rerank_eval import SystemScores, _compare, markdown

    base = SystemScores("hybrid", {"ndcg@10": {"a": 0.5, "b": 0.5}, "mrr@10": {"a": 1, "b": 0}})
    better = SystemScores("x", {"ndcg@10": {"a": 0.7, "b": 0.6}, "mrr@10": {"a": 1, "b": 1}},
                          [0.01, 0.03], [0.05])
    rows = _compare({"hybrid": base, "x": better})
    assert rows["x"]["ndcg@10_delta"] == pytest.approx(0.15)
    assert 0 < rows["x"]["ndcg@10_p"] <= 1 and rows["x"]["latency_ms_median"] == 20.0
    table = markdown([{"dataset": "toy", "queries": 2, "systems": rows}])
    assert "| toy (2) | x | 0.6500 | +0.1500" in table
