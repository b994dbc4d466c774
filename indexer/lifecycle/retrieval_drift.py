"""Retrieval drift: the same queries against both versions, top-10 compared per language.

Overlap@10 is |top10(old) ∩ top10(new)| / 10; rank-biased overlap (RBO, p = 0.9,
extrapolated, Webber et al. 2010) weighs the top ranks most. Queries whose top hit
changed are listed with both answers, which is what a reviewer reads first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from indexer.errors import IndexOpenError

K = 10
RBO_P = 0.9
PROBES = 200  # default query set: sentences sampled from the old version's chunks
SETS_DIR = Path(__file__).resolve().parents[2] / "corpora"


def rbo(a: Sequence[str], b: Sequence[str], p: float = RBO_P) -> float:
    """Extrapolated rank-biased overlap of two rankings to depth max(len) (1.0 = identical):
    (X_k/k)·p^k + (1-p)/p · Σ_d (X_d/d)·p^d, X_d the overlap of the top d."""
    k = max(len(a), len(b))
    if k == 0:
        return 1.0
    x = [len(set(a[:d]) & set(b[:d])) for d in range(1, k + 1)]
    total = sum(x[d - 1] / d * p ** d for d in range(1, k + 1))
    return float(x[-1] / k * p ** k + (1 - p) / p * total)


def load_queries(spec: str | None, probe_rows: Sequence[tuple[str, str, str | None]]
                 ) -> tuple[str, list[dict[str, Any]]]:
    """(source, [{id, text, lang}]) from a file (JSONL with text/lang, or one query a
    line), a named set under corpora/ (golden, adversarial), or probes from the old index."""
    if spec is None:
        return "probes from the old version's chunks", probes(probe_rows)
    path = Path(spec)
    if not path.exists() and (SETS_DIR / spec / "queries.jsonl").is_file():
        path = SETS_DIR / spec / "queries.jsonl"
    if path.is_dir() and (path / "queries.jsonl").is_file():
        path = path / "queries.jsonl"
    if not path.is_file():
        raise IndexOpenError(f"--queries {spec}: not a file, a BEIR folder or a named set "
                             f"({', '.join(sorted(p.name for p in SETS_DIR.iterdir()))})")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line) if line.lstrip().startswith("{") else {"text": line}
        except json.JSONDecodeError as exc:
            raise IndexOpenError(f"{path}:{n}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not str(row.get("text") or "").strip():
            raise IndexOpenError(f"{path}:{n}: a query needs a non-empty 'text'")
        out.append({"id": str(row.get("_id") or row.get("id") or n), "text": str(row["text"]),
                    "lang": row.get("lang") or row.get("language")})
    if not out:
        raise IndexOpenError(f"{path}: no queries")
    return str(path), out


def probes(rows: Sequence[tuple[str, str, str | None]], n: int = PROBES
           ) -> list[dict[str, Any]]:
    """A stable sample of chunks (by hash of their id), each chunk's first words as the query,
    spread over languages in proportion."""
    ranked = sorted(rows, key=lambda r: hashlib.sha256(r[0].encode()).hexdigest())[:n]
    return [{"id": cid, "text": " ".join(text.split()[:16]), "lang": lang}
            for cid, text, lang in ranked if text.strip()]


def _hit(h: Any) -> dict[str, Any]:
    return {"chunk_id": h.chunk_id, "doc_id": h.doc_id, "score": round(float(h.score), 4),
            "text": " ".join(h.text.split())[:200]}


def compare(old: Any, new: Any, queries: Sequence[dict[str, Any]], *,
            mode: str = "hybrid") -> dict[str, Any]:
    """Run every query on both `Index` views; old and new share query vectors when they
    share a model."""
    same_model = old.embedder.checksum == new.embedder.checksum
    texts = [q["text"] for q in queries]
    qv_old = old.embedder.embed_queries(texts) if mode != "bm25" and texts else None
    qv_new = qv_old if same_model else (new.embedder.embed_queries(texts)
                                        if mode != "bm25" and texts else None)
    per_lang: dict[str, dict[str, list[float]]] = {}
    changed, rows = [], []
    for i, q in enumerate(queries):
        a = old.search(q["text"], k=K, mode=mode,
                       query_vector=None if qv_old is None else np.asarray(qv_old[i]))
        b = new.search(q["text"], k=K, mode=mode,
                       query_vector=None if qv_new is None else np.asarray(qv_new[i]))
        ia, ib = [h.chunk_id for h in a], [h.chunk_id for h in b]
        overlap = len(set(ia) & set(ib)) / K
        r = rbo(ia, ib)
        lang = q.get("lang") or "unknown"
        slot = per_lang.setdefault(lang, {"overlap": [], "rbo": []})
        slot["overlap"].append(overlap)
        slot["rbo"].append(r)
        rows.append({"id": q["id"], "lang": lang, "overlap@10": overlap, "rbo": round(r, 4)})
        if (ia[:1] != ib[:1]):
            changed.append({"id": q["id"], "lang": lang, "query": q["text"],
                            "old": _hit(a[0]) if a else None, "new": _hit(b[0]) if b else None})
    by_lang = {lang: {"queries": len(v["overlap"]),
                      "overlap@10": round(float(np.mean(v["overlap"])), 4),
                      "rbo": round(float(np.mean(v["rbo"])), 4)}
               for lang, v in sorted(per_lang.items())}
    all_o = [x for v in per_lang.values() for x in v["overlap"]]
    all_r = [x for v in per_lang.values() for x in v["rbo"]]
    return {"mode": mode, "k": K, "rbo_p": RBO_P, "queries": len(queries),
            "overlap@10": round(float(np.mean(all_o)), 4) if all_o else None,
            "rbo": round(float(np.mean(all_r)), 4) if all_r else None,
            "by_language": by_lang, "top_hit_changed": changed,
            "top_hit_changed_fraction": round(len(changed) / len(queries), 4)
            if queries else None, "per_query": rows}
