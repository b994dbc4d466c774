"""BEIR loading, golden-set (corpus_dir) datasets, fingerprints, hash split, TREC files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import (
    DatasetError,
    evaluate,
    fingerprint,
    load_beir,
    read_qrels,
    read_run,
    split_by_hash,
    write_qrels,
    write_run,
)
from tests.paths import SHARED

SHARED_DATASETS = SHARED / "datasets"


def write_beir(root: Path, split: str = "test", corpus: bool = True) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if corpus:
        docs = [{"_id": "d1", "title": "Hand washing", "text": "Wash hands.", "lang": "en"},
                {"_id": "d2", "title": "हाथ धोना", "text": "हाथ धोएं।", "lang": "hi"}]
        (root / "corpus.jsonl").write_text(
            "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    queries = [{"_id": "q1", "text": "how to wash hands", "lang": "en", "kind": "paraphrase"},
               {"_id": "q2", "text": "हाथ कैसे धोएं", "lang": "hi"}]
    (root / "queries.jsonl").write_text(
        "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in queries) + "\n",
        encoding="utf-8")
    (root / "qrels").mkdir(exist_ok=True)
    (root / "qrels" / f"{split}.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\td1\t2\nq2\td2\t1\nq2\td1\t0\n", encoding="utf-8")
    return root


def test_load_beir(tmp_path: Path) -> None:
    ds = load_beir(write_beir(tmp_path / "tiny"))
    assert ds.name == "tiny" and ds.split == "test" and ds.corpus_dir is None
    assert ds.corpus["d2"] == {"title": "हाथ धोना", "text": "हाथ धोएं।", "lang": "hi"}
    assert ds.queries["q1"]["kind"] == "paraphrase"
    assert ds.qrels == {"q1": {"d1": 2}, "q2": {"d2": 1, "d1": 0}}
    assert ds.query_langs == {"q1": "en", "q2": "hi"}
    assert ds.query_field("kind") == {"q1": "paraphrase"}
    assert ds.problems() == []
    sub = ds.subset(["q2"])
    assert list(sub.queries) == ["q2"] and list(sub.qrels) == ["q2"]


def test_dev_fallback_and_explicit_split(tmp_path: Path) -> None:
    root = write_beir(tmp_path / "devonly", split="dev")
    assert load_beir(root).split == "dev"
    with pytest.raises(DatasetError, match="test.tsv"):
        load_beir(root, split="test")


def test_corpus_dir_dataset(tmp_path: Path) -> None:
    sample = tmp_path / "corpora" / "sample"
    (sample / "en").mkdir(parents=True)
    (sample / "en" / "hand-washing.md").write_text("# Hand washing\n", encoding="utf-8")
    golden = tmp_path / "corpora" / "golden"
    write_beir(golden, corpus=False)
    (golden / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\ten/hand-washing.md\t1\nq2\ten/missing.md\t1\n",
        encoding="utf-8")
    (golden / "dataset.json").write_text(
        json.dumps({"name": "golden", "corpus_dir": "../sample"}), encoding="utf-8")
    ds = load_beir(golden)
    assert ds.name == "golden" and ds.corpus == {}
    assert ds.corpus_dir == sample.resolve()
    assert ds.qrels["q1"] == {"en/hand-washing.md": 1}
    assert any("en/missing.md" in p for p in ds.problems())


@pytest.mark.parametrize(("rel", "content", "message"), [
    ("queries.jsonl", '{"_id": "q1", "text": "x"}\n{not json\n', r"queries\.jsonl:2: invalid JSON"),
    ("queries.jsonl", '{"_id": "q1"}\n', r"queries\.jsonl:1: missing field 'text'"),
    ("corpus.jsonl", '["a"]\n', r"corpus\.jsonl:1: expected a JSON object"),
    ("corpus.jsonl", '{"_id": 1, "text": "a"}\n{"_id": "1", "text": "b"}\n', "duplicate _id"),
    ("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\n", r"test\.tsv:2: expected 3"),
    ("qrels/test.tsv", "q1\td1\thigh\n", r"test\.tsv:1: score 'high' is not an integer"),
    ("qrels/test.tsv", "q1\td1\t1.5\n", r"test\.tsv:1: score '1.5'"),
])
def test_malformed_files_name_file_and_line(tmp_path: Path, rel: str, content: str,
                                            message: str) -> None:
    root = write_beir(tmp_path / "bad")
    (root / rel).write_text(content, encoding="utf-8")
    with pytest.raises(DatasetError, match=message):
        load_beir(root)


def test_missing_files(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not found"):
        load_beir(tmp_path / "nope")
    root = write_beir(tmp_path / "a")
    (root / "queries.jsonl").unlink()
    with pytest.raises(DatasetError, match=r"missing queries file: .*queries\.jsonl"):
        load_beir(root)
    root = write_beir(tmp_path / "b")
    (root / "corpus.jsonl").unlink()
    with pytest.raises(DatasetError, match=r"missing corpus: .*corpus\.jsonl"):
        load_beir(root)
    root = write_beir(tmp_path / "c")
    (root / "qrels" / "test.tsv").unlink()
    with pytest.raises(DatasetError, match="missing qrels file"):
        load_beir(root)
    root = write_beir(tmp_path / "d", corpus=False)
    (root / "dataset.json").write_text('{"corpus_dir": "../nowhere"}', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"dataset\.json: corpus_dir '\.\./nowhere'"):
        load_beir(root)


def test_fingerprint(tmp_path: Path) -> None:
    root = write_beir(tmp_path / "fp")
    first = fingerprint(root)
    assert first == fingerprint(root) and len(first) == 64
    (root / ".DS_Store").write_text("junk")
    assert fingerprint(root) == first  # hidden files ignored
    with (root / "queries.jsonl").open("a") as f:
        f.write('{"_id": "q3", "text": "new"}\n')
    assert fingerprint(root) != first


def test_fingerprint_covers_corpus_dir(tmp_path: Path) -> None:
    sample = tmp_path / "sample"
    sample.mkdir()
    (sample / "a.md").write_text("one")
    golden = write_beir(tmp_path / "golden", corpus=False)
    (golden / "dataset.json").write_text('{"corpus_dir": "../sample"}')
    first = fingerprint(golden)
    (sample / "a.md").write_text("two")
    assert fingerprint(golden) != first


def test_split_by_hash() -> None:
    ids = [f"q{i}" for i in range(2000)]
    train, held = split_by_hash(ids)
    assert len(train) + len(held) == 2000 and not set(train) & set(held)
    assert 0.77 < len(train) / 2000 < 0.83
    assert train == [i for i in ids if i in set(train)]  # input order kept
    # Each id's side depends only on (salt, id): stable under adding ids, and pinned
    # here so that a change of algorithm (which would leak reranker training data into
    # evaluation) fails loudly.
    train2, _ = split_by_hash(ids + ["extra"])
    assert set(train) <= set(train2)
    assert split_by_hash(ids[:40])[1] == PINNED_HELDOUT
    assert split_by_hash(ids, salt="other")[0] != train
    assert split_by_hash(ids, 0.0)[0] == [] and split_by_hash(ids, 1.0)[1] == []
    with pytest.raises(ValueError):
        split_by_hash(ids, 1.5)


PINNED_HELDOUT = ["q5", "q16", "q18", "q30", "q35"]  # sha256("indexer-v1\\0" + id)


def test_trec_round_trip(tmp_path: Path) -> None:
    run = {"q2": {"b": 1.0, "a": 1.0, "c": 0.1 + 0.2}, "q1": {"x": -3.5, "y": 1e-9}}
    path = write_run(run, tmp_path / "sys.run", tag="bm25")
    lines = path.read_text().splitlines()
    assert lines[0] == "q1 Q0 y 1 1e-09 bm25"
    assert [ln.split()[2] for ln in lines[2:]] == ["b", "a", "c"]  # tie: doc id desc
    assert read_run(path) == run  # scores round-trip exactly
    assert len(write_run(run, tmp_path / "d1.run", depth=1).read_text().splitlines()) == 2
    qrels = {"q1": {"y": 2, "x": 0}, "q2": {"a": 1}}
    qpath = write_qrels(qrels, tmp_path / "qrels.txt")
    assert qpath.read_text().splitlines()[0] == "q1 0 x 0"
    assert read_qrels(qpath) == qrels
    with pytest.raises(ValueError, match="whitespace"):
        write_run({"q": {"a b": 1.0}}, tmp_path / "bad.run")
    (tmp_path / "broken.run").write_text("q1 Q0 a 1 notanumber t\n")
    with pytest.raises(ValueError, match=r"broken\.run:1"):
        read_run(tmp_path / "broken.run")


@pytest.mark.shared
@pytest.mark.parametrize("name", ["mediqa-dev", "xquad-hi", "xquad-en", "flores-xling"])
def test_shared_datasets_load(name: str) -> None:
    path = SHARED_DATASETS / name
    if not path.is_dir():
        pytest.skip(f"{path} is absent (../shared holds the public datasets; a fresh clone "
                    "does not have it)")
    ds = load_beir(path)
    assert ds.corpus and ds.queries and ds.qrels
    assert set(ds.qrels) <= set(ds.queries)
    assert ds.problems() == [] or all("without a relevant" in p for p in ds.problems())
    oracle = {q: {d: float(g) for d, g in rels.items()} for q, rels in ds.qrels.items()}
    scores = evaluate(ds.qrels, oracle, ["ndcg@10"])
    # Queries judged only non-relevant (mediqa-dev has some) score 0, as in trec_eval.
    answerable = sum(any(g > 0 for g in r.values()) for r in ds.qrels.values())
    assert scores["ndcg@10"] == pytest.approx(answerable / len(ds.qrels))
    assert len(fingerprint(path)) == 64
