"""CPU passage encoders compared: PyTorch fp32 and bf16 against ONNX Runtime fp32 and int8
(dynamic quantization, per-channel and per-tensor) and, when installed, OpenVINO fp32 and
int8 (NNCF static quantization), on the same passages.

    python -m indexer.harness.perf.passage_backends --n 512 --json

Issue 17 asks for ≥ 2× today's passage throughput at ≤ 0.005 nDCG@10 loss on every dev set.
This measures the first half (passages/s, same texts, batch size and truncation, one process,
one backend after the other, each warmed first) and the vectors' cosine to PyTorch fp32; only
a backend that reaches the throughput is worth the nDCG check on the dev sets. The ONNX graph
is the one the query encoder already exports (Transformer + mean pooling + normalization);
the int8 graphs are written to a scratch folder and removed after.

Today's default is bf16 autocast on a CPU with AMX and fp32 elsewhere (`has_amx`): the row
marked "(default)" is the one this CPU runs, and the speed-ups are against it. OpenVINO and
NNCF are not dependencies of the project (`pip install openvino nncf` to measure them); NNCF
calibrates on 128 passages other than the measured ones.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from indexer.defaults import DEFAULT_MODEL
from indexer.harness.perf.embed import passages

BATCH = 32


def _timed(encode: Callable[[list[str]], np.ndarray], texts: list[str]) -> tuple[float, np.ndarray]:
    encode(texts[:BATCH])  # warm-up: first-call allocation and graph optimization
    start = time.perf_counter()
    out = np.concatenate([encode(texts[i:i + BATCH]) for i in range(0, len(texts), BATCH)])
    return time.perf_counter() - start, out


def _ort_session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


BACKENDS = ("torch-int8", "ort-fp32", "ort-int8-dynamic-per-channel",
            "ort-int8-dynamic-per-tensor")  # beside torch fp32 and bf16, always measured
OPENVINO = ("ov-fp32", "ov-int8-static")  # only when asked for: optional packages
CALIBRATION = 128  # passages NNCF calibrates on, taken after the measured ones


def _feeds(encoder: Any, batch: list[str]) -> dict[str, np.ndarray]:
    """The ONNX graph's inputs for a batch, padded as the query encoder pads them."""
    encodings = encoder.tokenizer.encode_batch(batch, add_special_tokens=True)
    width = max(len(e.ids) for e in encodings)
    ids = np.full((len(batch), width), encoder.pad_id, dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, enc in enumerate(encodings):
        ids[row, :len(enc.ids)] = enc.ids
        mask[row, :len(enc.ids)] = 1
    return {"input_ids": ids, "attention_mask": mask}


def _openvino(graph: Path, threads: int, calibration: list[dict[str, np.ndarray]] | None,
              encoder: Any) -> Callable[[list[str]], np.ndarray]:
    """An OpenVINO encoder for the ONNX graph; int8 (NNCF, transformer preset) with
    `calibration` batches."""
    try:
        import openvino as ov
    except ImportError as exc:
        raise SystemExit("ov-* backends need OpenVINO: pip install openvino nncf") from exc
    core = ov.Core()
    model = core.read_model(str(graph))
    if calibration is not None:
        try:
            import nncf
        except ImportError as exc:
            raise SystemExit("ov-int8-static needs NNCF: pip install nncf") from exc
        with contextlib.redirect_stdout(sys.stderr):  # its progress bars: keep --json clean
            model = nncf.quantize(model, nncf.Dataset(calibration),
                                  subset_size=len(calibration),
                                  model_type=nncf.ModelType.TRANSFORMER)
    compiled = core.compile_model(model, "CPU", {"PERFORMANCE_HINT": "LATENCY",
                                                 "INFERENCE_NUM_THREADS": threads})
    request = compiled.create_infer_request()

    def encode(batch: list[str]) -> np.ndarray:
        result = request.infer(_feeds(encoder, batch))
        return np.array(result[compiled.output(0)], dtype=np.float32)
    return encode


def run(n: int = 512, model: str = DEFAULT_MODEL, threads: int | None = None,
        backends: tuple[str, ...] = BACKENDS) -> dict[str, Any]:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from indexer import Embedder
    from indexer.embedding import onnx_query
    from indexer.embedding.device import has_amx
    from indexer.embedding.embedder import autocast

    threads = threads or os.cpu_count() or 1
    emb = Embedder(model, cache=False)
    prompt = emb.prompts.get("passage", "")
    # Longest first, as the Embedder sorts them: batches of similar length, little padding.
    pool = passages(n + CALIBRATION) if any(b in OPENVINO for b in backends) else passages(n)
    texts = sorted((prompt + t for t in pool[:n]), key=len, reverse=True)
    calibration_texts = [prompt + t for t in pool[n:n + CALIBRATION]]
    st = emb.model

    def torch_encode(batch: list[str]) -> np.ndarray:
        return st.encode(batch, batch_size=BATCH, normalize_embeddings=True,
                         convert_to_numpy=True)

    def torch_bf16(batch: list[str]) -> np.ndarray:
        with autocast(emb.device):
            return torch_encode(batch)

    if any(b.startswith(("ort", "ov")) for b in backends) and not onnx_query.available(
            emb.path, emb.checksum):
        onnx_query.export(emb.path, emb.checksum)
    fp32_graph = onnx_query.onnx_path(emb.path)

    @functools.cache
    def query_encoder() -> Any:
        """One query encoder, built when first needed, for its tokenizer and padding."""
        return onnx_query.OnnxQueryEncoder(emb.path)

    def ort_encode(session: Any) -> Callable[[list[str]], np.ndarray]:
        encoder = query_encoder()

        def encode(batch: list[str]) -> np.ndarray:
            encoder.session = session
            return encoder.encode(batch)
        return encode

    rows: list[dict[str, Any]] = []
    torch.set_num_threads(threads)
    base_s, base = _timed(torch_encode, texts)
    amx = has_amx()  # what `Embedder` runs here: bf16 autocast only with AMX
    rows.append({"backend": "torch-fp32" + ("" if amx else " (default)"), "seconds": base_s})
    bf16_s, bf16 = _timed(torch_bf16, texts)
    rows.append({"backend": "torch-bf16" + (" (default)" if amx else " (no AMX: fp32)"),
                 "seconds": bf16_s, "vectors": bf16})
    default_s = bf16_s if amx else base_s
    if "torch-int8" in backends:
        # PyTorch's own dynamic int8 Linear (weights per tensor, activations per batch):
        # quantizes the model in place, so it runs after the float backends.
        torch.ao.quantization.quantize_dynamic(st, {torch.nn.Linear}, dtype=torch.qint8,
                                               inplace=True)
        seconds, vectors = _timed(torch_encode, texts)
        rows.append({"backend": "torch-int8-dynamic", "seconds": seconds, "vectors": vectors})
    with tempfile.TemporaryDirectory(prefix="passage-backends-") as tmp:
        graphs = {"ort-fp32": fp32_graph} if "ort-fp32" in backends else {}
        for name, per_channel in (("ort-int8-dynamic-per-channel", True),
                                  ("ort-int8-dynamic-per-tensor", False)):
            if name not in backends:
                continue
            out = Path(tmp) / f"{name}.onnx"
            quantize_dynamic(str(fp32_graph), str(out), per_channel=per_channel,
                             weight_type=QuantType.QInt8)
            graphs[name] = out
        for name, graph in graphs.items():
            seconds, vectors = _timed(ort_encode(_ort_session(graph, threads)), texts)
            rows.append({"backend": name, "seconds": seconds, "vectors": vectors,
                         "graph_mb": round(graph.stat().st_size / 2**20, 1)})
    for name in OPENVINO:
        if name not in backends:
            continue
        encoder = query_encoder()
        calibration = None if name == "ov-fp32" else [
            _feeds(encoder, calibration_texts[i:i + 8])
            for i in range(0, len(calibration_texts), 8)]
        seconds, vectors = _timed(_openvino(fp32_graph, threads, calibration, encoder), texts)
        rows.append({"backend": name, "seconds": seconds, "vectors": vectors})
    for row in rows:
        vectors = row.pop("vectors", base)
        cos = np.sum(vectors * base, axis=1)
        row.update(passages_per_s=round(n / row["seconds"], 2), seconds=round(row["seconds"], 2),
                   speedup_vs_default=round(default_s / row["seconds"], 3),
                   min_cosine_vs_fp32=round(float(cos.min()), 6),
                   mean_cosine_vs_fp32=round(float(cos.mean()), 6))
    return {"passages": n, "model": model, "threads": threads, "batch_size": BATCH, "amx": amx,
            "mean_chars": round(sum(map(len, texts)) / len(texts), 1),
            "goal_speedup": 2.0, "rows": rows}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=512)
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--backends", default=",".join(BACKENDS),
                    help="comma-separated, from: " + ", ".join(BACKENDS + OPENVINO))
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(argv)
    chosen = tuple(b for b in args.backends.split(",") if b)
    unknown = sorted(set(chosen) - set(BACKENDS + OPENVINO))
    if unknown:
        ap.error(f"unknown backend(s) {unknown}: choose from {', '.join(BACKENDS + OPENVINO)}")
    out = run(args.n, args.model, args.threads, chosen)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"{out['passages']} passages, {out['threads']} threads, batch {out['batch_size']}, "
          f"AMX {'yes' if out['amx'] else 'no'}")
    for r in out["rows"]:
        print(f"{r['backend']:32} {r['passages_per_s']:8.1f}/s  ×{r['speedup_vs_default']:.2f}"
              f"  min cos {r['min_cosine_vs_fp32']:.4f}")


if __name__ == "__main__":
    main()
