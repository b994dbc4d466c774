"""The hybrid index end to end with the real model: upsert, delete, persistence, refusal."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from indexer import Index
from indexer.errors import IndexOpenError
from loaders import Block, BlockKind, Document


def doc(doc_id: str, *paragraphs: str, lang: str = "en", tags: list[str] | None = None
        ) -> Document:
    text = "\n".join(paragraphs)
    return Document(
        id=doc_id, source=f"/virtual/{doc_id}", checksum=hashlib.sha256(text.encode()).hexdigest(),
        title=doc_id, language=lang, metadata={"tags": tags} if tags else {},
        blocks=[Block(BlockKind.PARAGRAPH, p, language=lang, section=[doc_id]) for p in paragraphs])


HAND = doc("hand.md", "Wash your hands with soap and water for at least 20 seconds.",
           "Dry them with a clean towel.")
CORD = doc("cord.md", "Keep the baby's umbilical cord stump clean and dry.",
           "Do not put anything on the cord stump.")
ORS = doc("ors.md", "Mix one packet of ORS in one litre of clean drinking water.", lang="en")
HINDI = doc("hi.md", "बच्चे को दस्त होने पर ओआरएस का घोल दें।", lang="hi")


@pytest.fixture()
def index(tmp_path: Path, embedder) -> Index:  # noqa: ANN001
    idx = Index.create(tmp_path / "idx", embedder=embedder)
    idx.add([HAND, CORD, ORS, HINDI])
    return idx


def test_search_modes_find_the_right_document(index: Index) -> None:
    for mode in ("hybrid", "bm25", "dense"):
        hits = index.search("how long should I wash my hands", k=3, mode=mode)
        assert hits and hits[0].doc_id == "hand.md", mode
        assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    with pytest.raises(ValueError):
        index.search("x", mode="sparse")


def test_hit_carries_the_contract_fields(index: Index) -> None:
    hit = index.search("umbilical cord", k=1)[0]
    data = hit.to_dict()
    for key in ("chunk_id", "doc_id", "score", "text", "source", "page", "lang", "section"):
        assert key in data
    assert hit.doc_id == "cord.md" and hit.lang == "en" and hit.section == ["cord.md"]
    assert {"bm25", "dense", "fused"} <= set(hit.scores)


def test_unchanged_documents_are_skipped(index: Index) -> None:
    report = index.add([HAND, CORD])
    assert report.unchanged == ["hand.md", "cord.md"] and report.embedded == 0
    assert report.chunks_added == 0


def test_changed_document_is_replaced(index: Index) -> None:
    gen = index.info()["generation"]
    new = doc("ors.md", "Give zinc tablets for 14 days along with ORS.")
    report = index.add([new])
    assert report.replaced == ["ors.md"] and report.chunks_removed == 1
    assert index.info()["generation"] != gen
    hits = index.search("zinc tablets", k=5, mode="bm25")
    assert hits[0].doc_id == "ors.md" and "zinc" in hits[0].text
    assert not [h for h in index.search("one litre", k=10, mode="bm25") if "litre" in h.text]
    assert index.info()["chunks"] == index.info()["vectors"] == index.info()["bm25_documents"]


def test_delete_removes_from_both_retrievers(index: Index) -> None:
    chunks_before = index.info()["chunks"]
    report = index.delete(["cord.md", "missing.md"])
    assert report.deleted == ["cord.md"] and report.chunks_removed >= 1
    assert index.info()["chunks"] == chunks_before - report.chunks_removed
    for mode in ("bm25", "dense", "hybrid"):
        assert all(h.doc_id != "cord.md" for h in index.search("cord stump", k=10, mode=mode))
    reopened = Index.open(index.root, embedder=index.embedder)
    assert reopened.info()["documents"] == 3


def test_filters_apply_before_top_k(index: Index) -> None:
    hits = index.search("how long should I wash my hands", k=2, filters={"language": "hi"})
    assert hits and all(h.lang == "hi" for h in hits)
    hits = index.search("hands", k=5, filters={"doc_id": ["ors.md"]}, mode="dense")
    assert [h.doc_id for h in hits] == ["ors.md"]


def test_persistence_round_trip(index: Index, embedder) -> None:  # noqa: ANN001
    before = [(h.chunk_id, round(h.score, 5)) for h in index.search("cord stump", k=4)]
    reopened = Index.open(index.root, embedder=embedder)
    after = [(h.chunk_id, round(h.score, 5)) for h in reopened.search("cord stump", k=4)]
    assert before == after


def test_reader_keeps_its_snapshot_until_refresh(index: Index, embedder) -> None:  # noqa: ANN001
    reader = Index.open(index.root, embedder=embedder)
    index.add([doc("fever.md", "A child with fever above 39 degrees needs a health worker.")])
    assert reader.info()["documents"] == 4
    assert reader.refresh() and reader.info()["documents"] == 5


def test_failed_write_leaves_previous_generation(index: Index, monkeypatch) -> None:  # noqa: ANN001
    gen = index.info()["generation"]

    def boom(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("disk full")

    monkeypatch.setattr(index.embedder, "embed_passages", boom)
    with pytest.raises(RuntimeError):
        index.add([doc("new.md", "Something new about anemia and iron.")])
    assert sorted(p.name for p in index.root.glob("gen-*")) == [gen]
    fresh = Index.open(index.root, embedder=index.embedder)
    assert fresh.info()["generation"] == gen and fresh.info()["documents"] == 4


def test_mismatched_model_is_refused(index: Index, embedder) -> None:  # noqa: ANN001
    manifest_path = index.root / "manifest.json"
    data = json.loads(manifest_path.read_text())
    data["model"]["checksum"] = "0" * 64
    manifest_path.write_text(json.dumps(data))
    with pytest.raises(IndexOpenError, match="built with model"):
        Index.open(index.root, embedder=embedder)


def test_not_an_index_and_traversal_are_refused(tmp_path: Path, index: Index, embedder
                                                ) -> None:  # noqa: ANN001
    with pytest.raises(IndexOpenError, match="no such index"):
        Index.open(tmp_path / "nope", embedder=embedder)
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexOpenError, match="not an index"):
        Index.open(tmp_path / "empty", embedder=embedder)
    bad = tmp_path / "bad"
    shutil.copytree(index.root, bad)
    data = json.loads((bad / "manifest.json").read_text())
    data["generation_dir"] = "../../etc"
    (bad / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(IndexOpenError, match="invalid generation_dir"):
        Index.open(bad, embedder=embedder)


def test_create_after_a_create_killed_before_its_manifest(tmp_path: Path, embedder) -> None:  # noqa: ANN001
    """A SIGKILL inside the first commit leaves a lock file and an unnamed generation folder;
    the rerun must create the index, not refuse the folder as foreign."""
    root = tmp_path / "idx"
    (root / "gen-000001").mkdir(parents=True)
    (root / "gen-000001" / "store.sqlite").write_bytes(b"partial")
    (root / ".lock").touch()
    Index.create(root, embedder=embedder)
    assert (root / "manifest.json").exists()
    assert (root / "gen-000001" / "store.sqlite").read_bytes() != b"partial"
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(IndexOpenError, match="not empty"):
        Index.create(tmp_path / "other", embedder=embedder)
