"""Dense retrieval over FAISS.

The index (`index.DenseIndex`), the structure chosen by size (`config`, `build`: flat, HNSW,
IVF-PQ), GPU placement (`gpu`), id positions and filters (`positions`), files on disk
(`files`), and document-aware scoring (`documents`)."""
