"""The model card (README.md) beside trained weights: what a reader needs before trusting the
scores: which data, which languages, which numbers on which split, when, and the limits."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CARD_FILE = "README.md"
RECORD_FILE = "training.json"


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _data_table(datasets: list[Mapping[str, Any]]) -> list[str]:
    if not datasets:
        return ["(not recorded)"]
    lines = ["| dataset | languages | train queries | dev queries | held-out queries "
             "(never trained on) | training pairs | fingerprint |",
             "|---|---|---|---|---|---|---|"]
    for d in datasets:
        lines.append("| {} | {} | {} | {} | {} | {} | `{}` |".format(
            d.get("name", "?"), ", ".join(d.get("languages", [])), d.get("train_queries", "–"),
            d.get("dev_queries", "–"), d.get("heldout_queries", "–"), d.get("pairs", "–"),
            str(d.get("fingerprint", ""))[:12]))
    return lines


def render_model_card(config: Mapping[str, Any], report: Mapping[str, Any],
                      card: Mapping[str, Any], evaluation: str | None = None) -> str:
    """Markdown text of the card; `evaluation` is the held-out table, when measured."""
    datasets = list(card.get("datasets", []))
    languages = sorted({lang for d in datasets for lang in d.get("languages", [])})
    date = card.get("date") or dt.date.today().isoformat()
    lines = [
        f"# {card.get('name', 'cross-encoder reranker')}",
        "",
        "A cross-encoder that rescores (query, passage) pairs for the `indexer` project's "
        "multilingual health-education search. Higher score = more relevant; scores are raw "
        "logits, comparable within one query only.",
        "",
        "## Model",
        "",
        f"- Initialized from: `{card.get('base_model', '?')}` (a fresh one-logit "
        "classification head on top)",
        f"- Input: `{config.get('query_prefix', '')}<query>` paired with "
        f"`{config.get('passage_prefix', '')}<passage>`, truncated to "
        f"{config.get('max_length')} tokens",
        f"- Blend with the first-stage score chosen on dev: {_fmt(report.get('blend'), 2)} "
        "(0 = cross-encoder alone)",
        f"- Trained: {date}",
        "",
        "## Training data",
        "",
        *_data_table(datasets),
        "",
        f"Languages: {', '.join(languages) or 'not recorded'}.",
        "",
        card.get("data_notes", "").strip() or
        "Hard negatives were mined with the project's hybrid index; every split is a fixed "
        "hash of the query id.",
        "",
        "## Training procedure",
        "",
        f"- Steps: {report.get('steps')} ({report.get('pairs_seen')} pairs seen), stopped by "
        f"{report.get('stopped')}; best step {report.get('best_step')}; "
        f"{_fmt(report.get('seconds'), 0)} s in the training loop",
        f"- Loss: listwise softmax over each query's {config.get('group_size')} candidates, "
        "target proportional to the graded label",
        f"- Trainable: top {config.get('train_layers')} encoder layers and the head; "
        f"lr {config.get('learning_rate')} (head {config.get('head_learning_rate')}), "
        f"warm-up {config.get('warmup_fraction')}, weight decay {config.get('weight_decay')}, "
        f"seed {config.get('seed')}, bf16 autocast "
        f"{'auto (on with AMX or CUDA)' if config.get('bf16') is None else config.get('bf16')}",
        f"- Early stopping on dev nDCG@{config.get('dev_k')} every "
        f"{config.get('eval_every')} steps, patience {config.get('patience')}",
        "",
        "## Metrics",
        "",
        f"Dev split (part of the training side, used for early stopping and the blend), "
        f"nDCG@{config.get('dev_k')} over each dev query's mined candidates:",
        "",
        "| system | dev nDCG |",
        "|---|---|",
        f"| first stage (hybrid) | {_fmt(report.get('dev_first_stage_ndcg'))} |",
        f"| cross-encoder | {_fmt(report.get('dev_ndcg'))} |",
        f"| cross-encoder + blend {_fmt(report.get('blend'), 2)} | "
        f"{_fmt(report.get('dev_blended_ndcg'))} |",
        "",
        "Held-out evaluation (queries never trained on):",
        "",
        evaluation.strip() if evaluation else
        "(not measured yet: run `python -m indexer.harness.rerank_eval`)",
        "",
        "## Limits",
        "",
        card.get("limits", "").strip() or _DEFAULT_LIMITS,
        "",
    ]
    return "\n".join(lines)


_DEFAULT_LIMITS = """\
- Small training data (a few thousand pairs, one CPU budget): expect gains on question →
  answer ranking like the training sets, not a general-purpose reranker.
- Trained on English consumer-health answers and Indic/Indonesian → English sentence pairs;
  languages or scripts outside those (and romanized or code-mixed queries) are untested.
- Passages are cut at the max length: evidence later in a long passage is not seen.
- Not medical advice, and not validated for clinical use. It ranks text; it does not check
  whether the text is correct."""


def write_model_card(out: str | Path, config: Mapping[str, Any], report: Mapping[str, Any],
                     card: Mapping[str, Any], evaluation: str | None = None) -> Path:
    path = Path(out) / CARD_FILE
    path.write_text(render_model_card(config, report, card, evaluation), encoding="utf-8")
    return path


def add_evaluation(out: str | Path, evaluation: str) -> Path:
    """Rewrite the card of a trained model with its held-out table."""
    record = json.loads((Path(out) / RECORD_FILE).read_text(encoding="utf-8"))
    return write_model_card(out, record["config"], record["report"], record.get("card", {}),
                            evaluation)
