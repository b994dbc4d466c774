"""Quality gates: pass, fail, not measured, skipped; the TOML format and the shipped file."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import Gate, GateFileError, check_gates, evaluate_gates, load_gates
from tests.paths import ROOT

GATES_TOML = ROOT / "benchmarks" / "gates.toml"

REPORT = {
    "datasets": {
        "golden": {
            "status": "ok",
            "systems": {
                "hybrid": {
                    "metrics": {"ndcg@10": 0.82, "recall@10": 0.9},
                    "by_lang": {"hi": {"n_queries": 5, "metrics": {"ndcg@10": 0.71}}},
                    "by_group": {"kind": {"typo": {"metrics": {"ndcg@10": 0.6}}}},
                    "speed": {"qps": 120.0, "latency_ms": {"total": {"p95_ms": 35.0}}},
                },
            },
        },
        "mediqa-dev": {"status": "skipped", "skip_reason": "../shared missing", "systems": {}},
    },
}


def one(gate: Gate):
    [result] = evaluate_gates(REPORT, [gate])
    return result


def test_pass_and_fail() -> None:
    ok = one(Gate("golden", "hybrid", "ndcg@10", min=0.80))
    assert ok.status == "pass" and not ok.failed and ok.value == 0.82
    assert one(Gate("golden", "hybrid", "ndcg@10", min=0.82)).status == "pass"  # boundary
    bad = one(Gate("golden", "hybrid", "ndcg@10", min=0.75, lang="hi"))
    assert bad.status == "fail" and bad.failed
    assert bad.message == "FAIL golden/hybrid ndcg@10 [hi]: 0.7100 < min 0.7500"
    slow = one(Gate("golden", "hybrid", "speed.latency_ms.total.p95_ms", max=30.0))
    assert slow.status == "fail" and "35.0000 > max 30.0000" in slow.message
    assert one(Gate("golden", "hybrid", "speed.qps", min=100)).status == "pass"
    typo = one(Gate("golden", "hybrid", "by_group.kind.typo.metrics.ndcg@10", min=0.65))
    assert typo.status == "fail" and typo.value == 0.6


@pytest.mark.parametrize(("gate", "why"), [
    (Gate("adversarial", "hybrid", "ndcg@10", min=0.5), "dataset 'adversarial' not in report"),
    (Gate("golden", "dense", "ndcg@10", min=0.5), "system 'dense' not in report"),
    (Gate("golden", "hybrid", "mrr@10", min=0.5), "metric 'mrr@10' not in report"),
    (Gate("golden", "hybrid", "ndcg@10", min=0.5, lang="ta"), "no queries in language 'ta'"),
    (Gate("golden", "hybrid", "speed.build_seconds", max=5), "no 'build_seconds'"),
    (Gate("mediqa-dev", "hybrid", "ndcg@10", min=0.5), "dataset skipped (../shared missing)"),
    (Gate("adversarial", "hybrid", "ndcg@10", min=0.5, optional=True), "not in report"),
])
def test_not_measured_fails(gate: Gate, why: str) -> None:
    r = one(gate)
    assert r.status == "not measured" and r.failed
    assert r.message.startswith(f"NOT MEASURED {gate.dataset}/{gate.system} {gate.metric}")
    assert why in r.message


def test_optional_gate_on_skipped_dataset_is_skipped() -> None:
    r = one(Gate("mediqa-dev", "hybrid", "ndcg@10", min=0.5, optional=True))
    assert r.status == "skipped" and not r.failed
    assert r.message == "SKIPPED mediqa-dev/hybrid ndcg@10: dataset skipped (../shared missing)"


def test_check_gates_from_file(tmp_path: Path) -> None:
    path = tmp_path / "gates.toml"
    path.write_text(
        '[[gate]]\ndataset = "golden"\nsystem = "hybrid"\nmetric = "ndcg@10"\nmin = 0.8\n'
        '[[gate]]\ndataset = "golden"\nsystem = "hybrid"\nmetric = "ndcg@10"\nlang = "hi"\n'
        'min = 0.8\nnote = "Hindi must not lag"\n'
        '[[gate]]\ndataset = "mediqa-dev"\nsystem = "hybrid"\nmetric = "ndcg@10"\n'
        'min = 0.3\noptional = true\n', encoding="utf-8")
    gates = load_gates(path)
    assert gates[1].note == "Hindi must not lag"
    failures = check_gates(REPORT, path)
    assert [f.gate.lang for f in failures] == ["hi"]
    assert [r.status for r in evaluate_gates(REPORT, gates)] == ["pass", "fail", "skipped"]


@pytest.mark.parametrize(("text", "message"), [
    ("[[gate]]\ndataset = 'g'\nsystem = 's'\nmetric = 'm'\n", "needs 'min', 'max' or 'at_least_best_of'"),
    ("[[gate]]\ndataset = 'g'\nsystem = 's'\nmetric = 'm'\nmin = 1\nminimum = 2\n",
     "unknown keys ['minimum']"),
    ("[[gate]]\ndataset = 'g'\nsystem = 's'\nmin = 1\n", "'metric' must be a non-empty"),
    ("[[gate]]\ndataset = 'g'\nsystem = 's'\nmetric = 'm'\nmin = '0.8'\n", "must be a number"),
    ("[[gate]]\ndataset = 'g'\nsystem = 's'\nmetric = 'm'\nmin = 1\noptional = 'yes'\n",
     "'optional' must be true or false"),
    ("[gates]\nx = 1\n", "unknown top-level keys"),
    ("[[gate]\n", "invalid TOML"),
])
def test_malformed_gate_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "g.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GateFileError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load_gates(path)
    with pytest.raises(GateFileError, match="not found"):
        load_gates(tmp_path / "missing.toml")


def test_shipped_gates_file_parses() -> None:
    gates = load_gates(GATES_TOML)
    assert gates and all(g.min is not None or g.max is not None or g.at_least_best_of
                         for g in gates)
    # Real thresholds: none is a placeholder that cannot fail.
    assert all(g.min is None or g.min > 0.3 for g in gates if "ndcg" in g.metric)
    shared = {"mediqa-dev", "xquad-hi", "xquad-en", "flores-xling"}
    assert all(g.optional for g in gates if g.dataset in shared)


def test_relative_gate_against_the_best_single_system() -> None:
    from benchmarks.gates import evaluate_gate, parse_gates

    report = {"datasets": {"d": {"status": "ok", "systems": {
        "bm25": {"metrics": {"ndcg@10": 0.50}},
        "dense": {"metrics": {"ndcg@10": 0.70}},
        "hybrid": {"metrics": {"ndcg@10": 0.697}}}}}}
    gate = parse_gates({"gate": [{"dataset": "d", "system": "hybrid", "metric": "ndcg@10",
                                  "at_least_best_of": ["bm25", "dense"],
                                  "tolerance": 0.005}]})[0]
    assert evaluate_gate(report, gate).status == "pass"
    report["datasets"]["d"]["systems"]["hybrid"]["metrics"]["ndcg@10"] = 0.69
    result = evaluate_gate(report, gate)
    assert result.status == "fail" and "dense" in result.message
    del report["datasets"]["d"]["systems"]["dense"]
    assert evaluate_gate(report, gate).status == "not measured"


def test_margin_gate_demands_a_gain() -> None:
    from benchmarks.gates import evaluate_gate, parse_gates

    report = {"datasets": {"d": {"status": "ok", "systems": {
        "hybrid": {"metrics": {"ndcg@10": 0.50}},
        "hybrid+rerank:ce": {"metrics": {"ndcg@10": 0.531}}}}}}
    gate = parse_gates({"gate": [{"dataset": "d", "system": "hybrid+rerank:ce",
                                  "metric": "ndcg@10", "at_least_best_of": ["hybrid"],
                                  "margin": 0.03}]})[0]
    assert evaluate_gate(report, gate).status == "pass"
    report["datasets"]["d"]["systems"]["hybrid+rerank:ce"]["metrics"]["ndcg@10"] = 0.52
    result = evaluate_gate(report, gate)
    assert result.status == "fail" and "+ 0.03" in result.message
    with pytest.raises(GateFileError, match="not both"):
        parse_gates({"gate": [{"dataset": "d", "system": "s", "metric": "m",
                               "at_least_best_of": ["x"], "margin": 0.1, "tolerance": 0.1}]})
