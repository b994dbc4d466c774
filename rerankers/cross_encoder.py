"""Cross-encoder reranker: reads query and passage together, so it sees what a bi-encoder's
single vector loses (negation, which answer fits the question). Slow, hence batched and capped
at `depth` candidates.

Any sentence-transformers CrossEncoder directory works. A `reranker.json` beside the weights
(written by `rerankers.training`) supplies the query/passage prefixes the model was trained
with, its max length, and the blend weight with the first-stage score chosen on the training
data's dev split; options passed in override it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rerankers.base import Candidate, Reranker, zscore
from rerankers.device import autocast, choose_device, use_bf16

CONFIG_FILE = "reranker.json"
DEFAULT_DEPTH = 50  # candidates rescored unless told otherwise


def is_cross_encoder_dir(path: str | Path) -> bool:
    """A model folder with a config.json (a sentence-transformers or transformers model)."""
    p = Path(path).expanduser()
    return p.is_dir() and (p / "config.json").is_file()


def read_config(path: str | Path) -> dict[str, Any]:
    file = Path(path) / CONFIG_FILE
    return json.loads(file.read_text(encoding="utf-8")) if file.is_file() else {}


class CrossEncoderReranker(Reranker):
    """Scores (query, passage) pairs with a CrossEncoder; raw logits, higher is better.

    `blend` > 0 adds that much of the first-stage score (both z-scored within the list): a
    small model then corrects the first stage instead of replacing it.
    """

    name = "cross-encoder"

    def __init__(self, model: str | Path, *, depth: int | None = DEFAULT_DEPTH,
                 batch_size: int = 32, max_length: int | None = None, device: str | None = None,
                 bf16: bool | None = None, blend: float | None = None,
                 query_prefix: str | None = None, passage_prefix: str | None = None,
                 model_object: Any = None) -> None:
        super().__init__(depth)
        self.path = Path(model).expanduser()
        if model_object is None and not is_cross_encoder_dir(self.path):
            raise FileNotFoundError(f"{self.path}: not a cross-encoder model directory "
                                    "(no config.json)")
        stored = read_config(self.path) if model_object is None else {}
        self.max_length = int(max_length or stored.get("max_length") or 256)
        self.blend = float(stored.get("blend", 0.0) if blend is None else blend)
        self.query_prefix = stored.get("query_prefix", "") if query_prefix is None \
            else query_prefix
        self.passage_prefix = stored.get("passage_prefix", "") if passage_prefix is None \
            else passage_prefix
        self.batch_size = batch_size
        self.device = choose_device(device)
        self.bf16 = use_bf16(self.device, bf16)
        self._model = model_object

    @property
    def model(self) -> Any:
        """The CrossEncoder, loaded on first use so building a reranker stays cheap."""
        if self._model is None:
            from sentence_transformers import CrossEncoder

            self._model = CrossEncoder(str(self.path), device=self.device,
                                       max_length=self.max_length, local_files_only=True)
        return self._model

    def pairs(self, query: str, texts: Sequence[str]) -> list[tuple[str, str]]:
        q = self.query_prefix + query
        return [(q, self.passage_prefix + t) for t in texts]

    def raw_scores(self, query: str, texts: Sequence[str]) -> np.ndarray:
        """The model's logits for each text, in input order."""
        import torch

        if not texts:
            return np.zeros(0, dtype=np.float32)
        with autocast(self.device, self.bf16):
            out = self.model.predict(self.pairs(query, texts), batch_size=self.batch_size,
                                     activation_fn=torch.nn.Identity(),
                                     show_progress_bar=False, convert_to_numpy=True)
        return np.asarray(out, dtype=np.float32).reshape(-1)

    def score(self, query: str, candidates: Sequence[Candidate]) -> np.ndarray:
        logits = self.raw_scores(query, [c.text for c in candidates]).astype(np.float64)
        if self.blend <= 0 or len(candidates) < 2:
            return logits
        first = [c.score if c.first_stage_score is None else c.first_stage_score
                 for c in candidates]
        return zscore(logits) + self.blend * zscore(first)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "model": str(self.path), "max_length": self.max_length,
                "blend": self.blend, "device": self.device, "bf16": self.bf16}
