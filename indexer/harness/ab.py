"""A/B of index configurations: `indexer bench DATASET... --config a.toml --config b.toml`.

A configuration file names what an index build (and its searches) depends on:

    name = "budget-128"            # optional; default: the file's stem
    model = "multilingual-e5-small" # optional; default: bench's --model
    fusion = "rrf"                 # optional: hybrid systems without their own fusion
    documents = false              # document-aware scoring off (or a table of its settings)
    [chunker]                      # optional: chunkers.ChunkerConfig fields
    max_tokens = 128

Each dataset is built once per configuration (the bench cache is keyed by the settings),
every system runs under each, as `NAME/SYSTEM`, and the report compares them with paired
significance against the first configuration's first system.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.errors import IndexOpenError

_KEYS = {"name", "model", "fusion", "documents", "chunker"}
FUSIONS = ("adaptive", "rrf", "minmax", "zscore")


@dataclass
class BuildConfig:
    name: str
    source: str
    settings: dict[str, Any]  # indexer.harness.bench.build_settings(): what the build depends on
    model: str | None = None
    fusion: str | None = None
    _embedders: dict[str, Any] = field(default_factory=dict, repr=False)

    def embedder(self, default: Any) -> Any:
        """The bench's embedder, or this configuration's own model (loaded once)."""
        if self.model is None or self.model in (default.model_name, str(default.path)):
            return default
        if self.model not in self._embedders:
            from indexer.embedding.embedder import Embedder

            self._embedders[self.model] = Embedder(self.model)
        return self._embedders[self.model]

    def system(self, spec: Any) -> Any:
        """A system of the bench under this configuration: renamed, fusion applied."""
        fusion = self.fusion if self.fusion and spec.mode == "hybrid" \
            and ":" not in spec.name.split("+")[0] else spec.fusion
        return dataclasses.replace(spec, name=f"{self.name}/{spec.name}", fusion=fusion)

    def describe(self) -> dict[str, Any]:
        return {"file": self.source, "model": self.model, "fusion": self.fusion,
                "chunker": self.settings["chunker"],
                "document_scoring": self.settings["documents"]}


def load(path: str | Path) -> BuildConfig:
    from indexer.harness.bench import build_settings

    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexOpenError(f"--config {path}: no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise IndexOpenError(f"--config {path}: not valid TOML ({exc})") from None
    unknown = set(data) - _KEYS
    if unknown:
        raise IndexOpenError(f"--config {path}: unknown key(s) {', '.join(sorted(unknown))} "
                             f"(known: {', '.join(sorted(_KEYS))})")
    fusion = data.get("fusion")
    if fusion is not None and fusion not in FUSIONS:
        raise IndexOpenError(f"--config {path}: fusion {fusion!r} is not one of "
                             f"{', '.join(FUSIONS)}")
    documents = data.get("documents")
    if documents is not None and not isinstance(documents, (bool, Mapping)):
        raise IndexOpenError(f"--config {path}: documents must be true, false or a table")
    chunker = data.get("chunker") or {}
    if not isinstance(chunker, Mapping):
        raise IndexOpenError(f"--config {path}: [chunker] must be a table")
    try:
        settings = build_settings(chunker=chunker, documents=documents)
    except (TypeError, ValueError) as exc:
        raise IndexOpenError(f"--config {path}: {exc}") from None
    name = str(data.get("name") or path.stem)
    if not name or "/" in name:
        raise IndexOpenError(f"--config {path}: name {name!r} must be non-empty, without '/'")
    model = data.get("model")
    return BuildConfig(name, str(path), settings, str(model) if model else None, fusion)


def load_all(paths: Sequence[str | Path]) -> list[BuildConfig]:
    configs = [load(p) for p in paths]
    names = [c.name for c in configs]
    if len(set(names)) != len(names):
        raise IndexOpenError(f"--config: each configuration needs its own name ({names})")
    return configs


def comparisons(results: Any, configs: Sequence[BuildConfig], metric: str = "ndcg@10"
                ) -> list[dict[str, Any]]:
    """Each system under each configuration against the same system under the first one:
    a paired randomization test over the per-query `metric` (benchmarks.significance)."""
    import benchmarks

    if len(configs) < 2 or results is None:
        return []
    a = configs[0].name
    runs = {(r.dataset, r.system): r.run for r in results.systems}
    out = []
    for (ds_name, name), run in runs.items():
        cfg, _, system = name.partition("/")
        if cfg == a or (ds_name, f"{a}/{system}") not in runs:
            continue
        qrels = results.qrels[ds_name]
        pa = benchmarks.per_query(qrels, runs[(ds_name, f"{a}/{system}")], [metric])[metric]
        pb = benchmarks.per_query(qrels, run, [metric])[metric]
        test = benchmarks.randomization_test(pb, pa)
        out.append({"dataset": ds_name, "system": system, "a": a, "b": cfg, "metric": metric,
                    "a_value": round(test.mean_b, 4), "b_value": round(test.mean_a, 4),
                    "delta": round(test.delta, 4), "p_value": round(test.p_value, 4),
                    "queries": test.n_queries})
    return out


def format_comparisons(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    return [f"A/B {r['dataset']} {r['system']} {r['metric']}: {r['a']} {r['a_value']:.4f} → "
            f"{r['b']} {r['b_value']:.4f} (Δ {r['delta']:+.4f}, paired randomization p = "
            f"{r['p_value']:.4f}, {r['queries']} queries)" for r in rows]
