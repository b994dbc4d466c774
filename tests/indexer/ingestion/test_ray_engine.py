"""The Ray Data engine (issue 17): the same index as a local ingest, from a real local Ray
(one per test session, 2 CPUs), the real default model and the bundled sample corpus."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT

SAMPLE = ROOT / "corpora" / "sample"


@pytest.fixture(scope="session")
def ray_local():  # noqa: ANN201
    """One local Ray for the session: 2 CPUs, 127.0.0.1 only, no dashboard."""
    ray = pytest.importorskip("ray", reason="Ray is an extra: pip install 'indexer[ray]'")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
             log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def ray_ingest(tmp_path_factory: pytest.TempPathFactory, ray_local, e5_dir: Path):  # noqa: ANN001, ANN201
    """The sample corpus plus one corrupt PDF, ingested on Ray (two generations)."""
    from indexer.ingestion.ray_engine import ingest_ray

    base = tmp_path_factory.mktemp("ray")
    corpus = base / "sample"
    shutil.copytree(SAMPLE, corpus)
    (corpus / "en" / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<\n garbage, no xref\n")
    path = base / "index"
    report = ingest_ray([corpus], path, model=str(e5_dir), commit_every=30)
    return path, report


def _chunk_ids(index_dir: Path) -> list[str]:
    from indexer.storage.manifest import read_manifest

    gen = index_dir / read_manifest(index_dir)["generation_dir"]
    db = sqlite3.connect(gen / "store.sqlite")
    try:
        return [r for (r,) in db.execute("SELECT id FROM chunks ORDER BY rowid")]
    finally:
        db.close()


def test_same_index_as_local(ray_ingest, sample_index: Path) -> None:  # noqa: ANN001
    from indexer.harness.ray_compare import compare

    path, report = ray_ingest
    assert _chunk_ids(path) == _chunk_ids(sample_index)  # same ids, same order
    found = compare(sample_index, path)
    assert found["same_counts"] and found["same_document_ids"], found["counts"]
    assert found["counts"]["other"]["chunks"] == 186  # what the sample chunks into
    assert found["min_chunk_cosine"] >= 0.9999
    assert found["min_document_cosine"] >= 0.9999
    # every vector came from the actor pool: the driver embedded nothing
    assert report.ray["embedded_on_driver"] == 0
    assert report.ray["vectors_from_cluster"] == report.index.embedded > 186
    assert report.index.generations == 2  # 47 documents, 30 per commit


def test_corrupt_file_reported_rest_ingested(ray_ingest) -> None:  # noqa: ANN001
    path, report = ray_ingest
    failed = [f for f in report.files if f.status == "failed"]
    assert [Path(f.path).name for f in failed] == ["broken.pdf"]
    assert failed[0].reason
    assert report.count("loaded") == 47
    data = report.to_dict()
    assert data["engine"] == "ray" and data["failed"] == 1
    assert not (path / ".ray-shards").exists()  # shards are gone once committed


def test_indexer_check_passes(ray_ingest) -> None:  # noqa: ANN001
    from click.testing import CliRunner

    from indexer.cli import main

    path, _ = ray_ingest
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0, result.output


def test_cli_rerun_finds_everything_unchanged(ray_ingest, e5_dir: Path) -> None:  # noqa: ANN001
    """`indexer ingest --engine ray` again: every file is found unchanged, nothing embedded."""
    from click.testing import CliRunner

    from indexer.cli import main

    path, first = ray_ingest
    corpus = Path(first.files[0].path).parents[1]
    result = CliRunner().invoke(main, ["ingest", str(corpus), "--index", str(path),
                                       "--model", str(e5_dir), "--engine", "ray", "--json"])
    assert result.exit_code == 0, result.output  # a failed file is reported, as locally
    data = json.loads(result.stdout)
    assert data["engine"] == "ray" and data["unchanged"] == 47 and data["failed"] == 1
    assert data["index"]["generations"] == 0 and data["index"]["embedded"] == 0


def test_without_ray_the_error_names_the_extra(tmp_path: Path) -> None:
    """Ray hidden from the interpreter: `--engine ray` fails before touching the index."""
    code = ("import sys; sys.modules['ray'] = None; from indexer.cli import main; "
            "main(['ingest', sys.argv[1], '--index', sys.argv[2], '--engine', 'ray'])")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code, str(SAMPLE), str(tmp_path / "idx")],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "indexer[ray]" in proc.stderr
    assert not (tmp_path / "idx").exists()


def test_nothing_loadable_leaves_no_index(tmp_path: Path, ray_local, e5_dir: Path) -> None:  # noqa: ANN001
    from indexer.ingestion.pipeline import IngestError
    from indexer.ingestion.ray_engine import ingest_ray

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(IngestError, match="broken.pdf"):
        ingest_ray([corpus], tmp_path / "index", model=str(e5_dir))
    assert not (tmp_path / "index").exists()


def test_actor_pool_leaves_a_cpu_for_tasks() -> None:
    from indexer.ingestion.ray_cluster import plan_actors

    two = plan_actors({"CPU": 2.0})
    assert (two.max_actors, two.num_cpus, two.num_gpus) == (1, 1.0, 0.0)
    big = plan_actors({"CPU": 16.0})
    assert big.max_actors * big.num_cpus <= 15 and big.num_cpus == 4.0
    one = plan_actors({"CPU": 1.0})
    assert one.num_cpus + one.task_cpus <= 1.0
    gpus = plan_actors({"CPU": 8.0, "GPU": 2.0})
    assert (gpus.max_actors, gpus.num_gpus) == (2, 1.0)
