"""Go/no-go thresholds on a drift report, from TOML (default `benchmarks/drift_gates.toml`).

    [[gate]]
    metric = "documents.removed_fraction"   # a key of the report's gate_values
    max = 0.05                              # and/or min = ...
    note = "why"                            # optional

A metric that is a {language: value} map is judged per language, and each failing language
is named. A gate whose metric the report lacks fails as "not measured": a gate that cannot
be checked never passes silently.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.errors import IndexOpenError

DEFAULT = Path(__file__).resolve().parents[2] / "benchmarks" / "drift_gates.toml"
_KEYS = {"metric", "min", "max", "note"}
_EPS = 1e-12


@dataclass(frozen=True)
class DriftGate:
    metric: str
    min: float | None = None
    max: float | None = None
    note: str | None = None

    def bound(self) -> str:
        parts = ([f">= {self.min}"] if self.min is not None else []) + \
            ([f"<= {self.max}"] if self.max is not None else [])
        return " and ".join(parts)


@dataclass(frozen=True)
class DriftGateResult:
    gate: DriftGate
    status: str  # pass | fail | not measured
    message: str

    @property
    def failed(self) -> bool:
        return self.status != "pass"

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.gate.metric, "min": self.gate.min, "max": self.gate.max,
                "status": self.status, "message": self.message}


def load(path: str | Path | None = None) -> list[DriftGate]:
    path = Path(path) if path is not None else DEFAULT
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexOpenError(f"{path}: no such drift gates file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise IndexOpenError(f"{path}: not valid TOML ({exc})") from None
    gates = []
    for n, raw in enumerate(data.get("gate") or [], start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("metric"), str):
            raise IndexOpenError(f"{path}: gate {n} needs a 'metric'")
        unknown = set(raw) - _KEYS
        if unknown:
            raise IndexOpenError(f"{path}: gate {n} ({raw['metric']}): unknown key(s) "
                                 f"{', '.join(sorted(unknown))}")
        bounds = [raw.get(k) for k in ("min", "max")]
        if all(b is None for b in bounds) or not all(
                b is None or (isinstance(b, (int, float)) and not isinstance(b, bool))
                for b in bounds):
            raise IndexOpenError(f"{path}: gate {n} ({raw['metric']}) needs a numeric "
                                 "min and/or max")
        gates.append(DriftGate(raw["metric"], raw.get("min"), raw.get("max"), raw.get("note")))
    if not gates:
        raise IndexOpenError(f"{path}: no [[gate]] entries")
    return gates


def _ok(gate: DriftGate, value: float) -> bool:
    return (gate.min is None or value >= gate.min - _EPS) and \
        (gate.max is None or value <= gate.max + _EPS)


def evaluate(report: Mapping[str, Any], gates: list[DriftGate]) -> list[DriftGateResult]:
    values = report.get("gate_values") or {}
    out = []
    for g in gates:
        if g.metric not in values or values[g.metric] is None:
            out.append(DriftGateResult(g, "not measured", f"{g.metric}: not in the report"))
            continue
        v = values[g.metric]
        if isinstance(v, Mapping):
            bad = {k: x for k, x in v.items() if x is not None and not _ok(g, float(x))}
            if bad:
                named = ", ".join(f"{k} {x}" for k, x in sorted(bad.items()))
                out.append(DriftGateResult(g, "fail", f"{g.metric} must be {g.bound()}: "
                                                      f"{named}"))
            else:
                out.append(DriftGateResult(g, "pass", f"{g.metric} {g.bound()} for all "
                                                      f"{len(v)} languages"))
        elif _ok(g, float(v)):
            out.append(DriftGateResult(g, "pass", f"{g.metric} = {v} ({g.bound()})"))
        else:
            out.append(DriftGateResult(g, "fail", f"{g.metric} = {v}, must be {g.bound()}"))
    return out
