"""The index card of every generation, `indexer info --card`, and an A/B of two index
configurations in one `indexer bench` report with paired significance."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from click.testing import CliRunner

from indexer import Index
from indexer.cli import main
from indexer.lifecycle.card import read_card
from indexer.storage.check import check_index

sys.path.insert(0, str(Path(__file__).parent))
from helpers import doc  # noqa: E402

CORPUS = {
    "wash": ("Hand washing", "Wash your hands with soap and clean water for twenty seconds "
             "before you feed a baby."),
    "cord": ("Cord care", "Keep the umbilical cord stump clean and dry; do not put anything "
             "on it."),
    "ors": ("Diarrhoea", "Give oral rehydration solution after every loose stool."),
    "fever": ("Fever", "A baby under two months with a fever must see a health worker today."),
    "net": ("Malaria", "Sleep under an insecticide-treated bed net every night."),
    "hi-cord": ("नाल की देखभाल", "नाल को साफ और सूखा रखें।"),
}
QUERIES = {"q1": "how long should I wash my hands", "q2": "what to put on the cord stump",
           "q3": "drink for diarrhoea", "q4": "baby has a fever", "q5": "mosquito net",
           "q6": "keep the cord dry"}
QRELS = {"q1": {"wash": 1}, "q2": {"cord": 1, "hi-cord": 1}, "q3": {"ors": 1},
         "q4": {"fever": 1}, "q5": {"net": 1}, "q6": {"cord": 1, "hi-cord": 1}}


def write_beir(root: Path) -> Path:
    (root / "qrels").mkdir(parents=True)
    with (root / "corpus.jsonl").open("w", encoding="utf-8") as fh:
        for doc_id, (title, text) in CORPUS.items():
            fh.write(json.dumps({"_id": doc_id, "title": title, "text": text,
                                 "lang": "hi" if doc_id.startswith("hi") else "en"},
                                ensure_ascii=False) + "\n")
    (root / "queries.jsonl").write_text("".join(
        json.dumps({"_id": q, "text": t, "lang": "en"}) + "\n" for q, t in QUERIES.items()))
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(
        f"{q}\t{d}\t{g}\n" for q, rels in QRELS.items() for d, g in rels.items()))
    return root


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_every_generation_carries_a_card(tmp_path: Path, embedder) -> None:  # noqa: ANN001
    root = tmp_path / "idx"
    index = Index.create(root, embedder=embedder)
    form = doc("form.md", "Patient name: Asha Devi. Call 98765 43210 for the next visit.")
    hand = doc("hand.md", "Wash your hands with soap and water for twenty seconds.")
    hindi = doc("hi.md", "बच्चे को दस्त होने पर ओआरएस का घोल दें।", lang="hi")
    index.add([form, hand, hindi])
    first = root / index.generation
    card = read_card(first)
    assert card is not None and card["counts"] == {"documents": 3, "chunks": 3}
    assert {s["id"]: s["checksum"] for s in card["sources"]} == {
        d.id: d.checksum for d in (form, hand, hindi)}
    assert card["languages"]["chunks"] == {"en": 2, "hi": 1}
    assert card["pii"]["findings"] == {"name": 1, "phone": 1}
    assert card["model"]["checksum"] == embedder.checksum and card["chunker"]["max_tokens"]
    assert (first / "card.md").read_text().startswith(f"# Index card: {first.name}")
    index.delete(["form.md"])  # the card is rescanned for what changed only
    assert read_card(root / index.generation)["pii"]["findings"] == {}
    assert check_index(root).ok  # cards are annotations, outside the checksums
    code, out, _ = cli("info", str(root), "--card")
    assert code == 0 and "## Personal data" in out and "| hand.md | en |" in out
    code, out, _ = cli("info", str(root), "--card", "--json")
    data = json.loads(out)
    assert data["counts"]["documents"] == 2 and "pii_by_document" not in data
    code, out, _ = cli("info", str(root))
    assert code == 0 and "2 documents" in out  # plain info unchanged


def test_old_generation_without_a_card_gets_one(tmp_path: Path, embedder) -> None:  # noqa: ANN001
    root = tmp_path / "idx"
    index = Index.create(root, embedder=embedder)
    index.add([doc("hand.md", "Wash your hands with soap.")])
    gen = root / index.generation
    (gen / "card.json").unlink()
    (gen / "card.md").unlink()
    code, out, _ = cli("info", str(root), "--card", "--json")
    assert code == 0 and json.loads(out)["sources"][0]["checksum"] == hashlib.sha256(
        b"Wash your hands with soap.").hexdigest()


def test_ab_of_two_configurations(tmp_path: Path, e5_dir: Path) -> None:
    (tmp_path / "a.toml").write_text(f'name = "doc-aware"\nmodel = "{e5_dir}"\n')
    (tmp_path / "b.toml").write_text(
        f'name = "chunks-only"\nmodel = "{e5_dir}"\ndocuments = false\nfusion = "rrf"\n'
        '[chunker]\nmax_tokens = 128\n')
    out = tmp_path / "out"
    beir = write_beir(tmp_path / "tiny-health")
    code, stdout, err = cli("bench", str(beir), "--systems", "hybrid,dense", "--model",
                            str(e5_dir), "--config", str(tmp_path / "a.toml"), "--config",
                            str(tmp_path / "b.toml"), "--cache", str(tmp_path / "cache"),
                            "--out", str(out), "--latency-queries", "2", "--no-plots")
    assert code == 0, err
    report = json.loads((out / "report.json").read_text())
    systems = report["datasets"]["tiny-health"]["systems"]
    assert set(systems) == {"doc-aware/hybrid", "doc-aware/dense", "chunks-only/hybrid",
                            "chunks-only/dense"}
    assert report["baseline"] == "doc-aware/hybrid"
    configs = report["datasets"]["tiny-health"]["info"]["configs"]
    assert configs["chunks-only"]["document_scoring"] is None
    assert configs["doc-aware"]["document_scoring"]["weight"] == 0.5
    sig = systems["chunks-only/hybrid"]["significance"]["ndcg@10"]
    assert sig["baseline"] == "doc-aware/hybrid" and 0 <= sig["p_value"] <= 1
    assert systems["chunks-only/hybrid"]["info"]["fusion"] == "rrf"
    rows = json.loads((out / "ab.json").read_text())
    assert {(r["system"], r["a"], r["b"]) for r in rows} == {
        ("hybrid", "doc-aware", "chunks-only"), ("dense", "doc-aware", "chunks-only")}
    assert all(0 <= r["p_value"] <= 1 and r["queries"] == 6 for r in rows)
    assert "A/B tiny-health hybrid ndcg@10: doc-aware" in err
    # each configuration built its own index, and its card holds the figures just run
    built = sorted(p for p in (tmp_path / "cache").iterdir() if p.is_dir())
    assert len(built) == 2
    cards = [read_card(p / json.loads((p / "manifest.json").read_text())["generation_dir"])
             for p in built]
    assert {c["chunker"]["max_tokens"] for c in cards} == {128, 256}
    assert all(c["bench"]["dataset"] == "tiny-health" and "hybrid" in c["bench"]["systems"]
               for c in cards)
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nchunker = {max_tokns = 1}\n')
    code, _, err = cli("bench", str(beir), "--config", str(bad), "--cache",
                       str(tmp_path / "cache"))
    assert code == 1 and "unknown chunker option(s): max_tokns" in err
