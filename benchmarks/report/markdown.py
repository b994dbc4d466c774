"""``report.md``: the report dict rendered as tables for people.

The baseline (default BM25) is the first row of every table and every other system's
numbers carry their difference to it, so no number is read without its reference point.
"""

from __future__ import annotations

from typing import Any

UP, DOWN = "▲", "▼"


def _f(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _signed(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:+.{digits}f}"


def _p(p: float | None) -> str:
    if p is None:
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _ms(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.2f}" if x < 10 else f"{x:.1f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out + [""]


def _marker(sig: dict[str, Any] | None) -> str:
    if not sig:
        return ""
    return {"better": f" {UP}", "worse": f" {DOWN}"}.get(sig.get("direction", ""), "")


def primary_metric(report: dict[str, Any]) -> str:
    """The metric the per-language and Δ tables focus on: ndcg@10 when measured."""
    metrics = report.get("metrics") or []
    return "ndcg@10" if "ndcg@10" in metrics else (metrics[0] if metrics else "")


def _label(name: str, baseline: str) -> str:
    return f"**{name}** (baseline)" if name == baseline else name


def _effectiveness(ds: dict[str, Any], metrics: list[str], baseline: str) -> list[str]:
    rows = []
    for name, s in ds["systems"].items():
        sig = s.get("significance", {})
        rows.append([_label(name, baseline)] + [
            _f(s["metrics"].get(m)) + _marker(sig.get(m)) for m in metrics])
    return _table(["system"] + metrics, rows)


def _deltas(ds: dict[str, Any], metrics: list[str], baseline: str, conf: float) -> list[str]:
    rows = []
    for name, s in ds["systems"].items():
        for m in metrics:
            sig = s.get("significance", {}).get(m)
            if not sig:
                continue
            lo, hi = sig["ci_delta"]
            rows.append([name, m, _f(sig["baseline_value"]), _f(s["metrics"].get(m)),
                         _signed(sig["delta"]) + _marker(sig),
                         f"[{_signed(lo)}, {_signed(hi)}]", _p(sig["p_value"]),
                         _p(sig["p_holm"])])
    if not rows:
        return []
    head = ["system", "metric", baseline, "system value", "Δ", f"{conf:.0%} CI of Δ", "p",
            "p (Holm)"]
    return _table(head, rows)


def _by_lang(ds: dict[str, Any], metric: str, baseline: str) -> list[str]:
    langs = sorted({lang for s in ds["systems"].values() for lang in s["by_lang"]})
    if not langs:
        return []
    base = ds["systems"].get(baseline)
    rows = []
    for name, s in ds["systems"].items():
        cells = [_label(name, baseline)]
        for lang in ["all"] + langs:
            val = (s["metrics"].get(metric) if lang == "all"
                   else s["by_lang"].get(lang, {}).get("metrics", {}).get(metric))
            if base is None or name == baseline:
                cells.append(_f(val))
                continue
            ref = (base["metrics"].get(metric) if lang == "all"
                   else base["by_lang"].get(lang, {}).get("metrics", {}).get(metric))
            delta = None if val is None or ref is None else val - ref
            cells.append(f"{_f(val)} ({_signed(delta)})")
        rows.append(cells)
    counts = [str(ds["n_queries"])] + [str(ds["query_langs"].get(lang, 0)) for lang in langs]
    rows.append(["*queries*"] + counts)
    return _table(["system", "all"] + langs, rows)


def _by_group(ds: dict[str, Any], facet: str, metric: str, baseline: str) -> list[str]:
    labels = sorted({lab for s in ds["systems"].values()
                     for lab in s.get("by_group", {}).get(facet, {})})
    if not labels:
        return []
    base = ds["systems"].get(baseline)
    rows = []
    for name, s in ds["systems"].items():
        cells = [_label(name, baseline)]
        for lab in labels:
            val = s.get("by_group", {}).get(facet, {}).get(lab, {}).get("metrics", {}).get(metric)
            if base is None or name == baseline:
                cells.append(_f(val))
                continue
            ref = (base.get("by_group", {}).get(facet, {}).get(lab, {})
                   .get("metrics", {}).get(metric))
            delta = None if val is None or ref is None else val - ref
            cells.append(f"{_f(val)} ({_signed(delta)})")
        rows.append(cells)
    first = next(iter(ds["systems"].values()))
    rows.append(["*queries*"] + [str(first.get("by_group", {}).get(facet, {}).get(lab, {})
                                     .get("n_queries", 0)) for lab in labels])
    return _table(["system"] + labels, rows)


def _speed(ds: dict[str, Any], baseline: str) -> list[str]:
    rows = []
    for name, s in ds["systems"].items():
        sp = s.get("speed") or {}
        lat = sp.get("latency_ms") or {}
        stages = list(lat) or ["–"]
        for i, stage in enumerate(stages):
            st = lat.get(stage, {})
            first = i == 0
            rows.append([
                _label(name, baseline) if first else "",
                _f(sp.get("build_seconds"), 2) if first else "",
                _f(sp.get("peak_memory_mb"), 0) if first else "",
                _f(sp.get("qps"), 1) if first else "",
                stage, _ms(st.get("p50_ms")), _ms(st.get("p95_ms")), _ms(st.get("p99_ms")),
                _ms(st.get("mean_ms")),
            ])
    head = ["system", "build s", "peak MiB", "QPS", "stage", "p50 ms", "p95 ms", "p99 ms",
            "mean ms"]
    return _table(head, rows)


def _rerank(ds: dict[str, Any], metrics: list[str]) -> list[str]:
    up_rows, rank_rows = [], []
    for name, s in ds["systems"].items():
        rr = s.get("rerank")
        if not rr:
            continue
        for m in metrics:
            u = rr["uplift"].get(m)
            if u:
                up_rows.append([name, rr["first_stage"], m, _f(u["before"]), _f(u["after"]),
                                _signed(u["delta"]), _p(u["p_value"])])
        r = rr.get("ranks")
        if r:
            rank_rows.append([
                name, str(r["n_relevant"]), f"{r['found_before']} → {r['found_after']}",
                f"{_f(r['mean_rank_before'], 1)} → {_f(r['mean_rank_after'], 1)}",
                f"{_f(r['median_rank_before'], 1)} → {_f(r['median_rank_after'], 1)}",
                str(r["moved_up"]), str(r["moved_down"]), str(r["unchanged"]),
                f"{r['in_top_k_before']} → {r['in_top_k_after']}",
                str(r["entered_top_k"]), str(r["left_top_k"]),
            ])
    if not up_rows and not rank_rows:
        return []
    k = next(s["rerank"]["k"] for s in ds["systems"].values() if s.get("rerank"))
    out = ["#### Uplift over the first stage", ""]
    out += _table(["system", "first stage", "metric", "before", "after", "Δ", "p"], up_rows)
    out += ["#### Relevant documents' ranks (before → after)", ""]
    out += _table(["system", "relevant", "found", "mean rank", "median rank", "up", "down",
                   "same", f"in top {k}", f"entered top {k}", f"left top {k}"], rank_rows)
    return out


def render_markdown(report: dict[str, Any]) -> str:
    """The whole report as Markdown text."""
    baseline = report.get("baseline", "bm25")
    metrics = list(report.get("metrics", []))
    st = report.get("settings", {})
    conf = float(st.get("confidence", 0.95))
    pm = primary_metric(report)
    lines = [
        "# Benchmark report", "",
        f"Created {report.get('created', '?')} · schema {report.get('schema')} "
        f"v{report.get('schema_version')} · baseline **{baseline}**", "",
        f"Significance: {st.get('test', '?')}, {st.get('n_permutations', '?')} permutations "
        f"(seed {st.get('seed', '?')}); Holm-corrected over {st.get('holm_family', '?')}; "
        f"α = {st.get('alpha', '?')}. CIs: {st.get('bootstrap', '?')} bootstrap, "
        f"{st.get('n_resamples', '?')} resamples, {conf:.0%}.", "",
        f"{UP} / {DOWN}: significantly better / worse than {baseline} "
        "(Holm-adjusted p ≤ α). Values in parentheses: difference to the baseline.", "",
    ]
    meta = report.get("meta") or {}
    if meta:
        lines += [" · ".join(f"{k}: `{v}`" for k, v in meta.items()), ""]
    skipped = []
    for name, ds in report.get("datasets", {}).items():
        if ds.get("status") == "skipped":
            skipped.append(f"- `{name}`: {ds.get('skip_reason') or 'skipped'}")
            continue
        langs = ", ".join(f"{k} {v}" for k, v in ds.get("query_langs", {}).items())
        lines += [f"## {name}", "", f"{ds['n_queries']} queries ({langs}).", ""]
        if not ds.get("baseline_present"):
            lines += [f"*Baseline `{baseline}` was not run on this dataset: "
                      "no significance tests.*", ""]
        lines += ["### Effectiveness", ""] + _effectiveness(ds, metrics, baseline)
        delta = _deltas(ds, metrics, baseline, conf)
        if delta:
            lines += [f"### Differences to {baseline}", ""] + delta
        by_lang = _by_lang(ds, pm, baseline)
        if by_lang:
            lines += [f"### {pm} by query language", ""] + by_lang
        facets = sorted({f for s in ds["systems"].values() for f in s.get("by_group", {})})
        for facet in facets:
            table = _by_group(ds, facet, pm, baseline)
            if table:
                lines += [f"### {pm} by {facet}", ""] + table
        lines += ["### Speed", ""] + _speed(ds, baseline)
        rr = _rerank(ds, metrics)
        if rr:
            lines += ["### Reranking", ""] + rr
    if skipped:
        lines += ["## Skipped datasets", ""] + skipped + [""]
    return "\n".join(lines).rstrip() + "\n"
