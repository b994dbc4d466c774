"""Chunk-size statistics and chunking speed, to choose and report the chunker's defaults.

    python -m indexer.harness.measure.chunkers                       # shared PDFs + corpora/sample
    python -m indexer.harness.measure.chunkers --budgets 128,256,384 --dataset ../shared/datasets/xquad-hi
    python -m indexer.harness.measure.chunkers --tokenizer PATH/tokenizer.json --json

Reports, per budget: tokens per chunk per language (as the model sees them: prompt, heading
trail, text, special tokens), chunks per document, and chunks per second on the WHO guideline
(only chunking is timed; loading and the tokenizer load are not, the token cache starts cold).
"""

from __future__ import annotations

import argparse
import glob
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from chunkers.config import ChunkerConfig
from chunkers.markdown import parse_markdown_blocks
from chunkers.model import Chunk
from chunkers.structure import chunk_structure
from chunkers.tokens import TokenCounter, counter_from, default_counter
from indexer.paths import SOURCE_ROOT, shared_dir
from loaders import Document

ROOT = SOURCE_ROOT
SHARED = shared_dir()
PDF_GLOB = str(SHARED / "pdfs" / "*.pdf")
SAMPLE = ROOT / "corpora" / "sample"
SPEED_PDF = SHARED / "pdfs" / "WHO_recommendations_diabetes_in_pregnancy.pdf"


def load_files(paths: Iterable[Path], root: Path | None = None
               ) -> tuple[list[Document], list[str]]:
    """Documents through `loaders.load`; files it cannot load are reported, not fatal."""
    from loaders import load

    docs, skipped = [], []
    for path in paths:
        try:
            docs.append(load(path, root=root))
        except Exception as exc:  # noqa: BLE001 - a measurement goes on without the file
            skipped.append(f"{path.name}: {exc}")
    return docs, skipped


def load_dataset(folder: Path, limit: int | None = None) -> Iterator[Document]:
    """A BEIR corpus.jsonl as Documents (title as heading, text parsed as Markdown)."""
    with (folder / "corpus.jsonl").open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if limit is not None and n >= limit:
                return
            row = json.loads(line)
            text = (f"# {row['title']}\n\n" if row.get("title") else "") + row["text"]
            yield Document(id=row["_id"], source=str(folder), checksum="", title=row.get("title"),
                           language=row.get("lang"),
                           blocks=parse_markdown_blocks(text, row.get("lang")))


def _summary(values: list[int]) -> dict[str, float]:
    values = sorted(values)
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "mean": round(statistics.mean(values), 1),
        "p10": values[len(values) // 10],
        "p50": values[len(values) // 2],
        "p90": values[min(len(values) - 1, len(values) * 9 // 10)],
        "max": values[-1],
    }


def chunk_stats(docs: list[Document], config: ChunkerConfig, counter: TokenCounter
                ) -> dict[str, Any]:
    """Tokens per chunk per language, chunks per document, budget violations."""
    per_lang: dict[str, list[int]] = defaultdict(list)
    per_doc: list[int] = []
    over = empty = 0
    for doc in docs:
        chunks = chunk_structure(doc, config, counter)
        per_doc.append(len(chunks))
        for ch in chunks:
            tokens = ch.metadata["tokens"]
            per_lang[ch.language or "?"].append(tokens)
            over += tokens > config.max_tokens
            empty += not ch.text.strip()
    return {
        "documents": len(docs),
        "chunks": sum(per_doc),
        "chunks_per_document": _summary(per_doc),
        "tokens_per_chunk": {lang: _summary(v) for lang, v in sorted(per_lang.items())},
        "over_budget": over,
        "empty": empty,
    }


def speed(doc: Document, config: ChunkerConfig, counter: TokenCounter, repeats: int = 3
          ) -> dict[str, float]:
    """Chunks per second, best of `repeats`, each with a cold token cache."""
    best = float("inf")
    chunks: list[Chunk] = []
    for _ in range(repeats):
        if hasattr(counter, "_cache"):
            counter._cache.clear()  # noqa: SLF001 - measure cold, as on first ingest
        start = time.perf_counter()
        chunks = chunk_structure(doc, config, counter)
        best = min(best, time.perf_counter() - start)
    return {"chunks": len(chunks), "seconds": round(best, 4),
            "chunks_per_second": round(len(chunks) / best, 1) if best > 0 else 0.0,
            "blocks": len(doc.blocks)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--budgets", default="128,256,384", help="max_tokens values to compare")
    ap.add_argument("--overlap", type=int, default=ChunkerConfig.overlap_sentences)
    ap.add_argument("--tokenizer", help="tokenizer.json (default: the installed model's)")
    ap.add_argument("--pdfs", default=PDF_GLOB, help="glob of PDFs to load with loaders.load")
    ap.add_argument("--sample", default=str(SAMPLE), help="a corpus folder (corpora/sample)")
    ap.add_argument("--dataset", action="append", default=[],
                    help="a BEIR folder (corpus.jsonl); repeatable")
    ap.add_argument("--limit", type=int, default=500, help="documents per dataset")
    ap.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = ap.parse_args(argv)

    counter = counter_from(args.tokenizer) if args.tokenizer else default_counter()
    budgets = [int(b) for b in args.budgets.split(",") if b.strip()]
    sets: dict[str, list[Document]] = {}
    skipped: list[str] = []
    pdfs = [Path(p) for p in sorted(glob.glob(args.pdfs))]
    if pdfs:
        sets["pdfs"], bad = load_files(pdfs)
        skipped += bad
    sample = Path(args.sample)
    if sample.is_dir():
        from loaders import discover

        files = [(f, r) for f, r in discover([sample])
                 if f.suffix.lower() in {".md", ".txt", ".markdown"}]
        sets["sample"] = []
        for f, r in files:
            docs, bad = load_files([f], root=r)
            sets["sample"] += docs
            skipped += bad
    for folder in args.dataset:
        sets[Path(folder).name] = list(load_dataset(Path(folder), args.limit))

    report: dict[str, Any] = {"tokenizer": counter.name, "exact": counter.exact,
                              "skipped": skipped, "sets": {}}
    for name, docs in sets.items():
        report["sets"][name] = {
            str(b): chunk_stats(docs, ChunkerConfig(max_tokens=b, overlap_sentences=args.overlap),
                                counter) for b in budgets}
    speed_doc = next((d for d in sets.get("pdfs", []) if Path(d.source).name == SPEED_PDF.name),
                     None)
    if speed_doc is not None:
        report["speed"] = speed(speed_doc, ChunkerConfig(overlap_sentences=args.overlap),
                                counter)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        _print(report)
    return 0


def _print(report: dict[str, Any]) -> None:
    exact = "exact" if report["exact"] else "APPROXIMATE"
    print(f"tokenizer: {report['tokenizer']} ({exact})")
    for line in report["skipped"]:
        print(f"skipped: {line}")
    for name, by_budget in report["sets"].items():
        for budget, st in by_budget.items():
            cpd = st["chunks_per_document"]
            print(f"\n[{name}] max_tokens={budget}: {st['documents']} docs, {st['chunks']} chunks,"
                  f" per doc mean {cpd.get('mean')} max {cpd.get('max')},"
                  f" over budget {st['over_budget']}, empty {st['empty']}")
            for lang, s in st["tokens_per_chunk"].items():
                print(f"  {lang:3} n={s['n']:5} tokens mean {s['mean']:6} p10 {s['p10']:4}"
                      f" p50 {s['p50']:4} p90 {s['p90']:4} max {s['max']:4}")
    if "speed" in report:
        s = report["speed"]
        print(f"\nspeed ({SPEED_PDF.name}, default config): {s['chunks']} chunks from "
              f"{s['blocks']} blocks in {s['seconds']} s = {s['chunks_per_second']} chunks/s")


if __name__ == "__main__":
    sys.exit(main())
