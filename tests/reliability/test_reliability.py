"""Bad input files: every one fails alone, with a clear reason, and the batch goes on.

Worker isolation (timeouts, crashes, memory), per-file limits (size, pages, zip bombs,
huge images) and the bad-input cases of the loaders, all through `ingest`'s load path.
"""

from __future__ import annotations

import contextlib
import io
import zipfile
from pathlib import Path

import pytest

from indexer.ingestion import pipeline
from indexer.ingestion.isolation import WorkerPool, run_isolated
from indexer.ingestion.limits import IngestLimits, LimitExceeded, check_pdf, check_zip
from indexer.ingestion.pipeline import IngestError, IngestReport, load_paths
from tests.fuzz import seeds

pymupdf = pytest.importorskip("pymupdf")

MISBEHAVE = "tests.fuzz.targets:misbehave"
FAST = IngestLimits(timeout_s=90, memory_mb=2048)  # the first DOCX imports unstructured


def _write(tmp: Path, name: str, data: bytes | str) -> Path:
    path = tmp / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _pdf(pages: int = 1, text: str = "Wash your hands with soap for twenty seconds.",
         width: float = 595, height: float = 842) -> bytes:
    doc = pymupdf.open()
    for _ in range(pages):
        page = doc.new_page(width=width, height=height)
        if text:
            page.insert_text((72, 72), text, fontsize=11)
    return doc.tobytes()


def _image_pdf(px: int, width: float = 595, height: float = 842) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page(width=width, height=height)
    pix = pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, px, px), False)
    pix.clear_with(200)
    page.insert_image(pymupdf.Rect(0, 0, 100, 100), pixmap=pix)
    return doc.tobytes()


def _zip_with(member: str, size: int, base: bytes | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        if base:
            with zipfile.ZipFile(io.BytesIO(base)) as zin:
                for i in zin.infolist():
                    z.writestr(i.filename, zin.read(i))
        z.writestr(member, b"\0" * size)
    return out.getvalue()


def _load(tmp: Path, limits: IngestLimits = FAST) -> dict[str, tuple[str, str | None]]:
    report = IngestReport()
    with contextlib.suppress(IngestError):
        load_paths([tmp], report, limits=limits)
    return {Path(f.path).name: (f.status, f.reason) for f in report.files}


# -- the worker pool ---------------------------------------------------------------------

def test_pool_turns_each_failure_into_an_outcome() -> None:
    """Hang, segfault, memory, exception, exit and stdout noise: each one job's outcome;
    the pool restarts workers and the jobs after them still run."""
    jobs = [{"do": d} for d in ("ok", "hang", "ok", "segv", "alloc", "raise", "exit",
                                "print", "ok")]
    limits = IngestLimits(timeout_s=3, memory_mb=512)
    with WorkerPool(limits, MISBEHAVE) as pool:
        out = pool.map(jobs)
        restarts = pool.restarts
    got = [(o.status, o.reason) for o in out]
    assert got[0] == ("ok", None) and out[0].value["done"] == "ok"
    assert got[1] == ("timeout", "timed out after 3 s")
    assert got[2][0] == "ok"
    assert got[3] == ("crashed", "crashed (signal 11: SIGSEGV)")
    assert got[4] == ("oom", "out of memory (limit 512 MB)")
    assert got[5] == ("bug", "RuntimeError: parser bug") and "Traceback" in out[5].detail
    assert got[6] == ("crashed", "crashed (worker exited with status 3)")
    assert got[7] == ("ok", None)  # prints did not corrupt the JSON protocol
    assert got[8] == ("ok", None)
    assert restarts == 4  # hang, segv, alloc, exit; the bug left its worker usable
    assert out[0].value["pid"] != out[8].value["pid"]


def test_pool_reuses_its_worker() -> None:
    with WorkerPool(FAST, MISBEHAVE) as pool:
        pids = {o.value["pid"] for o in pool.map([{"do": "ok"}] * 5)}
    assert len(pids) == 1


def test_large_result_and_two_workers() -> None:
    limits = IngestLimits(timeout_s=20, memory_mb=2048, workers=2)
    out = run_isolated([{"do": "big", "size": 3_000_000}, {"do": "ok"}, {"do": "hang"},
                        {"do": "ok"}], IngestLimits(**{**limits.to_dict(), "timeout_s": 3}),
                       target=MISBEHAVE)
    assert len(out[0].value["text"]) == 3_000_000
    assert [o.status for o in out] == ["ok", "ok", "timeout", "ok"]


def test_in_process_mode_for_debugging() -> None:
    out = run_isolated([{"do": "ok"}, {"do": "raise"}], IngestLimits(isolate=False),
                       target=MISBEHAVE)
    assert [o.status for o in out] == ["ok", "bug"]


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="timeout_s"):
        IngestLimits(timeout_s=0)
    assert IngestLimits.from_dict({"max_pages": 5, "unknown": 1}).max_pages == 5
    assert IngestLimits.from_dict({"timeout_s": None}).timeout_s == 120  # unset CLI option


# -- a batch goes on past a hang, a crash and a memory hog -------------------------------

def test_ingest_batch_survives_hang_crash_and_oom(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(pipeline, "LOAD_TARGET", "tests.fuzz.targets:load_or_misbehave")
    src = tmp_path / "src"
    src.mkdir()
    for name in ("hang.md", "segv.md", "alloc.md", "raise.md"):
        _write(src, name, "# x\n\ntext")
    _write(src, "good.md", "# Hand washing\n\nWash your hands with soap.")
    got = _load(src, IngestLimits(timeout_s=3, memory_mb=512))
    assert got == {
        "alloc.md": ("failed", "out of memory (limit 512 MB)"),
        "good.md": ("loaded", None),
        "hang.md": ("failed", "timed out after 3 s"),
        "raise.md": ("failed", "RuntimeError: parser bug"),
        "segv.md": ("failed", "crashed (signal 11: SIGSEGV)"),
    }


# -- bad files, as the loaders see them, through the worker path --------------------------

@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> dict[str, tuple[str, str | None]]:
    """One folder of bad (and a few good) files, loaded once, in one worker. (Corrupt office
    files are the loaders' tests; each costs an import of unstructured in a worker.)"""
    tmp = tmp_path_factory.mktemp("bad")
    _write(tmp, "zero.pdf", b"")
    _write(tmp, "garbage.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 20)
    _write(tmp, "not-a.pdf", b"hello, I am text")
    _write(tmp, "truncated.pdf", _pdf(2)[:400])
    doc = pymupdf.open(stream=_pdf(), filetype="pdf")
    _write(tmp, "encrypted.pdf", doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256,
                                             user_pw="pw", owner_pw="owner"))
    _write(tmp, "blank.pdf", _pdf(text=""))
    _write(tmp, "long.pdf", _pdf(pages=5))
    _write(tmp, "binary.txt", bytes(range(256)) * 4)
    _write(tmp, "latin1.md", "# Café\n\nUne tasse de thé.".encode("latin-1"))
    _write(tmp, "utf16-bom.txt", "Hand washing\n\nUse soap.".encode("utf-16"))
    _write(tmp, "unknown.xyz", b"whatever")
    _write(tmp, "empty.md", b"   \n\n  ")
    _write(tmp, "bomb.docx", _zip_with("word/media/zeros.bin", 20 << 20, seeds.docx_seed()))
    _write(tmp, "bad.yaml", b"course: [unclosed")
    _write(tmp, "not-course.json", b'{"hello": 1}')
    _write(tmp, "ok.md", "# Hand washing\n\nWash your hands with soap.")
    return _load(tmp, IngestLimits(**{**FAST.to_dict(), "max_pages": 4}))


def test_bad_files_fail_alone_with_clear_reasons(batch) -> None:
    got = batch
    for name in ("ok.md", "latin1.md", "utf16-bom.txt"):  # latin1: cp1252 fallback
        assert got[name] == ("loaded", None), name
    assert got["unknown.xyz"][0] == "skipped" and "unsupported file type" in got["unknown.xyz"][1]
    assert got["not-course.json"][0] == "skipped"
    expect = {"zero.pdf": "empty file (0 bytes)", "garbage.pdf": "corrupt or not a PDF",
              "not-a.pdf": "no %PDF- header", "encrypted.pdf": "encrypted PDF",
              "binary.txt": "not", "bad.yaml": "YAML", "empty.md": "", "long.pdf": "5 pages (> limit 4",
              "bomb.docx": "decompression bomb refused"}
    for name, words in expect.items():
        status, reason = got[name]
        assert status == "failed" and reason and words in reason, (name, reason)
    status, reason = got["truncated.pdf"]  # MuPDF repairs what it can
    assert status == "loaded" or (status == "failed" and reason)
    assert got["blank.pdf"][0] == "failed" and got["blank.pdf"][1]


def test_utf16_without_bom_is_refused(tmp_path) -> None:
    _write(tmp_path, "utf16-no-bom.md", "# शीर्षक\n\nहाथ धोएँ।".encode("utf-16-le"))
    _write(tmp_path, "ok.md", "# Hand washing\n\nWash your hands with soap.")
    status, reason = _load(tmp_path)["utf16-no-bom.md"]
    assert status == "failed" and "NUL" in reason and "UTF-16 without a byte-order mark" in reason


def test_every_file_failing_is_an_ingest_error(tmp_path) -> None:
    _write(tmp_path, "zero.pdf", b"")
    with pytest.raises(IngestError, match="no document could be loaded.*empty file"):
        pipeline.ingest([tmp_path], tmp_path / "index", limits=FAST)
    assert not (tmp_path / "index").exists()  # nothing written


def test_missing_path_and_empty_folder(tmp_path) -> None:
    with pytest.raises(IngestError, match="no such file"):
        load_paths([tmp_path / "nope"], IngestReport())
    (tmp_path / "empty").mkdir()
    with pytest.raises(IngestError, match="no files found"):
        load_paths([tmp_path / "empty"], IngestReport())


# -- limits -------------------------------------------------------------------------------

def test_file_size_limit(tmp_path) -> None:
    _write(tmp_path, "big.md", "# Big\n\n" + "word " * 1000)
    _write(tmp_path, "small.md", "# Small\n\nText.")
    got = _load(tmp_path, IngestLimits(max_file_mb=0.002, timeout_s=10))
    assert got["small.md"] == ("loaded", None)
    assert got["big.md"][0] == "failed"
    assert got["big.md"][1].startswith("file too large (0.0 MB > limit 0.002 MB")


def test_page_limit(tmp_path) -> None:
    _write(tmp_path, "long.pdf", _pdf(pages=5))
    with pytest.raises(LimitExceeded, match=r"5 pages \(> limit 4"):
        check_pdf(tmp_path / "long.pdf", IngestLimits(max_pages=4))
    check_pdf(tmp_path / "long.pdf", IngestLimits(max_pages=5))


def test_slide_limit(tmp_path) -> None:
    path = _write(tmp_path, "deck.pptx", seeds.pptx_seed())  # two slides
    with pytest.raises(LimitExceeded, match="2 slides"):
        check_zip(path, IngestLimits(max_pages=1))


def test_zip_bombs_refused_from_the_central_directory(tmp_path) -> None:
    """A 20 MB run of zeros compresses ~1000x: refused by ratio; a bigger total by size;
    neither is ever decompressed."""
    base = seeds.docx_seed()
    ratio = _write(tmp_path, "ratio.docx", _zip_with("word/media/zeros.bin", 20 << 20, base))
    with pytest.raises(LimitExceeded, match=r"decompression bomb refused: 'word/media/zeros"
                                            r".bin' expands \d+x .*limit 100x"):
        check_zip(ratio, IngestLimits())
    with pytest.raises(LimitExceeded, match=r"entries expand to \d+ MB \(> limit 10 MB\)"):
        check_zip(ratio, IngestLimits(max_zip_uncompressed_mb=10, max_zip_ratio=10**6))
    check_zip(_write(tmp_path, "ok.docx", base), IngestLimits())


def test_zip_entry_count_limit(tmp_path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for i in range(30):
            z.writestr(f"x/{i}.xml", "<a/>")
    path = _write(tmp_path, "many.docx", out.getvalue())
    with pytest.raises(LimitExceeded, match="30 entries"):
        check_zip(path, IngestLimits(max_zip_entries=20))


def test_huge_images_refused_before_ocr(tmp_path) -> None:
    img = _write(tmp_path, "image.pdf", _image_pdf(400))
    with pytest.raises(LimitExceeded, match=r"image of 400x400 px on page 1 \(> limit 0.1 "):
        check_pdf(img, IngestLimits(max_image_mpx=0.1))
    check_pdf(img, IngestLimits())
    poster = _write(tmp_path, "poster.pdf", _image_pdf(10, width=14400, height=14400))
    with pytest.raises(LimitExceeded, match="page 1 is 14400x14400 pt: too large to OCR"):
        check_pdf(poster, IngestLimits())


def test_broken_files_pass_preflight_to_their_loader(tmp_path) -> None:
    """Preflight stays silent on files it cannot read: the loader names the damage."""
    check_pdf(_write(tmp_path, "x.pdf", b"%PDF-1.4 junk"), IngestLimits())
    check_zip(_write(tmp_path, "x.docx", b"PK junk"), IngestLimits())
