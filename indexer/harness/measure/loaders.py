"""Measurements for the loaders, printed as JSON: `python -m indexer.harness.measure.loaders`.

- char accuracy of extracted text against the source text, per language, for the text
  layer path and the OCR path (generated sample PDFs, see `loaders.samples`);
- language identification accuracy of both classifiers on tests/data/loaders/langid,
  short and long samples per language, script rules combined with the classifier
  restricted to the script's candidates, and each library on its own;
- pages per second on a real PDF against raw PyMuPDF `get_text()` in the same run.

Options: `--skip-ocr`, `--skip-langid`, `--pdf PATH` (default: the WHO diabetes guideline
in ../shared/pdfs), `--repeat N` (best of N timings).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

from indexer.paths import SOURCE_ROOT, shared_pdfs

ROOT = SOURCE_ROOT
DEFAULT_PDF = shared_pdfs() / "WHO_recommendations_diabetes_in_pregnancy.pdf"
LANGID_DIR = ROOT / "tests" / "data" / "loaders" / "langid"


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions) between two strings."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _canon(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def char_accuracy(expected: str, got: str) -> float:
    """1 - edit distance / length of the expected text, after NFC and whitespace folding
    (floored at 0): 1.0 is a perfect extraction."""
    expected, got = _canon(expected), _canon(got)
    if not expected:
        return 1.0 if not got else 0.0
    return max(0.0, 1 - levenshtein(expected, got) / len(expected))


def _load_bytes(data: bytes, name: str) -> Any:
    import loaders

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        return loaders.load(path)


def extraction_accuracy(ocr: bool = True) -> dict[str, Any]:
    """Per language: accuracy of the text layer path and (optionally) of the OCR path."""
    from loaders import samples

    out: dict[str, Any] = {}
    for lang, (heading, first, second) in samples.SAMPLES.items():
        source = f"{heading} {first} {second}"
        row: dict[str, Any] = {}
        doc = _load_bytes(samples.text_layer_pdf(lang), f"{lang}.pdf")
        row["text_layer"] = round(char_accuracy(source, " ".join(b.text for b in doc.blocks)), 4)
        if ocr:
            started = time.perf_counter()
            scan = samples.scanned_pdf(lang, [heading, first, second], width=595, height=420)
            doc = _load_bytes(scan, f"{lang}-scan.pdf")
            row["ocr"] = round(char_accuracy(source, " ".join(b.text for b in doc.blocks)), 4)
            row["ocr_languages"] = next((b.metadata.get("ocr") for b in doc.blocks), None)
            row["ocr_seconds"] = round(time.perf_counter() - started, 2)
        out[lang] = row
    return out


def langid_accuracy() -> dict[str, Any]:
    """Accuracy per language and length for: script rules + restricted classifier (what
    `detect_language` does) with each backend, and each library alone, unrestricted."""
    from loaders.language import BACKENDS, detect_language

    rows = [json.loads(line) for f in sorted(LANGID_DIR.glob("*.jsonl"))
            for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]

    def raw_langdetect(text: str) -> str | None:
        from langdetect import DetectorFactory, detect
        from langdetect.lang_detect_exception import LangDetectException

        DetectorFactory.seed = 0
        try:
            return str(detect(text))
        except LangDetectException:
            return None

    def raw_py3langid(text: str) -> str:
        from loaders.language import py3langid_model

        return str(py3langid_model().classify(text)[0])

    systems = {f"combined_{b}": (lambda t, b=b: detect_language(t, backend=b)) for b in BACKENDS}
    systems.update({"langdetect_alone": raw_langdetect, "py3langid_alone": raw_py3langid})
    result: dict[str, Any] = {"samples": len(rows)}
    for name, fn in systems.items():
        hits: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        confusions: dict[str, int] = defaultdict(int)
        started = time.perf_counter()
        for row in rows:
            guess = fn(row["text"])
            ok = guess == row["lang"]
            for key in (f"{row['lang']}/{row['length']}", f"all/{row['length']}"):
                hits[key][0] += ok
                hits[key][1] += 1
            if not ok:
                confusions[f"{row['lang']}->{guess}"] += 1
        elapsed = time.perf_counter() - started
        result[name] = {
            "accuracy": {k: round(a / n, 3) for k, (a, n) in sorted(hits.items())},
            "confusions": dict(sorted(confusions.items())),
            "ms_per_sample": round(1000 * elapsed / len(rows), 3),
        }
    return result


def throughput(pdf: Path, repeat: int = 9) -> dict[str, Any]:
    """Pages per second of `loaders.load` (no OCR needed on this file) and of raw
    PyMuPDF `get_text()` on every page, `repeat` times, alternating in one process. This
    machine's speed drifts by up to 1.5x over seconds, so the best times of the two may come
    from different moments; the median of the back-to-back ratios cancels the drift and is
    the number the perf suite judges (the best-of ratio is reported beside it).
    One-time costs (imports, the language model) are paid before timing starts."""
    import pymupdf

    import loaders
    from loaders.language import py3langid_model

    py3langid_model()
    loaders.load(pdf)  # warm: imports, fonts, caches
    raw_times, our_times = [], []
    pages = 0
    for _ in range(repeat):
        started = time.perf_counter()
        doc = pymupdf.open(pdf)
        for page in doc:
            page.get_text()
        pages = doc.page_count
        raw_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        loaded = loaders.load(pdf)
        our_times.append(time.perf_counter() - started)
    raw, ours = min(raw_times), min(our_times)
    paired = sorted(r / o for r, o in zip(raw_times, our_times, strict=True))
    return {"file": pdf.name, "pages": pages, "repeat": repeat,
            "raw_pages_per_s": round(pages / raw, 1),
            "loader_pages_per_s": round(pages / ours, 1), "ratio": round(raw / ours, 3),
            "ratio_median_of_pairs": round(paired[len(paired) // 2], 3),
            "blocks": len(loaded.blocks),
            "tables": sum(b.kind == "table" for b in loaded.blocks),
            "ocr_pages": loaded.metadata.get("ocr_pages")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexer.harness.measure.loaders", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-ocr", action="store_true")
    parser.add_argument("--skip-langid", action="store_true")
    parser.add_argument("--pdf", type=Path, default=DEFAULT_PDF)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args(argv)
    report: dict[str, Any] = {}
    from loaders import samples

    if samples.fonts_available():
        report["char_accuracy"] = extraction_accuracy(ocr=not args.skip_ocr)
    else:
        report["char_accuracy"] = "skipped: Noto fonts not found (fonts-noto-core)"
    if not args.skip_langid:
        report["langid"] = langid_accuracy()
    if args.pdf.is_file():
        report["throughput"] = throughput(args.pdf, args.repeat)
    else:
        report["throughput"] = f"skipped: {args.pdf} not found"
    json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
