"""TREC run and qrels files, so that trec_eval can re-score what we measured.

Run lines: ``qid Q0 docid rank score tag``; qrels lines: ``qid 0 docid grade``. Ranks are
written in trec_eval's own order (score desc, doc id desc; :mod:`benchmarks.ranking`),
so the rank column agrees with how trec_eval will re-sort the file. Ids must not contain
whitespace: the format is whitespace-separated.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from benchmarks.ranking import rank_documents
from benchmarks.types import Qrels, Run


class TrecFormatError(ValueError):
    """A TREC file line is malformed; the message names the file and line."""


def _check_id(kind: str, value: str) -> str:
    if not value or any(c.isspace() for c in value):
        raise ValueError(f"{kind} {value!r} is empty or contains whitespace; "
                         "TREC files cannot represent it")
    return value


def _lines(path: Path) -> Iterable[tuple[int, list[str]]]:
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            parts = line.split()
            if parts:
                yield n, parts


def write_run(run: Run, path: str | Path, tag: str = "indexer", depth: int | None = None) -> Path:
    """Write ``run`` as a TREC run file (queries sorted by id; ``depth`` cuts each list)."""
    path = Path(path)
    _check_id("tag", tag)
    with path.open("w", encoding="utf-8") as f:
        for qid in sorted(run):
            _check_id("query id", qid)
            ranked = rank_documents(run[qid])
            if depth is not None:
                ranked = ranked[:depth]
            for rank, did in enumerate(ranked, start=1):
                _check_id("document id", did)
                f.write(f"{qid} Q0 {did} {rank} {float(run[qid][did])!r} {tag}\n")
    return path


def read_run(path: str | Path) -> Run:
    """Read a TREC run file; the rank column is ignored (as trec_eval does)."""
    path = Path(path)
    run: Run = {}
    for n, parts in _lines(path):
        if len(parts) != 6:
            raise TrecFormatError(f"{path}:{n}: expected 6 fields "
                                  f"(qid Q0 docid rank score tag), got {len(parts)}")
        qid, _, did, _, score, _ = parts
        try:
            run.setdefault(qid, {})[did] = float(score)
        except ValueError:
            raise TrecFormatError(f"{path}:{n}: score {score!r} is not a number") from None
    return run


def write_qrels(qrels: Qrels, path: str | Path) -> Path:
    """Write ``qrels`` as a TREC qrels file (``qid 0 docid grade``)."""
    path = Path(path)
    with path.open("w", encoding="utf-8") as f:
        for qid in sorted(qrels):
            _check_id("query id", qid)
            for did in sorted(qrels[qid]):
                _check_id("document id", did)
                f.write(f"{qid} 0 {did} {int(qrels[qid][did])}\n")
    return path


def read_qrels(path: str | Path) -> Qrels:
    """Read a TREC qrels file (``qid iter docid grade``)."""
    path = Path(path)
    qrels: Qrels = {}
    for n, parts in _lines(path):
        if len(parts) != 4:
            raise TrecFormatError(f"{path}:{n}: expected 4 fields (qid 0 docid grade), "
                                  f"got {len(parts)}")
        qid, _, did, grade = parts
        try:
            qrels.setdefault(qid, {})[did] = int(grade)
        except ValueError:
            raise TrecFormatError(f"{path}:{n}: grade {grade!r} is not an integer") from None
    return qrels
