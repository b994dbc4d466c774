"""The drift report as files: `drift.json`, `drift.md` and `drift.png` (matplotlib, Agg)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

SHOWN_CHANGES = 25  # queries whose top hit changed, listed in the Markdown


def render_md(r: Mapping[str, Any], gates: Sequence[Any] = ()) -> str:
    o, n, d = r["old"], r["new"], r["documents"]
    lines = [f"# Drift report: {o['path']}@{o['generation']} → {n['path']}@{n['generation']}",
             "", f"- old: {o['documents']} documents, {o['chunks']} chunks, committed "
             f"{o['committed_at']}", f"- new: {n['documents']} documents, {n['chunks']} chunks, "
             f"committed {n['committed_at']}", ""]
    if gates:
        failed = [g for g in gates if g.failed]
        lines += [f"## Gates: {'NO-GO' if failed else 'GO'} ({len(failed)} failed)", ""]
        lines += [f"- {g.status}: {g.message}" for g in gates]
        lines.append("")
    lines += ["## Documents", "",
              f"{d['added']} added, {d['removed']} removed, {d['changed']} changed, "
              f"{d['unchanged']} unchanged.", ""]
    for kind in ("added", "removed", "changed"):
        ids = d["ids"][kind]
        if ids:
            more = f" … (+{d[kind] - len(ids)})" if d[kind] > len(ids) else ""
            lines.append(f"- {kind}: " + ", ".join(ids[:20]) + (" …" if len(ids) > 20 else "")
                         + more)
    lines += ["", "## Languages (chunks) and chunk lengths (characters)", "",
              "| lang | old | new | share change | median old → new | KS p |",
              "|---|---|---|---|---|---|"]
    for lang, row in r["languages"]["chunks"].items():
        cl = r["chunk_lengths"].get(lang, {})
        med = f"{cl.get('old', {}).get('p50', '-')} → {cl.get('new', {}).get('p50', '-')}"
        lines.append(f"| {lang} | {row['old']} | {row['new']} | {row['share_change']:.4f} | "
                     f"{med} | {cl.get('ks_p_value', '-')} |")
    if r["languages"]["lost"]:
        lines.append(f"\nLanguages lost: {', '.join(r['languages']['lost'])}")
    p = r["pii"]
    lines += ["", "## Personal data (findings by kind)", "",
              f"- old: {json.dumps(p['old'], sort_keys=True)}",
              f"- new: {json.dumps(p['new'], sort_keys=True)} ({p['new_findings']} new)", "",
              "## Embedding drift (stored vectors)", ""]
    emb = r["embedding"]
    if "note" in emb:
        lines.append(emb["note"])
    else:
        lines += ["| lang | old | new | centroid shift | KS statistic | p-value | "
                  "matched chunks | matched cosine |", "|---|---|---|---|---|---|---|---|"]
        lines += [f"| {lang} | {e['old']} | {e['new']} | {e['centroid_shift']} | "
                  f"{e['ks_statistic']} | {e['p_value']} | {e['matched']} | "
                  f"{e['matched_cosine']} |" for lang, e in emb.items()]
    rt = r.get("retrieval")
    if rt:
        lines += ["", f"## Retrieval drift ({rt['queries']} queries: {rt['source']}; "
                      f"{rt['mode']}, top {rt['k']})", "",
                  f"overlap@10 {rt['overlap@10']}, RBO {rt['rbo']}, top hit changed for "
                  f"{len(rt['top_hit_changed'])} queries.", "",
                  "| lang | queries | overlap@10 | RBO |", "|---|---|---|---|"]
        lines += [f"| {lang} | {v['queries']} | {v['overlap@10']} | {v['rbo']} |"
                  for lang, v in rt["by_language"].items()]
        if rt["top_hit_changed"]:
            lines += ["", "### Queries whose top hit changed", ""]
            for c in rt["top_hit_changed"][:SHOWN_CHANGES]:
                lines.append(f"- **{c['query']}** [{c['lang']}]")
                for side in ("old", "new"):
                    h = c[side]
                    lines.append(f"  - {side}: " + (f"{h['doc_id']} ({h['score']}): "
                                                    f"{h['text'][:160]}" if h else "(nothing)"))
            if len(rt["top_hit_changed"]) > SHOWN_CHANGES:
                lines.append(f"\n… {len(rt['top_hit_changed']) - SHOWN_CHANGES} more in "
                             "drift.json")
    lines += ["", f"Computed in {r['seconds']['total']} s."]
    return "\n".join(lines) + "\n"


def plot(r: Mapping[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    langs = list(r["languages"]["chunks"])
    x = range(len(langs))
    ax = axes[0][0]
    ax.bar([i - 0.2 for i in x], [r["languages"]["chunks"][k]["old"] for k in langs], 0.4,
           label="old")
    ax.bar([i + 0.2 for i in x], [r["languages"]["chunks"][k]["new"] for k in langs], 0.4,
           label="new")
    ax.set_xticks(list(x), langs)
    ax.set_title("chunks per language")
    ax.legend()
    ax = axes[0][1]
    cl = r["chunk_lengths"]
    for side in ("old", "new"):
        ax.plot(langs, [cl[k][side].get("p50", 0) for k in langs], marker="o", label=side)
    ax.set_title("median chunk length (characters)")
    ax.legend()
    ax = axes[1][0]
    emb = r["embedding"]
    if "note" not in emb:
        ax.bar(list(emb), [e["centroid_shift"] or 0 for e in emb.values()])
    ax.set_title("embedding centroid shift (cosine distance)")
    ax = axes[1][1]
    rt = r.get("retrieval")
    if rt:
        bl = rt["by_language"]
        ax.bar([i - 0.2 for i in range(len(bl))], [v["overlap@10"] for v in bl.values()], 0.4,
               label="overlap@10")
        ax.bar([i + 0.2 for i in range(len(bl))], [v["rbo"] for v in bl.values()], 0.4,
               label="RBO")
        ax.set_xticks(list(range(len(bl))), list(bl))
        ax.set_ylim(0, 1.05)
        ax.legend()
    ax.set_title("retrieval agreement (top 10)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write(r: Mapping[str, Any], out: Path, gates: Sequence[Any] = ()) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "drift.json", "markdown": out / "drift.md", "png": out / "drift.png"}
    data = {**r, "gates": [g.to_dict() for g in gates]} if gates else dict(r)
    paths["json"].write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    paths["markdown"].write_text(render_md(r, gates), encoding="utf-8")
    plot(r, paths["png"])
    return paths
