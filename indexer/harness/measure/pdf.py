"""Measurements for PDF text-layer repair, printed as JSON: `python -m indexer.harness.measure.pdf`.

- `dump OUT.json`: every PDF the tests build (`loaders.samples`) and every PDF in
  ../shared/pdfs, loaded, as JSON (blocks without the route keys this work added), so the
  output of two versions of the loader can be compared byte for byte (`compare A B`);
- `cer`: character error rate of the raw, repaired and chosen text on generated broken PDFs
  (duplicate glyphs, pre-base signs in visual order) in every affected script;
- `speed [--cpu] [--pdf P]`: `indexer.harness.measure.loaders.throughput` on the WHO guideline (median
  of paired ratios), or the same in CPU seconds;
- `faults FILE...`: extraction faults per 1,000 Indic characters (a vowel sign with no
  base, two vowel signs on one base, U+FFFD) in the raw layer and in the loader's output,
  and the pages per route: issue 19's measure for real PDFs.

OCR is off for `dump` (LOADERS_MAX_OCR_PAGES=0): healthy pages are what it compares.
`cer` runs with OCR available: the goal is that none of those pages needs it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

from indexer.paths import SOURCE_ROOT, shared_pdfs

ROOT = SOURCE_ROOT
SHARED_PDFS = shared_pdfs()
ROUTE_KEYS = ("text_route", "text_route_reason")


def generated_pdfs() -> dict[str, bytes]:
    """The healthy PDFs the tests generate, by name."""
    from loaders import samples

    out: dict[str, bytes] = {}
    for lang in sorted(samples.SAMPLES):
        out[f"text_{lang}.pdf"] = samples.text_layer_pdf(lang, pages=3)
        out[f"two_{lang}.pdf"] = samples.two_column_pdf(lang)
        out[f"shaped_{lang}.pdf"] = samples.shaped_pdf(lang)
    out["table.pdf"] = samples.table_pdf()
    return out


def _load(name: str, data: bytes) -> dict[str, Any]:
    import loaders

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            doc = loaders.load(path, root=Path(tmp))
        except Exception as exc:  # noqa: BLE001 - the error message is the output
            return {"error": str(exc).replace(tmp, "")}
    out = doc.to_dict()
    del out["source"], out["checksum"]  # a temporary path; generated PDFs carry a date
    # "bytes": a generated PDF's size varies by a byte from run to run
    routes = out["metadata"].get("page_routes")
    out["metadata"] = {k: v for k, v in out["metadata"].items()
                       if k not in ("page_routes", "repaired_pages", "bytes")}
    out["metadata"]["page_routes_seen"] = routes  # not compared: see `compare`
    for block in out["blocks"]:
        for key in ROUTE_KEYS:
            block["metadata"].pop(key, None)
    return out


def dump(out: Path) -> dict[str, Any]:
    os.environ["LOADERS_MAX_OCR_PAGES"] = "0"
    docs = {name: _load(name, data) for name, data in generated_pdfs().items()}
    for path in sorted(SHARED_PDFS.glob("*.pdf")):
        docs[path.name] = _load(path.name, path.read_bytes())
    out.write_text(json.dumps(docs, ensure_ascii=False, indent=1, sort_keys=True))
    return {"documents": len(docs), "file": str(out)}


def compare(a: Path, b: Path) -> dict[str, Any]:
    left, right = json.loads(a.read_text()), json.loads(b.read_text())
    for doc in [*left.values(), *right.values()]:
        doc.get("metadata", {}).pop("page_routes_seen", None)
    differ = {}
    for name in sorted(set(left) | set(right)):
        x, y = left.get(name), right.get(name)
        if json.dumps(x, sort_keys=True) != json.dumps(y, sort_keys=True):
            pages = sorted({blk.get("page") for doc in (x, y) if doc and "blocks" in doc
                            for blk in doc["blocks"]
                            if json.dumps(blk, sort_keys=True) not in
                            {json.dumps(o, sort_keys=True)
                             for o in ((y if doc is x else x) or {}).get("blocks", [])}})
            differ[name] = {"pages_with_changed_blocks": pages}
    return {"documents": len(set(left) | set(right)), "identical": not differ,
            "differ": differ}


def cer(expected: str, got: str) -> float:
    """Character error rate: edit distance over the expected length, after NFC and
    whitespace folding."""
    from indexer.harness.measure.loaders import levenshtein

    a, b = (" ".join(unicodedata.normalize("NFC", t).split()) for t in (expected, got))
    return levenshtein(a, b) / max(len(a), 1)


def layer_texts(data: bytes) -> tuple[str, str]:
    """(raw text layer, repaired layer) of a PDF's pages, straight from MuPDF."""
    import pymupdf

    from loaders.pdf.extract import TEXT_FLAGS
    from loaders.pdf.repair import repair_page

    raw, repaired = [], []
    for page in pymupdf.open(stream=data):
        textpage = page.get_textpage(flags=TEXT_FLAGS)
        raw.append(textpage.extractText())
        fixed, _ = repair_page(textpage.extractRAWDICT())
        repaired += ["".join(s["text"] for s in line["spans"])
                     for block in fixed["blocks"] if block.get("type", 0) == 0
                     for line in block["lines"]]
    return "\n".join(raw), "\n".join(repaired)


def cer_table() -> dict[str, Any]:
    """CER of raw / repaired / chosen (the loader's output) per language and mechanism,
    and the routes the loader took."""
    from loaders import broken_samples, samples

    out: dict[str, Any] = {}
    for (lang, mechanism), data in broken_samples.broken_pdfs().items():
        expected = " ".join(samples.SAMPLES[lang])
        raw, repaired = layer_texts(data)
        doc = _load("broken.pdf", data)
        chosen = "\n\n".join(b["text"] for b in doc.get("blocks", []))
        out[f"{lang} {mechanism}"] = {
            "raw": round(cer(expected, raw), 4), "repaired": round(cer(expected, repaired), 4),
            "chosen": round(cer(expected, chosen), 4),
            "routes": doc.get("metadata", {}).get("page_routes_seen")}
    return out


def faults(text: str) -> dict[str, float]:
    """Faults of issue 19 in `text`, and per 1,000 of its Indic characters."""
    from loaders.syllable import is_indic, word_problems, words

    indic = sum(1 for c in text if is_indic(c))
    counted = {"sign without base": 0, "two vowel signs": 0}
    for word in words(text):
        for problem in word_problems(word):
            if problem in counted:
                counted[problem] += 1
    total = sum(counted.values()) + text.count("\ufffd")
    return {"indic_chars": indic, "faults": total,
            "per_1000": round(1000 * total / indic, 2) if indic else 0.0}


def fault_table(paths: list[Path]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in paths:
        data = path.read_bytes()
        raw, _ = layer_texts(data)
        doc = _load(path.name, data)
        loaded = "\n\n".join(b["text"] for b in doc.get("blocks", []))
        out[path.name] = {"raw": faults(raw), "loader": faults(loaded),
                          "routes": doc.get("metadata", {}).get("page_routes_seen")}
    return out


def cpu_throughput(pdf: Path, repeat: int = 7) -> dict[str, Any]:
    """`indexer.harness.measure.loaders.throughput` timed in CPU seconds of this process rather than wall
    time: on a shared machine other jobs' load moves wall time by 2x, CPU time far less.
    Median of the paired ratios raw `get_text()` / `loaders.load`."""
    import time

    import pymupdf

    import loaders

    loaders.load(pdf)
    ratios, raw_s, ours_s = [], [], []
    for _ in range(repeat):
        started = time.process_time()
        for page in pymupdf.open(pdf):
            page.get_text()
        raw = time.process_time() - started
        started = time.process_time()
        loaders.load(pdf)
        ours = time.process_time() - started
        ratios.append(raw / ours)
        raw_s.append(raw)
        ours_s.append(ours)
    ratios.sort()
    return {"file": pdf.name, "repeat": repeat, "cpu_ratio_median": round(ratios[repeat // 2], 3),
            "raw_cpu_s_min": round(min(raw_s), 3), "loader_cpu_s_min": round(min(ours_s), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexer.harness.measure.pdf", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("dump").add_argument("out", type=Path)
    cmp = sub.add_parser("compare")
    cmp.add_argument("a", type=Path)
    cmp.add_argument("b", type=Path)
    sub.add_parser("cer")
    sub.add_parser("faults").add_argument("files", type=Path, nargs="+")
    speed = sub.add_parser("speed")
    speed.add_argument("--repeat", type=int, default=7)
    speed.add_argument("--cpu", action="store_true", help="time in CPU seconds (see "
                       "cpu_throughput)")
    speed.add_argument("--pdf", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.cmd == "dump":
        report = dump(args.out)
    elif args.cmd == "compare":
        report = compare(args.a, args.b)
    elif args.cmd == "cer":
        report = cer_table()
    elif args.cmd == "faults":
        report = fault_table(args.files)
    else:
        from indexer.harness.measure.loaders import DEFAULT_PDF, throughput

        pdf = args.pdf or DEFAULT_PDF
        report = cpu_throughput(pdf, args.repeat) if args.cpu else throughput(pdf, args.repeat)
    json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
