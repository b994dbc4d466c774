"""Embedding: text to vectors, once.

The encoder (`embedder`: PyTorch for passages, ONNX Runtime for queries in `onnx_query`),
the device and dtype it runs on (`device`), and the content-addressed vector cache (`cache`)."""
