"""Index directories: `check_index` finds every kind of damage, and a hostile or damaged
directory is refused by `Index.open` with `IndexOpenError`, never loaded on trust.

Built with the stub embedder (no model load): what is tested is files, not vectors.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from indexer.errors import IndexOpenError
from indexer.index import Index
from indexer.storage.check import check_index, format_report, main
from tests.fuzz.seeds import build_index
from tests.fuzz.stub import StubEmbedder
from tests.paths import ROOT


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_index(tmp_path_factory.mktemp("seed") / "index")


@pytest.fixture
def idx(built, tmp_path) -> Path:
    """A fresh copy of the small committed index, to damage."""
    return Path(shutil.copytree(built, tmp_path / "index", symlinks=True))


def _gen(root: Path) -> Path:
    return root / json.loads((root / "manifest.json").read_text())["generation_dir"]


def _edit(root: Path, change: Callable[[dict], None]) -> None:
    data = json.loads((root / "manifest.json").read_text())
    change(data)
    (root / "manifest.json").write_text(json.dumps(data))


def _open(root: Path) -> Index:
    return Index.open(root, embedder=StubEmbedder())


def _refused(root: Path, pattern: str) -> None:
    with pytest.raises(IndexOpenError, match=pattern):
        _open(root)


def _problems(root: Path) -> str:
    report = check_index(root)
    assert not report.ok
    return "\n".join(report.problems)


# -- check on a sound index -----------------------------------------------------------------

def test_check_passes_a_sound_index(idx, capsys) -> None:
    report = check_index(idx)
    assert report.ok, report.problems
    f = report.facts
    assert f["chunks"] == f["vectors"] == f["bm25_documents"] == f["manifest_chunks"] > 0
    assert f["documents"] == f["manifest_documents"] == 3
    assert f["files_checked"] >= 10
    assert report.warnings == ["model 'stub' is not installed here: its checksum cannot be "
                               "confirmed"]
    assert main([str(idx)]) == 0
    assert re.match(r".*: ok \(gen-\d{6}, 3 documents, \d+ chunks\)", capsys.readouterr().out)
    assert main([str(idx), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_check_after_deletes_and_replacements(idx) -> None:
    index = _open(idx)
    index.delete(["hand-washing.md"])
    index.add([_doc("new.md", "Boil drinking water for one minute.")])
    assert check_index(idx).ok
    assert check_index(idx).facts["previous_generations"]  # kept for open readers


def _doc(doc_id: str, text: str):  # noqa: ANN202
    from loaders import Block, BlockKind, Document

    return Document(id=doc_id, source=f"/x/{doc_id}", checksum=str(hash(text)),
                    blocks=[Block(BlockKind.PARAGRAPH, text, language="en")])


def test_interrupted_write_leftovers_are_warnings(idx) -> None:
    gen = _gen(idx)
    half = idx / f"gen-{int(gen.name[4:]) + 1:06d}"
    shutil.copytree(gen, half)
    (half / "store.sqlite").unlink()
    (idx / ".manifest.json.tmp").write_text("{")
    report = check_index(idx)
    assert report.ok
    assert any("unfinished generation" in w for w in report.warnings)
    assert any("temporary manifest" in w for w in report.warnings)
    assert _open(idx).info()["generation"] == gen.name


# -- damage: check reports it, open refuses it --------------------------------------------

def test_missing_manifest(idx) -> None:
    (idx / "manifest.json").unlink()
    _refused(idx, "not an index")
    assert "not an index" in _problems(idx)


def test_missing_generation(idx) -> None:
    shutil.rmtree(_gen(idx))
    _refused(idx, "generation directory missing")
    assert "generation directory missing" in _problems(idx)


def test_truncated_faiss(idx) -> None:
    f = _gen(idx) / "dense.faiss"
    f.write_bytes(f.read_bytes()[:100])
    _refused(idx, "cannot open index files.*not a readable FAISS index")
    problems = _problems(idx)
    assert "dense.faiss: checksum differs" in problems and "not a readable FAISS" in problems


def test_corrupt_sqlite_is_found_by_check(idx) -> None:
    f = _gen(idx) / "store.sqlite"
    data = bytearray(f.read_bytes())
    data[4096:8192] = b"\xff" * 4096  # a whole page of garbage
    f.write_bytes(bytes(data))
    problems = _problems(idx)
    assert "store.sqlite: checksum differs" in problems
    assert "SQLite" in problems or "unreadable" in problems or "malformed" in problems


def test_corrupt_sqlite_is_refused_by_readers(idx) -> None:
    f = _gen(idx) / "store.sqlite"
    data = bytearray(f.read_bytes())
    data[4096:8192] = b"\xff" * 4096
    f.write_bytes(bytes(data))
    with pytest.raises(IndexOpenError):
        index = _open(idx)
        index.info()
        index.search("wash hands", mode="bm25")


def _sql(root: Path, statement: str) -> None:
    """Edit the current generation's chunk database behind the index's back."""
    db = sqlite3.connect(_gen(root) / "store.sqlite")
    db.execute(statement)
    db.commit()
    db.close()


def test_not_sqlite_at_all(idx) -> None:
    (_gen(idx) / "store.sqlite").write_bytes(b"not a database" * 100)
    assert "store.sqlite" in _problems(idx)


def test_tampered_chunk_text_is_found_by_checksum(idx) -> None:
    _sql(idx, "UPDATE chunks SET text = 'tampered' WHERE rowid = (SELECT MIN(rowid) FROM "
         "chunks)")
    assert "store.sqlite: checksum differs" in _problems(idx)
    _open(idx)  # readers do not hash every file on open; `indexer check` does


def test_check_compares_the_installed_model(idx, e5_dir) -> None:
    """An index naming an installed model with another checksum: readers will refuse it."""
    def point_at_e5(d: dict) -> None:
        d["model"]["name"] = "multilingual-e5-small"
    _edit(idx, point_at_e5)
    assert "readers will refuse this index" in _problems(idx)


def test_different_model_checksum_and_dimension(idx) -> None:
    with pytest.raises(IndexOpenError, match="built with model 'stub'"):
        Index.open(idx, embedder=StubEmbedder(checksum="other-model"))
    with pytest.raises(IndexOpenError, match="dimension 16 != model dimension 32"):
        Index.open(idx, embedder=StubEmbedder(dim=32))


def test_manifest_counts_disagree(idx) -> None:
    _edit(idx, lambda d: d["counts"].__setitem__("chunks", d["counts"]["chunks"] + 1))
    _refused(idx, "holds 3 documents and 11 chunks, the manifest says")
    assert "manifest counts" in _problems(idx)


def test_vector_ids_differ_from_chunk_rowids(idx) -> None:
    """Same counts, different ids: only a set comparison catches it."""
    _sql(idx, "UPDATE chunks SET rowid = rowid + 1000 WHERE rowid = (SELECT MAX(rowid) "
         "FROM chunks)")
    _edit(idx, lambda d: d.pop("files"))
    problems = _problems(idx)
    assert "chunk rowids and FAISS ids differ: 1 only in chunk rowids, 1 only in FAISS ids" \
        in problems


def test_unlisted_and_missing_files(idx) -> None:
    (_gen(idx) / "extra.bin").write_bytes(b"x")
    (_gen(idx) / "bm25" / "vocab.json").unlink()
    problems = _problems(idx)
    assert "extra.bin: not in the manifest" in problems
    assert "bm25/vocab.json: listed in the manifest but missing" in problems


# -- hostile manifests ----------------------------------------------------------------------

@pytest.mark.parametrize("value", ["../outside", "/tmp", "gen-000001/..", "gen-1", "", None, 7,
                                   "gen-000002/../gen-000002", "~", ["gen-000001"]])
def test_generation_dir_traversal(idx, value) -> None:
    _edit(idx, lambda d: d.__setitem__("generation_dir", value))
    _refused(idx, "invalid generation_dir")


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "bm25/../../x", "..",
                                  "a\\..\\b", "~/x", ""])
def test_file_map_traversal(idx, name) -> None:
    _edit(idx, lambda d: d["files"].__setitem__(name, "0" * 64))
    _refused(idx, "refusing path")
    assert "refusing path" in _problems(idx)


@pytest.mark.parametrize(("field", "value", "pattern"), [
    ("dim", "384", "invalid dimension"), ("dim", 10**9, "invalid dimension"),
    ("dim", -1, "invalid dimension"), ("model", None, "invalid 'model'"),
    ("model", {"name": "x"}, "invalid 'model'"), ("counts", {"chunks": -1}, "invalid 'counts'"),
    ("counts", "many", "invalid 'counts'"), ("bm25", [], "invalid 'bm25'"),
    ("files", ["a"], "invalid 'files'"), ("format_version", 2, "format version 2"),
    ("format", "pickle", "not an indexer manifest"),
])
def test_manifest_fields_of_the_wrong_kind(idx, field, value, pattern) -> None:
    _edit(idx, lambda d: d.__setitem__(field, value))
    _refused(idx, pattern)


def test_file_checksum_not_hex(idx) -> None:
    _edit(idx, lambda d: d["files"].__setitem__("store.sqlite", "abc"))
    _refused(idx, "invalid checksum")


def test_oversized_or_garbage_manifest(idx) -> None:
    (idx / "manifest.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    _refused(idx, "unreadable manifest|not an indexer manifest")
    (idx / "manifest.json").write_bytes(b" " * (17 * 1024 * 1024))
    _refused(idx, "too large")
    (idx / "manifest.json").write_bytes(b"\xff\xfe\x00garbage")
    _refused(idx, "unreadable manifest")


# -- symbolic links -------------------------------------------------------------------------

def _link_out(idx: Path, rel: str) -> None:
    """Move `idx/rel` outside the index directory and leave a link to it."""
    target = idx / rel
    outside = idx.parent / "outside" / rel
    outside.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir():
        shutil.copytree(target, outside)
        shutil.rmtree(target)
    else:
        shutil.copy(target, outside)
        target.unlink()
    os.symlink(outside, target)


@pytest.mark.parametrize("rel", ["store.sqlite", "dense.faiss", "dense.config.json", "bm25",
                                 "bm25/vocab.json", "bm25/main.tf.npy", "bm25/manifest.json"])
def test_symlinks_out_of_the_generation(idx, rel) -> None:
    rel = f"{_gen(idx).name}/{rel}"
    _link_out(idx, rel) if (idx / rel).exists() else pytest.skip(f"no {rel}")
    _refused(idx, "symbolic link")
    assert "symbolic link out of the index" in _problems(idx)


def test_symlinked_generation_and_manifest(idx) -> None:
    gen = _gen(idx)
    _link_out(idx, gen.name)
    _refused(idx, "not a plain directory")
    assert "symbolic link out of the index" in _problems(idx)
    os.unlink(idx / gen.name)
    shutil.copytree(idx.parent / "outside" / gen.name, idx / gen.name)
    _link_out(idx, "manifest.json")
    _refused(idx, "symbolic link as the manifest")


# -- arrays ---------------------------------------------------------------------------------

def _npy(idx: Path, name: str = "main.tf.npy") -> Path:
    return _gen(idx) / "bm25" / name


@pytest.mark.parametrize("array", [
    np.arange(5, dtype=np.float64), np.zeros((3, 3), np.int32), np.arange(10**5, dtype=np.int32),
    np.array([], np.int32), np.array([0, -5, 7], np.int32)])
def test_mismatched_arrays(idx, array) -> None:
    np.save(_npy(idx), array)
    _refused(idx, "main.tf.npy")
    assert "main.tf.npy" in _problems(idx)


def test_object_array_needs_pickle_and_is_refused(idx) -> None:
    np.save(_npy(idx, "main.ids.npy"), np.array([{"a": 1}, "x"], dtype=object),
            allow_pickle=True)
    _refused(idx, "unreadable without pickle")
    np.save(_gen(idx) / "dense.tombstones.npy", np.array([1, "x"], dtype=object),
            allow_pickle=True)
    assert "dense.tombstones.npy" in _problems(idx)


def test_tombstones_naming_unknown_ids(idx) -> None:
    np.save(_gen(idx) / "dense.tombstones.npy", np.array([10**9], np.int64))
    _refused(idx, "tombstones name ids that are not in the index")


def _huge_header(path: Path) -> None:
    with path.open("wb") as fh:  # claims 2**40 int64 (8 TiB), holds 64 bytes
        np.lib.format.write_array_header_1_0(
            fh, {"descr": "<i8", "fortran_order": False, "shape": (2**40,)})
        fh.write(b"\0" * 64)


def test_oversized_array_header_is_found_by_check(idx) -> None:
    _huge_header(_npy(idx, "main.indices.npy"))
    assert "main.indices.npy" in _problems(idx) or "too large" in _problems(idx)


@pytest.mark.parametrize("damage", ["huge", "header"])
def test_oversized_or_garbled_array_header_is_refused(idx, damage) -> None:
    path = _npy(idx, "main.indices.npy")
    if damage == "huge":
        _huge_header(path)
    else:
        data = path.read_bytes()
        path.write_bytes(data[:20] + b"(((" + data[23:])
    _refused(idx, "main.indices.npy")


def test_damaged_faiss_header_is_refused_within_memory(idx) -> None:
    """Run where a memory cap contains it: in an isolation worker, like the fuzz harness."""
    import random

    from indexer.ingestion.isolation import WorkerPool
    from indexer.ingestion.limits import IngestLimits
    from tests.fuzz.mutate import delete_range

    f = _gen(idx) / "dense.faiss"
    f.write_bytes(delete_range(random.Random(3), f.read_bytes()))  # a fuzz-campaign case
    with WorkerPool(IngestLimits(memory_mb=1024, timeout_s=60),
                    "tests.fuzz.targets:open_index") as pool:
        outcome = pool.run({"path": str(idx)})
    assert outcome.status == "error" and "dense.faiss" in outcome.reason


# -- nothing persisted is read with pickle or eval -----------------------------------------

_UNSAFE = re.compile(r"pickle\.loads?\(|allow_pickle\s*=\s*True|(?<![.\w])eval\(|exec\(|"
                     r"marshal\.loads?\(|torch\.load\((?![^)]*weights_only\s*=\s*True)|"
                     r"yaml\.load\((?![^)]*SafeLoader)|yaml\.unsafe_load|shelve\.open")


def test_no_pickle_or_eval_in_the_code_that_reads_files() -> None:
    offenders = []
    for package in ("indexer", "loaders", "chunkers", "rerankers"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if _UNSAFE.search(line.split("#")[0]):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []


def test_format_report_lists_problems(idx) -> None:
    (idx / "manifest.json").unlink()
    text = format_report(check_index(idx))
    assert "DAMAGED" in text and "problem: " in text
