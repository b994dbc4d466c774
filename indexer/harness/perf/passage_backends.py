"""CPU passage encoders compared: PyTorch fp32 and bf16 (today's default) against ONNX Runtime
fp32 and int8 (dynamic quantization, per-channel and per-tensor), on the same passages.

    python -m indexer.harness.perf.passage_backends --n 512 --json

Issue 17 asks for ≥ 2× today's passage throughput at ≤ 0.005 nDCG@10 loss on every dev set.
This measures the first half (passages/s, same texts, batch size and truncation, one process,
one backend after the other, each warmed first) and the vectors' cosine to PyTorch fp32; only
a backend that reaches the throughput is worth the nDCG check on the dev sets. The ONNX graph
is the one the query encoder already exports (Transformer + mean pooling + normalization);
the int8 graphs are written to a scratch folder and removed after.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
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


def run(n: int = 512, model: str = DEFAULT_MODEL, threads: int | None = None,
        backends: tuple[str, ...] = BACKENDS) -> dict[str, Any]:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from indexer import Embedder
    from indexer.embedding import onnx_query
    from indexer.embedding.embedder import autocast

    threads = threads or os.cpu_count() or 1
    emb = Embedder(model, cache=False)
    prompt = emb.prompts.get("passage", "")
    # Longest first, as the Embedder sorts them: batches of similar length, little padding.
    texts = sorted((prompt + t for t in passages(n)), key=len, reverse=True)
    st = emb.model

    def torch_encode(batch: list[str]) -> np.ndarray:
        return st.encode(batch, batch_size=BATCH, normalize_embeddings=True,
                         convert_to_numpy=True)

    def torch_bf16(batch: list[str]) -> np.ndarray:
        with autocast(emb.device):
            return torch_encode(batch)

    if any(b.startswith("ort") for b in backends) and not onnx_query.available(emb.path,
                                                                               emb.checksum):
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
    rows.append({"backend": "torch-fp32", "seconds": base_s})
    bf16_s, bf16 = _timed(torch_bf16, texts)
    rows.append({"backend": "torch-bf16 (default)", "seconds": bf16_s, "vectors": bf16})
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
    for row in rows:
        vectors = row.pop("vectors", base)
        cos = np.sum(vectors * base, axis=1)
        row.update(passages_per_s=round(n / row["seconds"], 2), seconds=round(row["seconds"], 2),
                   speedup_vs_default=round(bf16_s / row["seconds"], 3),
                   min_cosine_vs_fp32=round(float(cos.min()), 6),
                   mean_cosine_vs_fp32=round(float(cos.mean()), 6))
    return {"passages": n, "model": model, "threads": threads, "batch_size": BATCH,
            "mean_chars": round(sum(map(len, texts)) / len(texts), 1),
            "goal_speedup": 2.0, "rows": rows}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=512)
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--backends", default=",".join(BACKENDS),
                    help="comma-separated, from: " + ", ".join(BACKENDS))
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(argv)
    chosen = tuple(b for b in args.backends.split(",") if b)
    unknown = sorted(set(chosen) - set(BACKENDS))
    if unknown:
        ap.error(f"unknown backend(s) {unknown}: choose from {', '.join(BACKENDS)}")
    out = run(args.n, args.model, args.threads, chosen)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"{out['passages']} passages, {out['threads']} threads, batch {out['batch_size']}")
    for r in out["rows"]:
        print(f"{r['backend']:32} {r['passages_per_s']:8.1f}/s  ×{r['speedup_vs_default']:.2f}"
              f"  min cos {r['min_cosine_vs_fp32']:.4f}")


if __name__ == "__main__":
    main()
