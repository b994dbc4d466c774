"""The sweep's choice across datasets and across build settings (`--combine`)."""

from __future__ import annotations

import json
from pathlib import Path

from indexer.harness import sweep


def _sweep_file(path: Path, scores: dict[str, dict[str, float]]) -> Path:
    path.write_text(json.dumps({"datasets": {
        d: {"queries": 3, "chunks": 10, "documents": 5, "ndcg@10": s}
        for d, s in scores.items()}}))
    return path


def test_is_fused_keeps_only_rule_keeping_fused_variants() -> None:
    assert sweep.is_fused("doc=0.5 zscore a=0.8")
    assert sweep.is_fused("b128 doc=0.5 minmax a=0.8")
    assert not sweep.is_fused("b128 doc=0.5 dense")
    assert not sweep.is_fused("doc=0.5 zscore a=0.8 +xs-off")
    assert not sweep.is_fused("bm25") and not sweep.is_fused("whole-rrf")


def test_combine_chooses_across_build_settings_by_worst_loss(tmp_path: Path) -> None:
    # "a" is best on average on the first budget, but loses 0.2 on set y; on the second
    # budget "a" loses at most 0.05 anywhere: the worst-loss rule must pick it there.
    small = _sweep_file(tmp_path / "small.json", {
        "x": {"doc=0.5 rrf": 0.9, "doc=0.5 zscore": 0.5, "whole-rrf": 0.4},
        "y": {"doc=0.5 rrf": 0.5, "doc=0.5 zscore": 0.5, "whole-rrf": 0.4}})
    large = _sweep_file(tmp_path / "large.json", {
        "x": {"doc=0.5 rrf": 0.85, "doc=0.5 zscore": 0.6, "whole-rrf": 0.3},
        "y": {"doc=0.5 rrf": 0.65, "doc=0.5 zscore": 0.7, "whole-rrf": 0.3},
        "z": {"doc=0.5 rrf": 0.1, "doc=0.5 zscore": 0.1, "whole-rrf": 0.1}})
    results = sweep.combine({"s": small, "l": large})
    assert set(results) == {"x", "y"}  # only the sets every sweep has
    table = {d: r["ndcg@10"] for d, r in results.items()}
    assert table["x"]["whole-rrf"] == 0.4  # baselines: the first sweep's, unlabelled
    assert table["y"]["l doc=0.5 zscore"] == 0.7 and results["x"]["queries"] == {"s": 3, "l": 3}
    fused = [n for n in table["x"] if sweep.is_fused(n)]
    assert sorted(fused) == ["l doc=0.5 rrf", "l doc=0.5 zscore", "s doc=0.5 rrf",
                             "s doc=0.5 zscore"]
    choice = sweep.choose(table, fused)
    assert choice["default"] == "l doc=0.5 rrf"
    assert choice["default_regret"] == {"x": 0.05, "y": 0.05}
    md = sweep.markdown(table, choice, "python -m indexer.harness.sweep --combine ...")
    assert "**l doc=0.5 rrf**" in md and "| x |" in md
