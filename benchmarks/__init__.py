"""Evaluation for retrieval benchmarks: datasets, metrics, significance, reports, gates.

Pure evaluation on plain data (runs, qrels, latencies); it imports nothing else of the
project. ``indexer bench`` runs the systems and hands the results here.

    >>> from benchmarks import evaluate
    >>> evaluate({"q": {"a": 1}}, {"q": {"a": 0.9, "b": 0.5}}, ["ndcg@10", "recall@1"])
    {'ndcg@10': 1.0, 'recall@1': 1.0}
"""

from benchmarks.datasets import (
    Dataset,
    DatasetError,
    fingerprint,
    load_beir,
    read_qrels_tsv,
    split_by_hash,
)
from benchmarks.gates import (
    Gate,
    GateFailure,
    GateFileError,
    GateResult,
    check_gates,
    evaluate_gates,
    load_gates,
    parse_gates,
)
from benchmarks.latency import LatencySummary, peak_memory_mb, summarize_latencies, timed
from benchmarks.metrics import (
    DEFAULT_METRICS,
    average_precision,
    evaluate,
    mean_scores,
    mrr,
    ndcg,
    parse_metric,
    per_query,
    precision,
    recall,
)
from benchmarks.ranking import rank_documents, ranks_of
from benchmarks.ranks import RankMovement, RerankAnalysis, rank_movement, rerank_analysis
from benchmarks.report import (
    SCHEMA_VERSION,
    build_report,
    load_report,
    render_markdown,
    write_report,
)
from benchmarks.results import BenchResults, SystemResult
from benchmarks.significance import (
    BootstrapResult,
    RandomizationResult,
    bootstrap_ci,
    holm,
    randomization_test,
)
from benchmarks.trec import read_qrels, read_run, write_qrels, write_run
from benchmarks.types import PerQuery, Qrels, Run

__all__ = [
    "DEFAULT_METRICS", "SCHEMA_VERSION", "BenchResults", "BootstrapResult", "Dataset",
    "DatasetError", "Gate", "GateFailure", "GateFileError", "GateResult", "LatencySummary",
    "PerQuery", "Qrels", "RandomizationResult", "RankMovement", "RerankAnalysis", "Run",
    "SystemResult", "average_precision", "bootstrap_ci", "build_report", "check_gates",
    "evaluate", "evaluate_gates", "fingerprint", "holm", "load_beir", "load_gates",
    "load_report", "mean_scores", "mrr", "ndcg", "parse_gates", "parse_metric",
    "peak_memory_mb", "per_query", "precision", "randomization_test", "rank_documents",
    "rank_movement", "ranks_of", "read_qrels", "read_qrels_tsv", "read_run", "recall",
    "render_markdown", "rerank_analysis", "split_by_hash", "summarize_latencies", "timed",
    "write_qrels", "write_report", "write_run",
]
