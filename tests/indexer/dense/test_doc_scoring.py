"""Document-aware dense scoring (issue 15): lead windows, the blend, and the index keeping one
vector per document through adds, replacements and deletes. Real model, real FAISS."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chunkers import ChunkerConfig, chunk_document, default_counter, lead_window
from indexer.dense.documents import DocumentScoring, combine
from loaders import Block, BlockKind, Document


def _doc(doc_id: str, text: str, title: str | None = None, lang: str = "en") -> Document:
    return Document(id=doc_id, source=doc_id, checksum=str(hash((doc_id, text))), title=title,
                    language=lang,
                    blocks=[Block(BlockKind.PARAGRAPH, text, language=lang,
                                  section=[title] if title else [])])


def test_lead_window_fits_and_matches_a_one_chunk_document() -> None:
    counter = default_counter()
    long_doc = _doc("a", " ".join(f"word{i}" for i in range(2000)), "Hand washing")
    window = lead_window(long_doc, counter, 128, prompt="passage: ")
    assert window.startswith("Hand washing\nword0 word1")
    assert counter.count("passage: " + window) + 2 <= 128
    # one more word would not fit: the longest prefix is taken
    n = len(window.split("\n", 1)[1].split(" "))
    longer = "Hand washing\n" + " ".join(f"word{i}" for i in range(n + 1))
    assert counter.count("passage: " + longer) + 2 > 128
    short = _doc("b", "Wash hands with soap for twenty seconds.", "Hand washing")
    chunks = chunk_document(short, ChunkerConfig(), counter)
    assert len(chunks) == 1 and lead_window(short, counter, 256, prompt="passage: ") \
        == chunks[0].context_text  # same text: the embedding cache serves it


def test_combine_blends_and_orders() -> None:
    ids, scores = combine({1: 0.9, 2: 0.5, 3: 0.7}, {1: 10, 2: 20, 3: 10},
                          {10: 0.1, 20: 0.9}, 0.5, depth=10)
    assert ids.tolist() == [2, 1, 3]
    assert np.allclose(scores, [0.7, 0.5, 0.4])
    ids, scores = combine({5: 0.3, 4: 0.3}, {}, {}, 0.5, depth=1)
    assert ids.tolist() == [4] and scores[0] == pytest.approx(0.3)  # no document: its own
    with pytest.raises(ValueError):
        DocumentScoring(weight=1.5)
    with pytest.raises(ValueError, match="unknown"):
        DocumentScoring.from_dict({"weigth": 0.5})


DOCS = [
    _doc("wash", "Wash your hands with soap and clean water for at least twenty seconds "
         "before feeding a baby and after using the toilet.", "Hand washing"),
    _doc("cord", "Keep the umbilical cord stump clean and dry. Do not apply anything to it. "
         "See a health worker if it becomes red or smells.", "Cord care"),
    _doc("ors", "Give oral rehydration solution after every loose stool. Mix one packet in a "
         "litre of clean water.", "Diarrhoea"),
    _doc("hi-cord", "नाल को साफ और सूखा रखें। उस पर कुछ भी न लगाएं।", "नाल की देखभाल", "hi"),
]


@pytest.fixture()
def doc_index(tmp_path: Path, embedder):  # noqa: ANN001, ANN201
    from indexer import Index

    index = Index.create(tmp_path / "idx", embedder=embedder)
    index.add(DOCS)
    return index


def test_scores_carry_document_evidence(doc_index, embedder) -> None:  # noqa: ANN001
    snap = doc_index._snap
    assert snap.docs is not None and len(snap.docs) == len(DOCS)
    assert doc_index.manifest["documents"] == DocumentScoring().to_dict()
    hits = doc_index.search("how long should I wash my hands", k=3, mode="dense")
    assert hits[0].doc_id == "wash"
    for hit in hits:
        assert set(hit.scores) >= {"dense", "chunk", "document"}
        assert hit.scores["dense"] == pytest.approx(
            0.5 * hit.scores["chunk"] + 0.5 * hit.scores["document"], abs=1e-5)
    # the document's cosine is that of its lead window's vector
    q = embedder.embed_query("how long should I wash my hands")
    window = lead_window(DOCS[0], doc_index.counter(), 256, prompt="passage: ")
    assert hits[0].scores["document"] == pytest.approx(
        float(embedder.embed_passages([window])[0] @ q), abs=1e-4)
    hybrid = doc_index.search("umbilical cord care", k=2, filters={"language": ["en"]})
    assert hybrid[0].doc_id == "cord" and "document" in hybrid[0].scores


def test_document_vectors_follow_upserts_and_deletes(doc_index) -> None:  # noqa: ANN001
    from indexer import Index

    changed = _doc("ors", "Oral rehydration salts: one packet in one litre of water.", "ORS")
    report = doc_index.add([changed])
    assert report.replaced == ["ors"]
    assert len(doc_index._snap.docs) == len(DOCS)
    doc_index.delete(["cord"])
    assert len(doc_index._snap.docs) == len(DOCS) - 1
    reopened = Index.open(doc_index.root, embedder=doc_index.embedder)
    assert len(reopened._snap.docs) == len(DOCS) - 1
    assert all(h.doc_id != "cord" for h in reopened.search("cord stump", k=5))


def test_candidates_are_public_and_chunks_alone_still_work(tmp_path: Path, embedder) -> None:  # noqa: ANN001
    from indexer import Index

    plain = Index.create(tmp_path / "plain", embedder=embedder, documents=False)
    plain.add(DOCS)
    assert plain._snap.docs is None and plain.manifest["documents"] is None
    assert not (plain._snap.gen / "documents.faiss").exists()
    hit = plain.search("wash hands", k=1, mode="dense")[0]
    assert "document" not in hit.scores and hit.doc_id == "wash"
    found = plain.candidates("wash hands", depth=5)
    assert set(found.lists) == {"bm25", "dense"}
    assert found.top_cosine == pytest.approx(hit.scores["dense"], abs=1e-5)


def test_window_texts_reuse_a_whole_document_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """A document that is one chunk within the budget is its own window, uncounted; the rest
    are cut, and every window is what `lead_window` gives (issue 17)."""
    from indexer.dense import documents

    counter, config, scoring = default_counter(), ChunkerConfig(), DocumentScoring()
    short = _doc("s", "Wash hands with soap for twenty seconds.", "Hand washing")
    long_doc = _doc("l", " ".join(f"word{i}" for i in range(600)), "Hand washing")
    batch = [(d, chunk_document(d, config, counter)) for d in (short, long_doc, DOCS[3])]
    assert len(batch[0][1]) == 1 and isinstance(batch[0][1][0].metadata.get("tokens"), int)
    cut: list[str] = []
    real = documents.lead_windows
    monkeypatch.setattr(documents, "lead_windows",
                        lambda docs, *a, **k: cut.extend(d.id for d in docs) or real(docs, *a, **k))
    got = documents.window_texts(batch, counter, scoring, config)
    assert got == [lead_window(d, counter, scoring.window_tokens, prompt=config.prompt)
                   for d, _ in batch]
    assert cut == ["l"]  # only the long document was counted and cut
    tight = DocumentScoring(window_tokens=16)  # the chunk's own count is over this budget
    assert documents.window_texts(batch[:1], counter, tight, config) \
        == [lead_window(short, counter, 16, prompt=config.prompt)] and cut[-1] == "s"
