"""Quality gates: minimum (or maximum) values a report must meet, read from TOML.

Format (``benchmarks/gates.toml``)::

    [[gate]]
    dataset = "golden"          # dataset name in the report
    system = "hybrid"           # system name in the report
    metric = "ndcg@10"          # a report metric, or a dotted path into the system
                                # entry: "speed.qps", "speed.latency_ms.total.p95_ms",
                                # "rerank.uplift.ndcg@10.delta",
                                # "by_group.kind.typo.metrics.ndcg@10"
    min = 0.80                  # and/or max = ...
    lang = "hi"                 # optional: the per-language value (metrics only)
    optional = true             # optional: "skipped" instead of failing when the
                                # report marks the dataset skipped (e.g. ../shared absent)
    note = "why this number"    # optional, free text

A gate whose dataset, system, language or metric is absent from the report fails as
"not measured": a gate that cannot be checked must never pass silently.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Status = Literal["pass", "fail", "not measured", "skipped"]
_KEYS = {"dataset", "system", "metric", "min", "max", "lang", "optional", "note",
         "at_least_best_of", "tolerance", "margin"}
_EPS = 1e-12  # float noise must not flip a gate set at exactly the measured value


class GateFileError(ValueError):
    """The gates file is missing or malformed; the message names the file and gate."""


@dataclass(frozen=True)
class Gate:
    """One threshold on one (dataset, system, metric[, lang])."""

    dataset: str
    system: str
    metric: str
    min: float | None = None
    max: float | None = None
    lang: str | None = None
    optional: bool = False
    note: str | None = None
    # Relative gate: the value must reach the best of these systems minus `tolerance`
    # (e.g. "fusion never loses to the better single retriever").
    at_least_best_of: tuple[str, ...] = ()
    tolerance: float = 0.0
    # ... or the best of them plus `margin` (e.g. "reranking gains at least 0.03").
    margin: float = 0.0

    def label(self) -> str:
        lang = f" [{self.lang}]" if self.lang else ""
        return f"{self.dataset}/{self.system} {self.metric}{lang}"


@dataclass(frozen=True)
class GateResult:
    """Outcome of one gate; ``failed`` is true for "fail" and "not measured"."""

    gate: Gate
    status: Status
    value: float | None
    message: str

    @property
    def failed(self) -> bool:
        return self.status in ("fail", "not measured")


GateFailure = GateResult
"""What :func:`check_gates` returns (a GateResult whose ``failed`` is true)."""


def parse_gates(data: Mapping[str, Any], source: str = "<gates>") -> list[Gate]:
    """Gates from an already-parsed TOML document (``{"gate": [ {...}, ... ]}``)."""
    extra = set(data) - {"gate"}
    if extra:
        raise GateFileError(f"{source}: unknown top-level keys {sorted(extra)}; "
                            "expected only [[gate]] tables")
    raw = data.get("gate", [])
    if not isinstance(raw, list):
        raise GateFileError(f"{source}: 'gate' must be an array of tables ([[gate]])")
    gates = []
    for i, g in enumerate(raw, start=1):
        where = f"{source}: gate #{i}"
        if not isinstance(g, dict):
            raise GateFileError(f"{where}: expected a table")
        unknown = set(g) - _KEYS
        if unknown:
            raise GateFileError(f"{where}: unknown keys {sorted(unknown)}; "
                                f"allowed: {sorted(_KEYS)}")
        for key in ("dataset", "system", "metric"):
            if not isinstance(g.get(key), str) or not g[key]:
                raise GateFileError(f"{where}: {key!r} must be a non-empty string")
        if "min" not in g and "max" not in g and "at_least_best_of" not in g:
            raise GateFileError(f"{where} ({g['dataset']}/{g['system']} {g['metric']}): "
                                "needs 'min', 'max' or 'at_least_best_of'")
        best_of = g.get("at_least_best_of", [])
        if not isinstance(best_of, list) or not all(isinstance(x, str) for x in best_of):
            raise GateFileError(f"{where}: 'at_least_best_of' must be a list of system names")
        tol = g.get("tolerance", 0.0)
        if isinstance(tol, bool) or not isinstance(tol, int | float) or tol < 0:
            raise GateFileError(f"{where}: 'tolerance' must be a number >= 0")
        margin = g.get("margin", 0.0)
        if isinstance(margin, bool) or not isinstance(margin, int | float) or margin < 0:
            raise GateFileError(f"{where}: 'margin' must be a number >= 0")
        if margin and tol:
            raise GateFileError(f"{where}: give 'margin' or 'tolerance', not both")
        for key in ("min", "max"):
            if key in g and (isinstance(g[key], bool) or not isinstance(g[key], int | float)):
                raise GateFileError(f"{where}: {key!r} must be a number")
        if "lang" in g and not isinstance(g["lang"], str):
            raise GateFileError(f"{where}: 'lang' must be a string")
        if "optional" in g and not isinstance(g["optional"], bool):
            raise GateFileError(f"{where}: 'optional' must be true or false")
        gates.append(Gate(
            dataset=g["dataset"], system=g["system"], metric=g["metric"],
            min=float(g["min"]) if "min" in g else None,
            max=float(g["max"]) if "max" in g else None,
            lang=g.get("lang"), optional=g.get("optional", False), note=g.get("note"),
            at_least_best_of=tuple(best_of), tolerance=float(tol), margin=float(margin),
        ))
    return gates


def load_gates(path: str | Path) -> list[Gate]:
    """Read a gates TOML file."""
    p = Path(path)
    if not p.is_file():
        raise GateFileError(f"gates file not found: {p}")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise GateFileError(f"{p}: invalid TOML ({e})") from None
    return parse_gates(data, str(p))


def _lookup(entry: Mapping[str, Any], gate: Gate) -> tuple[Any, str | None]:
    """(value, None) or (None, reason it is not measured)."""
    if gate.lang is not None:
        by_lang = entry.get("by_lang") or {}
        if gate.lang not in by_lang:
            return None, f"no queries in language {gate.lang!r} (have {sorted(by_lang)})"
        node: Any = by_lang[gate.lang].get("metrics", {})
        if gate.metric not in node:
            return None, f"metric {gate.metric!r} not measured for language {gate.lang!r}"
        return node[gate.metric], None
    metrics = entry.get("metrics") or {}
    if gate.metric in metrics:
        return metrics[gate.metric], None
    if "." not in gate.metric:
        return None, f"metric {gate.metric!r} not in report (have {sorted(metrics)})"
    node = entry
    for part in gate.metric.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None, f"{gate.metric!r} not in report (no {part!r})"
        node = node[part]
    return node, None


def evaluate_gate(report: Mapping[str, Any], gate: Gate) -> GateResult:
    """Check one gate against a report dict (as built by ``build_report``)."""
    label = gate.label()
    ds = (report.get("datasets") or {}).get(gate.dataset)
    if ds is None:
        return GateResult(gate, "not measured", None,
                          f"NOT MEASURED {label}: dataset {gate.dataset!r} not in report")
    if ds.get("status") == "skipped":
        reason = ds.get("skip_reason") or "no reason given"
        if gate.optional:
            return GateResult(gate, "skipped", None,
                              f"SKIPPED {label}: dataset skipped ({reason})")
        return GateResult(gate, "not measured", None,
                          f"NOT MEASURED {label}: dataset skipped ({reason}) "
                          "and the gate is not optional")
    systems = ds.get("systems") or {}
    if gate.system not in systems:
        return GateResult(gate, "not measured", None,
                          f"NOT MEASURED {label}: system {gate.system!r} not in report "
                          f"(have {sorted(systems)})")
    value, why = _lookup(systems[gate.system], gate)
    if why is None and (value is None or isinstance(value, bool)
                        or not isinstance(value, int | float)):
        why = f"value {value!r} is not a number"
    if why is not None:
        return GateResult(gate, "not measured", None, f"NOT MEASURED {label}: {why}")
    v = float(value)
    if gate.at_least_best_of:
        others = {}
        for name in gate.at_least_best_of:
            if name not in systems:
                return GateResult(gate, "not measured", None, f"NOT MEASURED {label}: "
                                  f"comparison system {name!r} not in report")
            other, why = _lookup(systems[name], gate)
            if why is not None or not isinstance(other, int | float):
                return GateResult(gate, "not measured", None,
                                  f"NOT MEASURED {label}: {name}: {why}")
            others[name] = float(other)
        best = max(others, key=lambda n: others[n])
        floor = others[best] - gate.tolerance + gate.margin
        rule = f"+ {gate.margin}" if gate.margin else f"- {gate.tolerance}"
        if v < floor - _EPS:
            return GateResult(gate, "fail", v, f"FAIL {label}: {v:.4f} < best of "
                              f"{best} {others[best]:.4f} {rule}")
        if gate.min is None and gate.max is None:
            return GateResult(gate, "pass", v, f"PASS {label}: {v:.4f} (>= {best} "
                              f"{others[best]:.4f} {rule})")
    if gate.min is not None and v < gate.min - _EPS:
        return GateResult(gate, "fail", v, f"FAIL {label}: {v:.4f} < min {gate.min:.4f}")
    if gate.max is not None and v > gate.max + _EPS:
        return GateResult(gate, "fail", v, f"FAIL {label}: {v:.4f} > max {gate.max:.4f}")
    bounds = " ".join(f"{k} {b:.4f}" for k, b in (("min", gate.min), ("max", gate.max))
                      if b is not None)
    return GateResult(gate, "pass", v, f"PASS {label}: {v:.4f} ({bounds})")


def evaluate_gates(report: Mapping[str, Any],
                   gates: Iterable[Gate] | str | Path) -> list[GateResult]:
    """Every gate's outcome (pass, fail, not measured, skipped), in file order."""
    if isinstance(gates, str | Path):
        gates = load_gates(gates)
    return [evaluate_gate(report, g) for g in gates]


def check_gates(report: Mapping[str, Any],
                gates: Iterable[Gate] | str | Path) -> list[GateFailure]:
    """Only the failing gates ("fail" or "not measured"); empty means the report passes.

    ``gates`` is a list of :class:`Gate` or the path of a gates TOML file.
    """
    return [r for r in evaluate_gates(report, gates) if r.failed]
