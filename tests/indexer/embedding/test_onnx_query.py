"""Queries through ONNX Runtime give the sentence-transformers vectors, and only when the
exported graph belongs to exactly these weights."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from indexer import Embedder, onnx_query
from indexer.models.registry import ensure_query_encoder

QUERIES = [
    "how do I keep the cord stump clean?",
    "नवजात शिशु की नाल को कैसे साफ रखें?",
    "নবজাতকের নাভি কীভাবে পরিষ্কার রাখবেন?",
    "बाळाची नाळ कशी स्वच्छ ठेवावी?",
    "காய்ச்சல் வந்தால் என்ன செய்ய வேண்டும்?",
    "జ్వరం వస్తే ఏమి చేయాలి?",
    "ಜ್ವರ ಬಂದರೆ ಏನು ಮಾಡಬೇಕು?",
    "ज्वरो आएमा के गर्ने?",
    "gejala demam berdarah pada anak",
    "ORS " * 700,  # past the 512-token limit: truncated the same way
]


@pytest.fixture(scope="module")
def onnx_embedder(e5_dir: Path) -> Embedder:
    assert ensure_query_encoder(e5_dir, progress=False) is not None
    return Embedder(str(e5_dir), cache=False)


def test_onnx_queries_equal_sentence_transformers(onnx_embedder: Embedder) -> None:
    assert onnx_embedder.query_backend == "onnxruntime"
    got = onnx_embedder.embed_queries(QUERIES)
    ref = onnx_embedder.model.encode(QUERIES, prompt="query: ", normalize_embeddings=True,
                                     convert_to_numpy=True)
    assert got.dtype == np.float32 and got.shape == ref.shape
    assert float(np.min(np.sum(got * ref, axis=1))) >= 0.9999
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    one = onnx_embedder.embed_query(QUERIES[1])  # a batch of one, no padding
    assert float(one @ got[1]) >= 0.99999


def test_backend_can_be_forced_back_to_torch(e5_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("INDEXER_QUERY_BACKEND", "torch")
    assert Embedder(str(e5_dir), cache=False).query_backend == "sentence-transformers"


def test_graph_of_other_weights_is_not_used(e5_dir: Path) -> None:
    assert onnx_query.available(e5_dir, Embedder(str(e5_dir)).checksum)
    assert not onnx_query.available(e5_dir, "0" * 64)  # exported from other weights: stale


def test_only_mean_pooled_models_are_exported(tmp_path: Path) -> None:
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": "sentence_transformers.models.Pooling"}]))
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(
        {"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}))
    assert "not mean pooling" in onnx_query.exportable(tmp_path)
    assert onnx_query.export(tmp_path, "x") is None
    assert "not Transformer" in onnx_query.exportable(tmp_path / "missing")
