"""Bench figures into index cards: each bench index's current generation keeps the figures
of the last bench run against it (`indexer info --card` shows them)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from indexer.lifecycle import card, history

FIGURES = ("ndcg@10", "recall@10", "mrr@10", "recall@100")


def record_figures(report: Mapping[str, Any], generations: Mapping[str, Path]) -> int:
    """`generations`: "dataset" or "dataset/config" → generation dir. Returns cards updated."""
    done = 0
    at = history.now()
    for key, gen in generations.items():
        ds_name, _, cfg = key.partition("/")
        systems = ((report.get("datasets") or {}).get(ds_name) or {}).get("systems") or {}
        mine = {}
        for name, entry in systems.items():
            owner, _, system = name.partition("/")
            if cfg and owner != cfg:
                continue
            metrics = entry.get("metrics") or {}
            mine[system if cfg else name] = {m: metrics[m] for m in FIGURES if m in metrics}
        if mine and card.record_bench(gen, ds_name, mine, at):
            done += 1
    return done
