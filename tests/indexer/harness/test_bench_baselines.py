"""`indexer bench` end to end on a small BEIR set: the whole-document baselines beside the
index's systems, both averaging conventions, and build settings in the index cache key.
Real model, real FAISS, real bm25s."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.harness.baseline import WholeDocuments, rrf, tokenize
from indexer.harness.bench import SystemSpec, build_settings, run_bench
from loaders import Block, BlockKind, Document

CORPUS = {
    "wash": ("Hand washing", "Wash your hands with soap and clean water for twenty seconds "
             "before you feed a baby."),
    "cord": ("Cord care", "Keep the umbilical cord stump clean and dry; do not put anything "
             "on it."),
    "ors": ("Diarrhoea", "Give oral rehydration solution after every loose stool."),
    "fever": ("Fever", "A baby under two months with a fever must see a health worker today."),
    "hi-cord": ("नाल की देखभाल", "नाल को साफ और सूखा रखें।"),
}
QUERIES = {"q1": "how long should I wash my hands", "q2": "what to put on the cord stump",
           "q3": "drink for diarrhoea", "q4": "is a tax return due"}
QRELS = {"q1": {"wash": 2}, "q2": {"cord": 1, "hi-cord": 1}, "q3": {"ors": 1},
         "q4": {"fever": 0}}  # q4 is judged, with nothing relevant


@pytest.fixture(scope="module")
def beir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("beir") / "tiny-health"
    (root / "qrels").mkdir(parents=True)
    with (root / "corpus.jsonl").open("w", encoding="utf-8") as fh:
        for doc_id, (title, text) in CORPUS.items():
            lang = "hi" if doc_id.startswith("hi") else "en"
            fh.write(json.dumps({"_id": doc_id, "title": title, "text": text, "lang": lang},
                                ensure_ascii=False) + "\n")
    with (root / "queries.jsonl").open("w", encoding="utf-8") as fh:
        for qid, text in QUERIES.items():
            fh.write(json.dumps({"_id": qid, "text": text, "lang": "en"}) + "\n")
    lines = ["query-id\tcorpus-id\tscore"] + [f"{q}\t{d}\t{g}" for q, rels in QRELS.items()
                                               for d, g in rels.items()]
    (root / "qrels" / "test.tsv").write_text("\n".join(lines) + "\n")
    return root


def test_tokenize_keeps_indic_vowel_signs() -> None:
    assert tokenize("नाल की देखभाल, Wash-Hands") == ["नाल", "की", "देखभाल", "wash", "hands"]


def test_rrf_is_plain_reciprocal_rank() -> None:
    fused = rrf([{"a": 9.0, "b": 1.0}, {"b": 0.9, "c": 0.1}], k=10)
    assert list(fused) == ["b", "a", "c"]
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)


def test_whole_documents_rank_documents(embedder) -> None:  # noqa: ANN001
    docs = [Document(id=d, source=d, checksum=d, title=t, language="en",
                     blocks=[Block(BlockKind.PARAGRAPH, x, language="en")])
            for d, (t, x) in CORPUS.items()]
    whole = WholeDocuments.build(docs, embedder)
    q = embedder.embed_query(QUERIES["q1"])
    assert next(iter(whole.run("whole-dense", QUERIES["q1"], q, 3))) == "wash"
    assert next(iter(whole.run("whole-bm25", "umbilical cord", q, 3))) == "cord"
    assert set(whole.run("whole-rrf", QUERIES["q1"], q, 10)) >= {"wash"}
    with pytest.raises(ValueError, match="whole-dense"):
        whole.run("whole-nothing", "q", q, 3)


def test_specs_and_build_settings() -> None:
    assert SystemSpec.parse("whole-rrf").baseline
    assert not SystemSpec.parse("hybrid:rrf").baseline
    with pytest.raises(ValueError, match="whole-dense"):
        SystemSpec.parse("whole")
    assert build_settings()["documents"]["weight"] == 0.5
    assert build_settings(documents=False)["documents"] is None
    assert build_settings(chunker={"max_tokens": 128})["chunker"]["max_tokens"] == 128


def test_bench_reports_baselines_and_both_conventions(beir: Path, embedder,  # noqa: ANN001
                                                      tmp_path: Path) -> None:
    systems = ["bm25", "dense", "hybrid", "whole-dense", "whole-bm25", "whole-rrf"]
    cache = tmp_path / "cache"
    every = run_bench([beir], systems, cache_dir=cache, embedder=embedder, plots=False,
                      latency_queries=2)
    judged = run_bench([beir], systems, cache_dir=cache, embedder=embedder, plots=False,
                       latency_queries=2, judged_only=True)
    assert every.report["meta"]["averaging"] == "all"
    assert judged.report["meta"]["averaging"] == "judged-only"
    rows_all = every.report["datasets"]["tiny-health"]["systems"]
    rows_judged = judged.report["datasets"]["tiny-health"]["systems"]
    assert set(rows_all) == set(systems)
    for system in systems:
        a, j = rows_all[system]["metrics"]["ndcg@10"], rows_judged[system]["metrics"]["ndcg@10"]
        assert j == pytest.approx(a * 4 / 3)  # q4 scores 0 among 4, is left out among 3
    assert rows_judged["whole-dense"]["metrics"]["ndcg@10"] > 0.5
    # one index build for both runs: same settings, same cache entry
    assert len([p for p in cache.iterdir() if p.is_dir()]) == 1


def test_open_or_build_creates_a_missing_cache_dir(beir: Path, embedder,  # noqa: ANN001
                                                    tmp_path: Path) -> None:
    """The sweep and rerank-memory tools call it directly on a fresh machine."""
    import benchmarks
    from indexer.harness.bench import open_or_build

    cache = tmp_path / "no" / "such" / "dir"
    index, _stats = open_or_build(benchmarks.load_beir(beir), cache, embedder)
    assert cache.is_dir() and len(index) > 0
