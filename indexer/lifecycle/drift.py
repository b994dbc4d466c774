"""`indexer diff OLD NEW`: what changed between two index versions, before one goes live.

Everything is read from the two sealed generations (documents, chunk rows, stored vectors,
cards); only the query set is encoded, for retrieval drift. `gate_values` holds the flat
numbers the drift gates (`drift_gates`) judge.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from indexer.ingestion import pii
from indexer.lifecycle import card as card_mod
from indexer.lifecycle import embedding_drift, retrieval_drift
from indexer.lifecycle.reader import Generation, open_generation, resolve

QUANTILES = (0.1, 0.5, 0.9)
SIGNIFICANCE = 0.01  # p-value below which an embedding shift counts as real
LIST_LIMIT = 500  # document ids listed per kind of change (counts are always complete)


def documents(old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]
              ) -> dict[str, Any]:
    a = {d["id"]: d for d in old}
    b = {d["id"]: d for d in new}
    added = sorted(set(b) - set(a))
    removed = sorted(set(a) - set(b))
    changed = sorted(i for i in set(a) & set(b) if a[i]["checksum"] != b[i]["checksum"])
    base = max(len(a), 1)
    return {"old": len(a), "new": len(b), "added": len(added), "removed": len(removed),
            "changed": len(changed), "unchanged": len(set(a) & set(b)) - len(changed),
            "added_fraction": round(len(added) / base, 4),
            "removed_fraction": round(len(removed) / base, 4),
            "changed_fraction": round(len(changed) / base, 4),
            "removed_by_language": dict(Counter(a[i]["language"] or "unknown"
                                                for i in removed)),
            "ids": {"added": added[:LIST_LIMIT], "removed": removed[:LIST_LIMIT],
                    "changed": changed[:LIST_LIMIT]}}


def languages(old: Mapping[str, int], new: Mapping[str, int]) -> dict[str, Any]:
    ta, tb = max(sum(old.values()), 1), max(sum(new.values()), 1)
    rows = {lang: {"old": old.get(lang, 0), "new": new.get(lang, 0),
                   "old_share": round(old.get(lang, 0) / ta, 4),
                   "new_share": round(new.get(lang, 0) / tb, 4),
                   "share_change": round(abs(new.get(lang, 0) / tb - old.get(lang, 0) / ta), 4)}
            for lang in sorted(set(old) | set(new))}
    return {"chunks": rows, "lost": sorted(set(old) - set(new)),
            "gained": sorted(set(new) - set(old))}


def _lengths_summary(x: np.ndarray) -> dict[str, Any]:
    if not len(x):
        return {"n": 0}
    return {"n": int(len(x)), "mean": round(float(x.mean()), 1),
            **{f"p{int(q * 100)}": float(np.quantile(x, q)) for q in QUANTILES}}


def chunk_lengths(old: Mapping[str, list[int]], new: Mapping[str, list[int]]
                  ) -> dict[str, Any]:
    """Characters per chunk, per language: quantiles and a two-sample KS test."""
    out = {}
    for lang in sorted(set(old) | set(new)) + ["all"]:
        a = np.asarray(old.get(lang, []) if lang != "all" else sum(old.values(), []), float)
        b = np.asarray(new.get(lang, []) if lang != "all" else sum(new.values(), []), float)
        row: dict[str, Any] = {"old": _lengths_summary(a), "new": _lengths_summary(b)}
        if len(a) and len(b):
            with warnings.catch_warnings():  # "exact calculation unsuccessful" on big samples
                warnings.simplefilter("ignore", RuntimeWarning)
                ks = stats.ks_2samp(a, b)
            row.update(ks_statistic=round(float(ks.statistic), 4),
                       ks_p_value=float(f"{ks.pvalue:.4g}"),
                       median_change=round(abs(float(np.median(b)) / max(float(np.median(a)),
                                                                        1.0) - 1.0), 4))
        out[lang] = row
    return out


def pii_summary(g: Generation) -> dict[str, int]:
    """Findings per kind: the generation's card when it has one, else a scan of its chunks."""
    card = card_mod.read_card(g.gen)
    if card is not None and isinstance(card.get("pii"), dict):
        return dict(card["pii"].get("findings") or {})
    totals: Counter[str] = Counter()
    for _, _, text, _ in g.chunk_rows():
        totals.update(pii.count_by_kind(pii.scan(text)))
    return dict(totals)


def _scan(g: Generation) -> tuple[list[str], list[str], dict[str, list[int]],
                                  list[tuple[str, str, str | None]]]:
    """Chunk ids and languages in row order (the order of `vectors()`), lengths by
    language, and (chunk id, text, language) rows for probe queries."""
    ids, langs = [], []
    lengths: dict[str, list[int]] = {}
    rows = []
    for _rowid, chunk_id, text, lang in g.chunk_rows():
        key = lang or "unknown"
        ids.append(chunk_id)
        langs.append(key)
        lengths.setdefault(key, []).append(len(text))
        rows.append((chunk_id, text, lang))
    return ids, langs, lengths, rows


def diff(old_spec: str | Path, new_spec: str | Path, *, queries: str | None = None,
         embedder: Any = None, retrieval: bool = True, mode: str = "hybrid",
         log: Any = lambda _m: None) -> dict[str, Any]:
    """The drift report between OLD and NEW (`DIR` or `DIR@GEN`)."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    old = open_generation(*resolve(old_spec))
    new = open_generation(*resolve(new_spec))
    try:
        docs = documents(old.documents(), new.documents())
        (ka, la, lens_a, rows_a), (kb, lb, lens_b, _) = _scan(old), _scan(new)
        langs = languages(Counter(la), Counter(lb))
        lengths = chunk_lengths(lens_a, lens_b)
        pa, pb = pii_summary(old), pii_summary(new)
        timings["read"] = time.perf_counter() - started
        _, va = old.vectors()
        _, vb = new.vectors()
        timings["vectors"] = time.perf_counter() - started - timings["read"]
        emb: dict[str, Any] = {}
        if old.manifest["model"].get("checksum") != new.manifest["model"].get("checksum"):
            emb["note"] = "different models: vectors are not comparable"
        else:
            ga = embedding_drift.by_language(ka, va, la)
            gb = embedding_drift.by_language(kb, vb, lb)
            empty: tuple[list[str], np.ndarray] = (
                [], np.zeros((0, va.shape[1] if va.ndim == 2 else 1), np.float32))
            emb = {lang: embedding_drift.compare(ga.get(lang, empty), gb.get(lang, empty))
                   for lang in sorted(set(ga) | set(gb))}
        timings["embedding"] = time.perf_counter() - started - sum(timings.values())
        report: dict[str, Any] = {
            "old": _describe(old), "new": _describe(new), "documents": docs,
            "languages": langs, "chunk_lengths": lengths,
            "pii": {"old": pa, "new": pb,
                    "new_findings": sum(max(pb.get(k, 0) - pa.get(k, 0), 0) for k in pb)},
            "embedding": emb}
        if retrieval:
            source, qs = retrieval_drift.load_queries(queries, rows_a)
            log(f"retrieval drift: {len(qs)} queries ({source})")
            a_view, b_view = _views(old, new, embedder)
            report["retrieval"] = {"source": source,
                                   **retrieval_drift.compare(a_view, b_view, qs, mode=mode)}
            timings["retrieval"] = time.perf_counter() - started - sum(timings.values())
    finally:
        old.close()
        new.close()
    timings["total"] = time.perf_counter() - started
    report["seconds"] = {k: round(v, 3) for k, v in timings.items()}
    report["gate_values"] = gate_values(report)
    return report


def _describe(g: Generation) -> dict[str, Any]:
    m = g.manifest
    return {"path": str(g.root), "generation": g.name, "committed_at": m.get("committed_at"),
            "documents": m["counts"]["documents"], "chunks": m["counts"]["chunks"],
            "model": {k: m["model"].get(k) for k in ("name", "checksum")}}


def _views(old: Generation, new: Generation, embedder: Any) -> tuple[Any, Any]:
    """Pinned search views of both generations; one embedder when they share a model."""
    from indexer.embedding.embedder import Embedder
    from indexer.index import Index

    ea = embedder if embedder is not None and embedder.checksum == \
        old.manifest["model"]["checksum"] else Embedder(old.manifest["model"]["name"])
    eb = ea if new.manifest["model"]["checksum"] == ea.checksum else \
        Embedder(new.manifest["model"]["name"])
    return Index.at(old.root, old.manifest, embedder=ea), Index.at(new.root, new.manifest,
                                                                   embedder=eb)


def gate_values(report: Mapping[str, Any]) -> dict[str, Any]:
    """The numbers gates judge: plain values, or {language: value} maps (each judged)."""
    d, lg, emb = report["documents"], report["languages"], report["embedding"]
    values: dict[str, Any] = {
        "documents.removed_fraction": d["removed_fraction"],
        "documents.added_fraction": d["added_fraction"],
        "documents.changed_fraction": d["changed_fraction"],
        "languages.lost": len(lg["lost"]),
        "languages.share_change": {k: v["share_change"] for k, v in lg["chunks"].items()},
        "chunks.median_length_change": {k: v["median_change"] for k, v in
                                        report["chunk_lengths"].items() if "median_change" in v},
        "pii.new_findings": report["pii"]["new_findings"],
    }
    if "note" not in emb:
        values["embedding.centroid_shift"] = {k: v["centroid_shift"] for k, v in emb.items()
                                              if v["centroid_shift"] is not None}
        real = {k: v for k, v in emb.items() if v["p_value"] is not None}
        # effect sizes where the KS test says the change is real (p < SIGNIFICANCE)
        values["embedding.significant_shift"] = {
            k: v["centroid_shift"] if v["p_value"] < SIGNIFICANCE else 0.0
            for k, v in real.items()}
        values["embedding.significant_ks"] = {
            k: v["ks_statistic"] if v["p_value"] < SIGNIFICANCE else 0.0
            for k, v in real.items()}
        values["embedding.matched_cosine"] = {k: v["matched_cosine"] for k, v in emb.items()
                                              if v["matched_cosine"] is not None}
    else:
        values["embedding.comparable"] = 0
    r = report.get("retrieval")
    if r:
        values["retrieval.overlap@10"] = {k: v["overlap@10"] for k, v in r["by_language"].items()}
        values["retrieval.rbo"] = {k: v["rbo"] for k, v in r["by_language"].items()}
        values["retrieval.top_hit_changed_fraction"] = r["top_hit_changed_fraction"]
    return values
