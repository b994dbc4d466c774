"""Fine-tune a cross-encoder on plain (query, passage, grade) pairs, on a CPU budget.

The caller (the index, which mines hard negatives) hands over `TrainPair`s grouped by query
id; this module only learns. Choices that keep a useful run under ~20 CPU minutes:

- a listwise loss per query (softmax over its candidates, target ∝ grade), so graded labels
  and mined negatives teach the ordering nDCG measures;
- the embeddings and the lower encoder layers stay frozen (no backward through them, and a
  small optimizer state);
- dropout stays off: on CPU it costs several times the forward pass itself;
- bf16 autocast where the CPU has AMX; short max length;
- early stopping on a dev split (nDCG@10 over each dev query's candidates), a time budget,
  and the best checkpoint restored at the end.

Afterwards the weight of the first-stage score in a blend (see `CrossEncoderReranker.blend`)
is chosen on the same dev split and stored in `reranker.json` with the prefixes and max length.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rerankers.base import zscore
from rerankers.cross_encoder import CONFIG_FILE
from rerankers.device import autocast, choose_device, use_bf16

Log = Callable[[str], None]


@dataclass(frozen=True)
class TrainPair:
    """One (query, passage) with its graded label; pairs sharing `group` form one query."""

    query: str
    text: str
    label: float
    group: str
    first_stage_score: float | None = None  # for dev: blend tuning and the baseline
    source: str = ""  # dataset name, for the model card


@dataclass
class TrainConfig:
    """Every knob of a run (all recorded in the model card)."""

    max_length: int = 256
    group_size: int = 8  # candidates per query per step: its positives, then negatives
    groups_per_step: int = 2
    epochs: float = 1.0
    learning_rate: float = 5e-5
    head_learning_rate: float = 1e-3  # the fresh classification head learns faster (20x)
    warmup_fraction: float = 0.1
    weight_decay: float = 0.01
    train_layers: int | None = 6  # top encoder layers trained; None = all (and embeddings)
    seed: int = 13
    eval_every: int = 60  # steps between dev evaluations
    patience: int = 3  # evaluations without improvement before stopping
    min_delta: float = 1e-4
    max_steps: int | None = None
    max_seconds: float | None = None  # wall-clock budget for the training loop
    eval_batch_size: int = 32
    dev_k: int = 10  # nDCG@k on dev (over however many candidates each dev query has)
    device: str | None = None
    bf16: bool | None = None  # None: on CUDA, or on CPU with AMX
    threads: int | None = None  # torch CPU threads (1 is often faster on a busy machine)
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    blend_grid: tuple[float, ...] = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["blend_grid"] = list(self.blend_grid)
        return out


@dataclass
class TrainReport:
    """What happened: steps, losses, dev curve, the chosen blend, where the model went."""

    out_dir: str
    steps: int = 0
    pairs_seen: int = 0
    seconds: float = 0.0
    stopped: str = ""
    best_step: int = 0
    dev_ndcg: float | None = None  # best checkpoint, cross-encoder alone
    dev_first_stage_ndcg: float | None = None
    dev_blended_ndcg: float | None = None
    blend: float = 0.0
    loss_history: list[float] = field(default_factory=list)
    dev_history: list[tuple[int, float]] = field(default_factory=list)
    dev_by_source: dict[str, dict[str, float]] = field(default_factory=dict)
    train_groups: int = 0
    dev_groups: int = 0
    train_pairs: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def loss_fell(self) -> bool:
        """Mean loss of the last quarter of steps below that of the first quarter."""
        n = len(self.loss_history)
        if n < 4:
            return n >= 2 and self.loss_history[-1] < self.loss_history[0]
        q = max(1, n // 4)
        return float(np.mean(self.loss_history[-q:])) < float(np.mean(self.loss_history[:q]))


Group = list[TrainPair]


def group_pairs(pairs: Sequence[TrainPair]) -> dict[str, Group]:
    """Pairs by query id, in input order; one query text per group is required."""
    groups: dict[str, Group] = defaultdict(list)
    for p in pairs:
        groups[p.group].append(p)
    for gid, items in groups.items():
        if len({p.query for p in items}) != 1:
            raise ValueError(f"group {gid!r} holds more than one query text")
    return dict(groups)


def ndcg_at(labels: Sequence[float], scores: Sequence[float], k: int) -> float:
    """nDCG@k of one candidate list (linear gain, as trec_eval); ideal from the same list.
    Ties are broken by list position, so equal scores cannot flatter a model."""
    order = sorted(range(len(scores)), key=lambda i: (-float(scores[i]), i))[:k]
    dcg = sum(labels[i] / math.log2(r + 2) for r, i in enumerate(order) if labels[i] > 0)
    ideal = sorted((g for g in labels if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(r + 2) for r, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def listwise_loss(scores: Any, labels: Any, sizes: Sequence[int]) -> Any:
    """Softmax cross-entropy per query with target ∝ grade: ListNet's top-one form."""
    import torch

    losses = []
    start = 0
    for n in sizes:
        s, y = scores[start:start + n].float(), labels[start:start + n].float()
        start += n
        target = y.clamp(min=0)
        target = target / target.sum()
        losses.append(-(target * torch.log_softmax(s, dim=0)).sum())
    return torch.stack(losses).mean()


def _sample_group(group: Group, size: int, rng: random.Random) -> Group:
    """Up to `size` candidates with at least one positive: positives (shuffled) take at most
    half the slots when there are enough negatives, negatives fill the rest."""
    pos = [p for p in group if p.label > 0]
    neg = [p for p in group if p.label <= 0]
    rng.shuffle(pos)
    rng.shuffle(neg)
    n_pos = max(1, min(len(pos), size - min(len(neg), size // 2)))
    chosen = pos[:n_pos] + neg[: size - n_pos]
    rng.shuffle(chosen)
    return chosen


def _batches(groups: dict[str, Group], config: TrainConfig, rng: random.Random
             ) -> list[list[Group]]:
    """One epoch of steps; a step's groups come from one source, so lengths pad alike."""
    by_source: dict[str, list[str]] = defaultdict(list)
    for gid in sorted(groups):
        by_source[groups[gid][0].source].append(gid)
    steps: list[list[Group]] = []
    for source in sorted(by_source):
        ids = by_source[source]
        rng.shuffle(ids)
        for i in range(0, len(ids), config.groups_per_step):
            steps.append([_sample_group(groups[g], config.group_size, rng)
                          for g in ids[i:i + config.groups_per_step]])
    rng.shuffle(steps)
    return steps


def _usable(groups: dict[str, Group]) -> dict[str, Group]:
    """Listwise learning needs a positive and something to rank it above."""
    return {g: items for g, items in groups.items()
            if any(p.label > 0 for p in items) and len(items) >= 2}


class _Trainer:
    """Holds the model, optimizer and schedule of one run."""

    def __init__(self, base_model: str | Path, config: TrainConfig, total_steps: int) -> None:
        import torch
        from sentence_transformers import CrossEncoder

        self.config = config
        self.device = choose_device(config.device)
        self.bf16 = use_bf16(self.device, config.bf16)
        torch.manual_seed(config.seed)  # the fresh head's initialization
        self.model = CrossEncoder(str(base_model), num_labels=1, max_length=config.max_length,
                                  device=self.device, local_files_only=True)
        self.hf = self.model.transformers_model
        self._freeze(config.train_layers)
        head = [p for n, p in self.hf.named_parameters() if p.requires_grad and _is_head(n)]
        body = [p for n, p in self.hf.named_parameters()
                if p.requires_grad and not _is_head(n)]
        self.trainable = [n for n, p in self.hf.named_parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(
            [{"params": body, "lr": config.learning_rate},
             {"params": head, "lr": config.head_learning_rate}],
            weight_decay=config.weight_decay)
        self.base_lrs = [config.learning_rate, config.head_learning_rate]
        self.total_steps = max(1, total_steps)
        self.warmup = max(1, int(config.warmup_fraction * self.total_steps))
        self.model.eval()  # dropout off (see the module docstring)

    def _freeze(self, train_layers: int | None) -> None:
        if train_layers is None:
            return
        base = getattr(self.hf, self.hf.base_model_prefix)
        base.embeddings.requires_grad_(False)
        layers = base.encoder.layer
        keep = max(0, min(train_layers, len(layers)))
        for layer in layers[: len(layers) - keep]:
            layer.requires_grad_(False)

    def _set_lr(self, step: int) -> None:
        if step < self.warmup:
            factor = (step + 1) / self.warmup
        else:
            factor = max(0.0, (self.total_steps - step) / max(1, self.total_steps - self.warmup))
        for group, lr in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = lr * factor

    def _features(self, pairs: Sequence[TrainPair]) -> dict[str, Any]:
        from sentence_transformers.util import batch_to_device

        c = self.config
        texts = [(c.query_prefix + p.query, c.passage_prefix + p.text) for p in pairs]
        return batch_to_device(self.model.preprocess(texts), self.device)

    def step(self, step: int, batch: list[Group]) -> float:
        import torch

        pairs = [p for g in batch for p in g]
        self._set_lr(step)
        with autocast(self.device, self.bf16):
            scores = self.model(self._features(pairs))["scores"].view(-1)
        labels = torch.tensor([p.label for p in pairs], device=scores.device)
        loss = listwise_loss(scores, labels, [len(g) for g in batch])
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in self.hf.parameters() if p.requires_grad],
                                       1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return float(loss.detach())

    def predict(self, pairs: Sequence[TrainPair]) -> np.ndarray:
        import torch

        c = self.config
        texts = [(c.query_prefix + p.query, c.passage_prefix + p.text) for p in pairs]
        with autocast(self.device, self.bf16):
            out = self.model.predict(texts, batch_size=c.eval_batch_size,
                                     activation_fn=torch.nn.Identity(),
                                     show_progress_bar=False, convert_to_numpy=True)
        return np.asarray(out, dtype=np.float64).reshape(-1)

    def snapshot(self) -> dict[str, Any]:
        """Only the trained tensors: the frozen ones cannot change."""
        return {n: p.detach().clone() for n, p in self.hf.named_parameters()
                if p.requires_grad}

    def restore(self, state: Mapping[str, Any]) -> None:
        import torch

        params = dict(self.hf.named_parameters())
        with torch.no_grad():
            for n, t in state.items():
                params[n].copy_(t)


def _is_head(name: str) -> bool:
    return name.startswith(("classifier", "score", "pre_classifier"))


def dev_scores(predict: Callable[[Sequence[TrainPair]], np.ndarray],
               dev: dict[str, Group]) -> dict[str, np.ndarray]:
    """The model's score of every dev candidate, one array per group."""
    ids = sorted(dev)
    flat = [p for g in ids for p in dev[g]]
    scores = predict(flat) if flat else np.zeros(0)
    out: dict[str, np.ndarray] = {}
    start = 0
    for g in ids:
        out[g] = scores[start:start + len(dev[g])]
        start += len(dev[g])
    return out


def mean_ndcg(dev: dict[str, Group], scores: Mapping[str, np.ndarray], k: int,
              blend: float = 0.0) -> float:
    """nDCG@k averaged per source (dataset), then over sources, so a large easy set cannot
    outvote a small hard one; with `blend`, z(model) + blend·z(first stage)."""
    per = ndcg_by_source(dev, scores, k, blend)
    return float(np.mean(list(per.values()))) if per else 0.0


def ndcg_by_source(dev: dict[str, Group], scores: Mapping[str, np.ndarray], k: int,
                   blend: float = 0.0) -> dict[str, float]:
    values: dict[str, list[float]] = defaultdict(list)
    for g, items in dev.items():
        s = np.asarray(scores[g], dtype=np.float64)
        if blend > 0:
            s = zscore(s) + blend * zscore([_first(p) for p in items])
        values[items[0].source].append(ndcg_at([p.label for p in items], s, k))
    return {src: float(np.mean(v)) for src, v in sorted(values.items())}


def _first(p: TrainPair) -> float:
    return 0.0 if p.first_stage_score is None else float(p.first_stage_score)


def choose_blend(dev: dict[str, Group], scores: Mapping[str, np.ndarray], k: int,
                 grid: Sequence[float]) -> tuple[float, float]:
    """The grid's best blend on dev (ties go to the smaller weight) and its nDCG@k."""
    have_first = all(p.first_stage_score is not None for g in dev.values() for p in g)
    best = (0.0, mean_ndcg(dev, scores, k))
    if not have_first:
        return best
    for w in sorted(grid):
        value = mean_ndcg(dev, scores, k, w)
        if value > best[1] + 1e-9:
            best = (float(w), value)
    return best


def train_cross_encoder(base_model: str | Path, train: Sequence[TrainPair],
                        dev: Sequence[TrainPair], out_dir: str | Path,
                        config: TrainConfig | None = None, *,
                        card: Mapping[str, Any] | None = None,
                        log: Log | None = None) -> TrainReport:
    """Train from `base_model` (a CrossEncoder or an encoder directory: a fresh one-logit
    head is added), keep the best dev checkpoint, save it with `reranker.json` and a model
    card (`card` adds what the caller knows: data sources, languages, limits)."""
    import torch

    config = config or TrainConfig()
    say = log or (lambda _msg: None)
    if config.threads:
        torch.set_num_threads(config.threads)
    rng = random.Random(config.seed)
    np.random.seed(config.seed)
    groups = _usable(group_pairs(train))
    dev_groups = _usable(group_pairs(dev))
    if not groups:
        raise ValueError("no usable training query: each needs a positive and one more pair")
    steps_per_epoch = math.ceil(len(groups) / config.groups_per_step)
    total = math.ceil(config.epochs * steps_per_epoch)
    if config.max_steps is not None:
        total = min(total, config.max_steps)
    report = TrainReport(out_dir=str(out_dir), train_groups=len(groups),
                         dev_groups=len(dev_groups), train_pairs=len(train))
    started = time.perf_counter()
    trainer = _Trainer(base_model, config, total)
    say(f"training {len(trainer.trainable)} tensors on {trainer.device}"
        f"{' (bf16)' if trainer.bf16 else ''}: {len(groups)} queries, {total} steps")
    first = {g: np.asarray([_first(p) for p in items]) for g, items in dev_groups.items()}
    if dev_groups:
        report.dev_first_stage_ndcg = mean_ndcg(dev_groups, first, config.dev_k)
    best_state: dict[str, Any] | None = None
    best_scores: dict[str, np.ndarray] | None = None
    best = -math.inf
    waited = 0
    step = 0
    report.stopped = "steps"
    plan: list[list[Group]] = []

    def evaluate() -> bool:
        """Dev check; True when patience is used up."""
        nonlocal best, best_state, best_scores, waited
        if not dev_groups:
            return False
        scores = dev_scores(trainer.predict, dev_groups)
        value = mean_ndcg(dev_groups, scores, config.dev_k)
        report.dev_history.append((step, value))
        per = ", ".join(f"{src} {v:.3f}" for src, v in
                        ndcg_by_source(dev_groups, scores, config.dev_k).items())
        say(f"step {step}/{total}: dev nDCG@{config.dev_k} {value:.4f} [{per}] "
            f"(first stage {report.dev_first_stage_ndcg:.4f}), "
            f"loss {np.mean(report.loss_history[-config.eval_every:]):.4f}, "
            f"{time.perf_counter() - started:.0f}s")
        if value > best + config.min_delta:
            best, best_state, best_scores, waited = value, trainer.snapshot(), scores, 0
            report.best_step = step
            return False
        waited += 1
        return waited >= config.patience

    while step < total:
        if not plan:
            plan = _batches(groups, config, rng)
        batch = plan.pop()
        report.loss_history.append(trainer.step(step, batch))
        report.pairs_seen += sum(len(g) for g in batch)
        step += 1
        if config.max_seconds is not None and time.perf_counter() - started > config.max_seconds:
            report.stopped = "time budget"
            break
        if step % config.eval_every == 0 and step < total and evaluate():
            report.stopped = "early stopping (patience)"
            break
    report.steps = step
    evaluated = {s for s, _ in report.dev_history}
    if step not in evaluated and report.stopped != "early stopping (patience)":
        evaluate()  # the last steps may hold the best checkpoint
    if best_state is not None:
        trainer.restore(best_state)
        assert best_scores is not None
        report.dev_ndcg = best
        report.blend, report.dev_blended_ndcg = choose_blend(
            dev_groups, best_scores, config.dev_k, config.blend_grid)
        report.dev_by_source = {
            src: {"first_stage": ndcg_by_source(dev_groups, first, config.dev_k)[src],
                  "cross_encoder": v,
                  "blended": ndcg_by_source(dev_groups, best_scores, config.dev_k,
                                            report.blend)[src]}
            for src, v in ndcg_by_source(dev_groups, best_scores, config.dev_k).items()}
    report.seconds = time.perf_counter() - started
    say(f"stopped after {step} steps ({report.stopped}), best step {report.best_step}, "
        f"blend {report.blend}, {report.seconds:.0f}s")
    save(trainer.model, out_dir, config, report, card or {})
    return report


def save(model: Any, out_dir: str | Path, config: TrainConfig, report: TrainReport,
         card: Mapping[str, Any]) -> Path:
    """Weights, `reranker.json` (what the reranker needs to score as trained), a training
    record and the model card (README.md), all in one directory."""
    from rerankers.model_card import write_model_card

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out), create_model_card=False)
    settings = {"query_prefix": config.query_prefix, "passage_prefix": config.passage_prefix,
                "max_length": config.max_length, "blend": report.blend,
                "dev_ndcg": report.dev_ndcg, "dev_blended_ndcg": report.dev_blended_ndcg}
    (out / CONFIG_FILE).write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    record = {"config": config.to_dict(), "report": report.to_dict(), "card": dict(card)}
    (out / "training.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    write_model_card(out, config.to_dict(), report.to_dict(), card)
    return out
