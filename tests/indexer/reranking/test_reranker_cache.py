"""Issue 14: a reranker is built once per (name, options) per process, its model loaded once,
and memory stays flat over many reranked searches. Real index, real (tiny) cross-encoder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.paths import ROOT


def make_tiny_cross_encoder(path: Path) -> Path:
    """A 2-layer, 32-wide BERT sequence classifier (one logit) with MiniLM's tokenizer: a
    real CrossEncoder directory that loads in well under a second."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from indexer import models

    tokenizer = AutoTokenizer.from_pretrained(str(models.resolve("all-minilm-l6-v2")))
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64,
                        max_position_embeddings=512, num_labels=1)
    BertForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def tiny_ce(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_cross_encoder(tmp_path_factory.mktemp("tiny-ce") / "ce")


@pytest.fixture()
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every CrossEncoder construction (the real constructor still runs)."""
    import sentence_transformers

    seen: list[str] = []
    original = sentence_transformers.CrossEncoder.__init__

    def counting(self, model_name_or_path, *args, **kwargs):  # noqa: ANN001, ANN202
        seen.append(str(model_name_or_path))
        original(self, model_name_or_path, *args, **kwargs)

    monkeypatch.setattr(sentence_transformers.CrossEncoder, "__init__", counting)
    return seen


def test_one_cross_encoder_serves_many_searches(sample_index: Path, embedder, tiny_ce: Path,
                                                loads: list[str]) -> None:  # noqa: ANN001
    from indexer import Index
    from indexer.reranking.glue import cached_rerankers, clear_cache, get_reranker

    clear_cache()
    index = Index.open(sample_index, embedder=embedder)
    spec = f"{tiny_ce}"
    results = [index.search(q, k=5, rerank=spec) for q in
               ["hand washing", "newborn cord care", "ORS for diarrhoea"] * 5]
    assert all(len(r) == 5 and "rerank" in r[0].scores for r in results)
    assert loads == [str(tiny_ce)]  # loaded once for 15 searches (was once per search)
    assert cached_rerankers() == 1
    reranker = get_reranker(spec)
    assert reranker is get_reranker(spec)
    model = reranker.model  # type: ignore[attr-defined]
    index.search("hand washing", k=5, rerank=spec)
    assert reranker.model is model and cached_rerankers() == 1  # type: ignore[attr-defined]
    # Another Index of the same model shares the reranker too.
    other = Index.open(sample_index, embedder=embedder)
    other.search("hand washing", k=3, rerank=spec)
    assert cached_rerankers() == 1 and len(loads) == 1


def test_mmr_keyed_on_the_model_not_on_a_bound_method(sample_index: Path, embedder) -> None:  # noqa: ANN001
    from indexer import Index
    from indexer.reranking.glue import cached_rerankers, clear_cache, get_reranker

    clear_cache()
    index = Index.open(sample_index, embedder=embedder)
    for q in ("hand washing", "fever in a child", "टीकाकरण"):
        assert index.search(q, k=5, rerank="mmr")
    assert cached_rerankers() == 1
    # each access of a bound method is a new object; the key must not depend on it
    assert embedder.embed_passages is not embedder.embed_passages
    first = get_reranker("mmr", embedder.embed_passages)
    assert first is get_reranker("mmr", embedder.embed_passages)
    assert first.embed is not None  # type: ignore[attr-defined]
    # a different plain function is a different reranker (its vectors may differ)
    assert get_reranker("mmr", lambda texts: embedder.embed_passages(texts)) is not first


def test_cache_is_bounded(tiny_ce: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from indexer.reranking import glue as reranking
    reranking.clear_cache()
    monkeypatch.setattr(reranking, "CACHE_SIZE", 2)
    built = [reranking.get_reranker(f"mmr:lam={lam}") for lam in (0.1, 0.2, 0.3)]
    assert reranking.cached_rerankers() == 2
    assert reranking.get_reranker("mmr:lam=0.3") is built[2]
    assert reranking.get_reranker("mmr:lam=0.1") is not built[0]  # evicted, rebuilt


RSS_SCRIPT = textwrap.dedent("""
    import json, resource, sys
    from indexer import Embedder, Index
    index = Index.open(sys.argv[1], embedder=Embedder(sys.argv[2]))
    queries = ["hand washing", "newborn cord care", "ORS for diarrhoea", "fever in a child",
               "breastfeeding how often", "नाल की देखभाल", "vaksin anak"]
    peaks = {}
    for i in range(200):
        index.search(queries[i % len(queries)], k=5, rerank=sys.argv[3])
        if i + 1 in (20, 200):
            peaks[i + 1] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(peaks))
""")


@pytest.mark.slow
def test_peak_rss_flat_over_200_reranked_searches(sample_index: Path, e5_dir: Path,
                                                  tiny_ce: Path) -> None:
    """The issue's criterion, in a fresh process (peak RSS is per process)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", RSS_SCRIPT, str(sample_index), str(e5_dir),
                          str(tiny_ce)], capture_output=True, text=True, env=env, timeout=600,
                         check=True)
    peaks = {int(k): v for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items()}
    assert peaks[200] <= 1.2 * peaks[20], peaks
