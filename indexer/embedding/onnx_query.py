"""Queries through ONNX Runtime: one short text in ~12 ms on this CPU instead of ~30-45 ms.

A single query is too small for PyTorch to run fast on CPU: its ~90 matrix products each pay
framework overhead, and bf16 autocast (which doubles passage throughput) re-casts the weights
on every call, so one query gets *slower* (measured in ISSUES: fp32 ~30 ms, autocast ~43 ms).
ONNX Runtime runs the same fp32 graph, exported once, at ~12 ms with vectors equal to the
sentence-transformers path (cosine ≥ 0.99999, tested), and needs neither torch nor
transformers at query time, so `indexer search` also skips their import.

The graph is the model's Transformer + mean pooling + L2 normalization, exported only when the
model's sentence-transformers modules are exactly that (e5 and MiniLM are); anything else keeps
the PyTorch path. It lives in the model folder under `.onnx/` (hidden files are not part of
the weight checksum an index pins) with the checksum of the weights it was exported from; a
stale or foreign file is ignored. Passages stay on PyTorch: in batches, bf16 on AMX is faster.
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from indexer.models.metadata import MEAN_PIPELINES, read_json, st_pipeline

ONNX_DIR = ".onnx"
ONNX_FILE = "query-encoder.onnx"
SOURCE_FILE = "source.json"
FORMAT = 1


def onnx_path(model_dir: str | Path) -> Path:
    return Path(model_dir) / ONNX_DIR / ONNX_FILE


def exportable(model_dir: str | Path) -> str | None:
    """None when the model is Transformer + mean pooling (+ Normalize), else why not."""
    model_dir = Path(model_dir)
    names, pooling = st_pipeline(model_dir)
    if names not in MEAN_PIPELINES:
        return f"modules {names or '?'} are not Transformer + Pooling (+ Normalize)"
    if pooling is None:
        return "no pooling config"
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v]
    if modes != ["pooling_mode_mean_tokens"]:
        return f"pooling {modes} is not mean pooling"
    if not (model_dir / "tokenizer.json").is_file():
        return "no tokenizer.json"
    return None


def _max_length(model_dir: Path) -> int:
    conf = read_json(model_dir / "sentence_bert_config.json")
    try:
        return int(conf.get("max_seq_length") or 512)
    except (AttributeError, TypeError, ValueError):
        return 512


def export(model_dir: str | Path, checksum: str) -> Path | None:
    """Export the query encoder next to the weights; None (and nothing written) when the
    model is not exportable. Needs torch, sentence-transformers and the `onnx` package."""
    import torch

    from indexer.models import load

    model_dir = Path(model_dir)
    if exportable(model_dir) is not None:
        return None
    st = load(model_dir, device="cpu")
    transformer = st[0].auto_model.float().eval()
    normalize = len(st) > 2

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.transformer(input_ids=input_ids,
                                      attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1) if normalize else pooled

    sample = st.tokenizer(["query: a short example"], return_tensors="pt")
    out = onnx_path(model_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".tmp{os.getpid()}")
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notes
        torch.onnx.export(Encoder(), (sample["input_ids"], sample["attention_mask"]), str(tmp),
                          input_names=["input_ids", "attention_mask"],
                          output_names=["embedding"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"},
                                        "embedding": {0: "batch"}})
    os.replace(tmp, out)
    record = out.parent / SOURCE_FILE  # written last: it is what makes the file usable
    tmp_record = record.with_suffix(f".tmp{os.getpid()}")
    tmp_record.write_text(json.dumps({"format": FORMAT, "checksum": checksum,
                                      "max_length": _max_length(model_dir),
                                      "normalize": normalize}, indent=1), encoding="utf-8")
    os.replace(tmp_record, record)
    return out


def available(model_dir: str | Path, checksum: str) -> bool:
    """An exported encoder for exactly these weights, and onnxruntime to run it."""
    model_dir = Path(model_dir)
    source = read_json(model_dir / ONNX_DIR / SOURCE_FILE)
    if not (isinstance(source, dict) and source.get("format") == FORMAT
            and source.get("checksum") == checksum and onnx_path(model_dir).is_file()):
        return False
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


class OnnxQueryEncoder:
    """Texts (with their prompt already prepended) → float32 vectors, like the ST model."""

    def __init__(self, model_dir: str | Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_dir = Path(model_dir)
        source = read_json(model_dir / ONNX_DIR / SOURCE_FILE) or {}
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(int(source.get("max_length") or 512))
        self.pad_id = self.tokenizer.token_to_id("<pad>") or 0
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # No spinning after a run: idle ORT threads would take the cores FAISS and BM25 need
        # next (seen as a 15 ms flat search at 10k vectors instead of ~1 ms).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(onnx_path(model_dir)), options,
                                            providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()  # tokenizers' encode_batch is not re-entrant-safe

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            encodings = self.tokenizer.encode_batch(texts, add_special_tokens=True)
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(texts), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, :len(enc.ids)] = enc.ids
            mask[row, :len(enc.ids)] = 1
        (vectors,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
        return np.ascontiguousarray(vectors, dtype=np.float32)
