"""Reading and writing a dense index: one FAISS file plus two small sidecars.

For `dense.faiss` the files are:

- `dense.faiss`            the CPU index, written by `faiss.write_index` (ids and vectors)
- `dense.tombstones.npy`   int64 ids deleted but still inside an HNSW/IVF-PQ structure
                           (`np.save`, allow_pickle=False)
- `dense.config.json`      the DenseConfig the index grows and compacts by

Each is written to a temporary name and renamed, sidecars first, so a reader never finds a
half-written file under the real name (the generation directory and manifest make the set
as a whole atomic). Loading checks every file and names the bad one in a ValueError.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import faiss
import numpy as np

from indexer.dense.build import inner_of, kind_of
from indexer.dense.config import DenseConfig
from indexer.storage.npy import load_npy


def tombstones_path(path: Path) -> Path:
    return path.with_suffix(".tombstones.npy")


def config_path(path: Path) -> Path:
    return path.with_suffix(".config.json")


def _replace(tmp: Path, final: Path) -> None:
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, final)


def write(path: Path, index: faiss.Index, tombstones: np.ndarray, config: DenseConfig) -> None:
    """Write the index and its sidecars (temp file + rename for each)."""
    path = Path(path)
    tomb, conf = tombstones_path(path), config_path(path)
    tmp = {p: p.with_name(f".{p.name}.tmp") for p in (path, tomb, conf)}
    try:
        with tmp[tomb].open("wb") as fh:
            np.save(fh, np.asarray(tombstones, dtype=np.int64), allow_pickle=False)
        tmp[conf].write_text(json.dumps(config.to_dict(), indent=2, sort_keys=True) + "\n",
                             encoding="utf-8")
        faiss.write_index(index, str(tmp[path]))
        for final in (tomb, conf, path):
            _replace(tmp[final], final)
    finally:
        for t in tmp.values():
            t.unlink(missing_ok=True)


def read(path: Path, dim: int) -> tuple[faiss.IndexIDMap2, np.ndarray, DenseConfig | None]:
    """(index, tombstones, stored config or None) after validating all three files."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: dense index file not found")
    _precheck(path, dim)
    try:
        index = faiss.read_index(str(path))
    except RuntimeError as exc:
        raise ValueError(f"{path}: not a readable FAISS index ({_first_line(exc)})") from exc
    except MemoryError as exc:  # a damaged size field deeper in the file than _precheck reads
        raise ValueError(f"{path}: not a readable FAISS index (damaged: it asks for more "
                         "memory than there is)") from exc
    if not isinstance(index, faiss.IndexIDMap2):
        raise ValueError(f"{path}: expected an IndexIDMap2, found {type(index).__name__}")
    try:
        kind = kind_of(index)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    if index.d != dim:
        raise ValueError(f"{path}: FAISS index has dimension {index.d}, expected {dim}")
    if inner_of(index).metric_type != faiss.METRIC_INNER_PRODUCT:
        raise ValueError(f"{path}: index metric is not inner product")
    if index.index.ntotal != index.ntotal:
        raise ValueError(f"{path}: id map holds {index.ntotal} ids for "
                         f"{index.index.ntotal} vectors")
    ids = faiss.vector_to_array(index.id_map).astype(np.int64, copy=False)
    return index, _read_tombstones(path, kind, ids), _read_config(config_path(path))


_HEADER = struct.Struct("<4siqqqBi")  # fourcc, d, ntotal, 2 unused, is_trained, metric
_FLAT = (b"IxFI", b"IxF2")


def _precheck(path: Path, dim: int) -> None:
    """Check the sizes FAISS's reader would trust before it allocates them.

    faiss.read_index allocates whatever a size field claims, so a damaged file can ask for
    terabytes. Every index here is an IndexIDMap2: its header gives d and ntotal, which must
    match the dimension and fit the file (8 bytes of id per vector at least). Flat indexes, the
    common case, are checked byte for byte; deeper damage in HNSW or IVF-PQ files surfaces as
    MemoryError or RuntimeError from FAISS, both turned into ValueError by the caller.
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(2 * _HEADER.size + 8)
    if len(head) < _HEADER.size or head[:4] != b"IxM2":
        raise ValueError(f"{path}: not a readable FAISS index (no IndexIDMap2 header)")
    _, d, ntotal, _, _, _, metric = _HEADER.unpack_from(head)
    if d != dim:
        raise ValueError(f"{path}: FAISS index has dimension {d}, expected {dim}")
    if ntotal < 0 or ntotal * 8 > size:
        raise ValueError(f"{path}: not a readable FAISS index (header claims {ntotal} "
                         f"vectors, more than a file of {size} bytes can hold)")
    inner = head[_HEADER.size:_HEADER.size + 4]
    if inner not in _FLAT or metric > 1 or len(head) < 2 * _HEADER.size + 8:
        return
    _, d2, n2, _, _, _, _ = _HEADER.unpack_from(head, _HEADER.size)
    (codes,) = struct.unpack_from("<Q", head, 2 * _HEADER.size)
    expected = 2 * _HEADER.size + 8 + ntotal * d * 4 + 8 + ntotal * 8
    if (d2, n2, codes) != (d, ntotal, ntotal * d) or size != expected:  # codes: in floats
        raise ValueError(f"{path}: not a readable FAISS index (damaged: the sizes in its flat "
                         f"header do not match a file of {size} bytes)")


def _read_tombstones(path: Path, kind: str, ids: np.ndarray) -> np.ndarray:
    tomb = tombstones_path(path)
    if not tomb.exists():
        if kind == "flat":  # flat indexes delete physically; older files have no sidecar
            return np.empty(0, np.int64)
        raise ValueError(f"{tomb}: missing; without it deleted ids of this {kind} index "
                         "would come back")
    try:
        arr = load_npy(tomb)
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError(f"{tomb}: not a valid .npy tombstone file ({exc})") from exc
    if not isinstance(arr, np.ndarray) or arr.ndim != 1 or arr.dtype != np.int64:
        raise ValueError(f"{tomb}: expected a 1-d int64 array, found "
                         f"{getattr(arr, 'dtype', '?')} with shape {getattr(arr, 'shape', '?')}")
    if len(np.unique(arr)) != len(arr):
        raise ValueError(f"{tomb}: tombstone ids repeat")
    if len(arr) and not np.isin(arr, ids).all():
        raise ValueError(f"{tomb}: {int((~np.isin(arr, ids)).sum())} tombstones name ids that "
                         "are not in the index; the files do not belong together")
    return np.sort(arr)


def _read_config(conf: Path) -> DenseConfig | None:
    if not conf.exists():
        return None
    try:
        return DenseConfig.from_dict(json.loads(conf.read_text(encoding="utf-8")))
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{conf}: invalid dense config ({exc})") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
