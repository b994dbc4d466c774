"""The index card: what a generation holds and how it was made, for reviewers and audits.

Written into each generation directory at commit (`card.json`, `card.md`). The card is an
annotation, not index data: it is outside the manifest's checksums, so the last bench
figures can be added to it later (`record_bench`) without touching the sealed files.
PII findings are kept per document so a commit rescans only the documents it wrote.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from indexer.ingestion import pii
from indexer.lifecycle.reader import Generation

CARD_JSON, CARD_MD = "card.json", "card.md"
CARD_FILES = (CARD_JSON, CARD_MD)
MD_SOURCES = 50  # sources listed in card.md (card.json lists all)


def read_card(gen: Path) -> dict[str, Any] | None:
    path = gen / CARD_JSON
    if not path.is_file() or path.is_symlink():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def pii_by_document(g: Generation, base: Mapping[str, Any] | None,
                    rescan: set[str]) -> dict[str, dict[str, int]]:
    """Findings per document (kind → count): the base card's for documents untouched,
    a fresh scan of the stored chunk text for the rest (all, without a base card)."""
    present = {d for (d,) in g.store.db.execute("SELECT id FROM documents")}
    if base is None:
        rescan = present
    out = {d: dict(v) for d, v in (base or {}).items() if d in present and d not in rescan}
    for doc_id, text in g.texts_of(sorted(rescan & present)):
        found = pii.count_by_kind(pii.scan(text))
        if found:
            into = out.setdefault(doc_id, {})
            for kind, n in found.items():
                into[kind] = into.get(kind, 0) + n
    return out


def routes(docs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """How documents were loaded: by format, and PDF pages by route (text layer, OCR,
    garbled text layer), from what the loaders recorded in document metadata."""
    formats = Counter(str(d["metadata"].get("format") or "unknown") for d in docs)
    pages = Counter()
    for d in docs:
        meta = d["metadata"]
        if isinstance(meta.get("pages"), int):
            ocr = len(meta.get("ocr_pages") or [])
            garbled = len(meta.get("garbled_pages") or [])
            pages["pages"] += meta["pages"]
            pages["ocr"] += ocr
            pages["garbled"] += garbled
            pages["text_layer"] += max(meta["pages"] - ocr, 0)
    return {"formats": dict(sorted(formats.items())), "pdf_pages": dict(pages)}


def build(g: Generation, manifest: Mapping[str, Any], base_card: Mapping[str, Any] | None,
          rescan: set[str]) -> dict[str, Any]:
    docs = g.documents()
    by_doc = pii_by_document(g, (base_card or {}).get("pii_by_document"), rescan)
    totals: Counter[str] = Counter()
    for found in by_doc.values():
        totals.update(found)
    model = manifest.get("model") or {}
    return {
        "generation": g.name,
        "counts": {"documents": len(docs), "chunks": g.store.count("chunks")},
        "languages": {"chunks": g.store.languages(),
                      "documents": dict(Counter(d["language"] or "unknown" for d in docs))},
        "sources": [{"id": d["id"], "source": d["source"], "checksum": d["checksum"],
                     "language": d["language"],
                     "format": d["metadata"].get("format")} for d in docs],
        "routes": routes(docs),
        "chunker": manifest.get("chunker"),
        "model": {"name": model.get("name"), "checksum": model.get("checksum"),
                  "dim": manifest.get("dim")},
        "dense": manifest.get("dense"), "bm25": manifest.get("bm25"),
        "document_scoring": manifest.get("documents"),
        "pii": {"findings": dict(sorted(totals.items())),
                "documents_with_findings": len(by_doc)},
        "pii_by_document": dict(sorted(by_doc.items())),
        "bench": (base_card or {}).get("bench"),
    }


def render_md(card: Mapping[str, Any]) -> str:
    c, m = card["counts"], card["model"]
    lines = [f"# Index card: {card['generation']}", "",
             f"- {c['documents']} documents, {c['chunks']} chunks",
             f"- model: {m['name']} ({m['dim']} dims, checksum {str(m['checksum'])[:12]})",
             "- chunker: " + json.dumps(card.get("chunker"), sort_keys=True),
             "- document-aware scoring: " + json.dumps(card.get("document_scoring")),
             "", "## Languages (chunks)", ""]
    lines += [f"- {k}: {v}" for k, v in card["languages"]["chunks"].items()]
    r = card["routes"]
    lines += ["", "## Loader routes", "",
              "- formats: " + ", ".join(f"{k} {v}" for k, v in r["formats"].items())]
    if r["pdf_pages"]:
        lines.append("- PDF pages: " + ", ".join(f"{k} {v}" for k, v in r["pdf_pages"].items()))
    p = card["pii"]
    lines += ["", "## Personal data (kinds and counts only)", "",
              f"- {p['documents_with_findings']} documents with findings: "
              + (", ".join(f"{k} {v}" for k, v in p["findings"].items()) or "none")]
    lines += ["", "## Last bench figures", ""]
    bench = card.get("bench")
    if not bench:
        lines.append("- none run against this generation yet")
    else:
        lines.append(f"- run at {bench.get('at')} on {bench.get('dataset')}")
        for system, metrics in (bench.get("systems") or {}).items():
            lines.append(f"- {system}: " + ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()
                                                    if isinstance(v, (int, float))))
    lines += ["", f"## Sources ({len(card['sources'])})", "",
              "| id | language | sha256 |", "|---|---|---|"]
    lines += [f"| {s['id']} | {s['language'] or '?'} | {str(s['checksum'])[:16]} |"
              for s in card["sources"][:MD_SOURCES]]
    if len(card["sources"]) > MD_SOURCES:
        lines.append(f"\n… and {len(card['sources']) - MD_SOURCES} more in card.json")
    return "\n".join(lines) + "\n"


def write(gen: Path, card: Mapping[str, Any]) -> None:
    """Both files, each by temp file and rename (a reader never sees half a card)."""
    for name, text in ((CARD_JSON, json.dumps(card, ensure_ascii=False, indent=1)),
                       (CARD_MD, render_md(card))):
        tmp = gen / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, gen / name)


def record_bench(gen: Path, dataset: str, systems: Mapping[str, Mapping[str, float]],
                 at: str) -> bool:
    """Put the last bench figures run against a generation into its card."""
    card = read_card(gen)
    if card is None:
        return False
    card["bench"] = {"at": at, "dataset": dataset,
                     "systems": {k: dict(v) for k, v in systems.items()}}
    write(gen, card)
    return True
