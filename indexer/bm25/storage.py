"""Save/load an index as JSON plus .npy arrays: no pickle anywhere.

Layout of a directory:
  manifest.json   format, tokenizer config, BM25 params, resource fingerprints, array sizes
  vocab.json      the terms, position = term id
  {main,delta}.{tf,indices,indptr,doc_len,ids,alive}.npy
Every array is checked against the manifest on load; a mismatch raises ValueError naming the
file. A tokenizer config, BM25 params or stopword/suffix lists that differ from the ones the
index was built with are refused too: the stored tokens would no longer match queries.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import Stemmer

from indexer.bm25.config import BM25Params, TokenizerConfig
from indexer.bm25.segment import ARRAYS, Segment
from indexer.bm25.stopwords import fingerprint
from indexer.bm25.suffixes import SUFFIXES
from indexer.storage.npy import load_npy

FORMAT = "indexer.bm25"
FORMAT_VERSION = 1
_SEGMENTS = ("main", "delta")
_KINDS = {"tf": "iu", "indices": "iu", "indptr": "iu", "doc_len": "iu", "ids": "iu", "alive": "b"}
_DTYPES = {"tf": np.int32, "indices": np.int32, "indptr": np.int64, "doc_len": np.int32,
           "ids": np.int64, "alive": bool}


@dataclass
class Stored:
    config: TokenizerConfig
    params: BM25Params
    terms: list[str]
    main: Segment
    delta: Segment


def resources() -> dict[str, str]:
    """Fingerprints of what shapes tokens besides the config: word lists and the stemmer."""
    suffixes = json.dumps(SUFFIXES, sort_keys=True, ensure_ascii=False).encode()
    return {
        "stopwords": fingerprint(),
        "suffixes": hashlib.sha256(suffixes).hexdigest()[:16],
        "pystemmer": getattr(Stemmer, "__version__", "unknown"),
    }


def save(
    directory: str | Path,
    config: TokenizerConfig,
    params: BM25Params,
    terms: list[str],
    main: Segment,
    delta: Segment,
) -> None:
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    segments = {"main": main, "delta": delta}
    for name, seg in segments.items():
        seg.padded(len(terms))
        for array in ARRAYS:
            np.save(path / f"{name}.{array}.npy", getattr(seg, array), allow_pickle=False)
    (path / "vocab.json").write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tokenizer": config.to_dict(),
        "params": params.to_dict(),
        "resources": resources(),
        "vocab_size": len(terms),
        "segments": {
            name: {"n_docs": seg.n_docs, "nnz": seg.nnz, "n_terms": seg.n_terms}
            for name, seg in segments.items()
        },
    }
    # Written last: a directory without a manifest is an incomplete save.
    (path / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))


def _read_json(file: Path) -> object:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{file}: missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{file}: not valid JSON ({exc})") from None


def _load_array(file: Path, name: str, length: int) -> np.ndarray:
    try:
        arr = load_npy(file)
    except FileNotFoundError:
        raise ValueError(f"{file}: missing") from None
    except ValueError as exc:  # object arrays need pickle; truncated or foreign files
        raise ValueError(f"{file}: unreadable without pickle ({exc})") from None
    if not isinstance(arr, np.ndarray) or arr.ndim != 1:
        raise ValueError(f"{file}: expected a 1-D array, got shape {getattr(arr, 'shape', '?')}")
    if arr.dtype.kind not in _KINDS[name]:
        raise ValueError(f"{file}: wrong dtype {arr.dtype}")
    if len(arr) != length:
        raise ValueError(f"{file}: expected {length} entries, found {len(arr)}")
    return arr.astype(_DTYPES[name], copy=False)


def _load_segment(path: Path, name: str, info: dict, vocab_size: int) -> Segment:
    try:
        n_docs, nnz, n_terms = (int(info[key]) for key in ("n_docs", "nnz", "n_terms"))
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"{path / 'manifest.json'}: bad sizes for segment {name!r}") from None
    if n_terms != vocab_size:
        raise ValueError(f"{path / 'manifest.json'}: segment {name!r} has {n_terms} terms, "
                         f"vocabulary has {vocab_size}")
    lengths = {"tf": nnz, "indices": nnz, "indptr": n_terms + 1, "doc_len": n_docs,
               "ids": n_docs, "alive": n_docs}
    arrays = {a: _load_array(path / f"{name}.{a}.npy", a, lengths[a]) for a in ARRAYS}
    indptr = arrays["indptr"]
    if indptr[0] != 0 or indptr[-1] != nnz or np.any(np.diff(indptr) < 0):
        raise ValueError(f"{path / f'{name}.indptr.npy'}: not a valid pointer array for {nnz} "
                         "postings")
    if nnz and (arrays["indices"].min() < 0 or arrays["indices"].max() >= n_docs):
        raise ValueError(f"{path / f'{name}.indices.npy'}: document index out of [0, {n_docs})")
    if nnz and arrays["tf"].min() < 1:
        raise ValueError(f"{path / f'{name}.tf.npy'}: term frequencies must be >= 1")
    if n_docs and arrays["ids"].min() < 0:
        raise ValueError(f"{path / f'{name}.ids.npy'}: negative document id")
    if n_docs and arrays["doc_len"].min() < 0:
        raise ValueError(f"{path / f'{name}.doc_len.npy'}: negative document length")
    return Segment(**arrays)


def _check_same(file: Path, what: str, stored: object, given: object) -> None:
    if given is not None and given != stored:
        raise ValueError(f"{file}: index was built with {what} {stored}, asked for {given}; "
                         "rebuild the index")


def load(
    directory: str | Path, config: TokenizerConfig | None, params: BM25Params | None
) -> Stored:
    path = Path(directory)
    mfile = path / "manifest.json"
    manifest = _read_json(mfile)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{mfile}: not an {FORMAT} manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{mfile}: format_version {manifest.get('format_version')} "
                         f"unsupported (expected {FORMAT_VERSION})")
    try:
        stored_config = TokenizerConfig.from_dict(manifest["tokenizer"])
        stored_params = BM25Params.from_dict(manifest["params"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{mfile}: bad tokenizer/params section ({exc})") from None
    _check_same(mfile, "tokenizer config", stored_config, config)
    _check_same(mfile, "BM25 params", stored_params, params)
    _check_same(mfile, "resources", manifest.get("resources"), resources())
    terms = _read_json(path / "vocab.json")
    vocab_size = manifest.get("vocab_size")
    if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
        raise ValueError(f"{path / 'vocab.json'}: expected a JSON list of strings")
    if len(terms) != vocab_size or len(set(terms)) != len(terms):
        raise ValueError(f"{path / 'vocab.json'}: expected {vocab_size} distinct terms, "
                         f"found {len(terms)} ({len(set(terms))} distinct)")
    segments = manifest.get("segments")
    if not isinstance(segments, dict) or set(segments) != set(_SEGMENTS):
        raise ValueError(f"{mfile}: expected segments {_SEGMENTS}")
    main, delta = (_load_segment(path, n, segments[n], vocab_size) for n in _SEGMENTS)
    alive_ids = np.concatenate([main.ids[main.alive], delta.ids[delta.alive]])
    if len(np.unique(alive_ids)) != len(alive_ids):
        raise ValueError(f"{path / 'main.ids.npy'}: a document id is alive twice")
    return Stored(stored_config, stored_params, terms, main, delta)
