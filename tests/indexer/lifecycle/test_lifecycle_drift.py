"""`indexer diff` on real indexes: an unchanged rebuild passes the default gate; one
language's documents removed and a noisy encoder are flagged, each failed gate named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from indexer import Embedder, Index, ingest
from indexer.cli import main
from indexer.lifecycle import drift

SAMPLE = Path(__file__).resolve().parents[3] / "corpora" / "sample"


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


class NoisyEncoder(Embedder):
    """A corrupted encoder (the seeded fault): real passage vectors plus Gaussian noise."""

    def embed_passages(self, texts, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
        v = super().embed_passages(texts, *args, **kwargs)
        v = v + np.random.default_rng(len(v)).normal(0, 0.08, v.shape).astype(np.float32)
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def build(path: Path, corpus: Path, embedder: Embedder) -> Path:
    index = Index.create(path, embedder=embedder)
    ingest([corpus], path, index=index)
    index.close()
    return path


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory, embedder, e5_dir: Path  # noqa: ANN001
             ) -> dict[str, Path]:
    """old, an unchanged rebuild, one without Tamil, one from a noisy encoder (the
    embedding cache makes the rebuilds cheap: same text, same model)."""
    root = tmp_path_factory.mktemp("drift")
    corpus = root / "corpus"
    shutil.copytree(SAMPLE, corpus)
    out = {"old": build(root / "old", corpus, embedder),
           "same": build(root / "same", corpus, embedder),
           "noisy": build(root / "noisy", corpus, NoisyEncoder(str(e5_dir)))}
    no_ta = root / "corpus-no-ta"
    shutil.copytree(SAMPLE, no_ta)
    shutil.rmtree(no_ta / "ta")
    out["no_ta"] = build(root / "no-ta", no_ta, embedder)
    return out


def test_unchanged_rebuild_passes_the_default_gate(versions: dict[str, Path],
                                                   tmp_path: Path) -> None:
    code, out, err = cli("diff", str(versions["old"]), str(versions["same"]), "--gate",
                         "--out", str(tmp_path), "--json", "--queries", "golden")
    assert code == 0, err
    report = json.loads(out)
    d = report["documents"]
    assert d["old"] == d["new"] == d["unchanged"] == 47 and d["added"] == d["removed"] == 0
    assert all(e["matched_cosine"] == pytest.approx(1.0, abs=1e-5) and e["p_value"] > 0.5
               for e in report["embedding"].values())
    assert report["retrieval"]["overlap@10"] == 1.0 and not report["retrieval"][
        "top_hit_changed"]
    assert all(g["status"] == "pass" for g in report["gates"])
    assert (tmp_path / "drift.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (tmp_path / "drift.md").read_text()
    assert "Gates: GO" in md and "| ta |" in md
    assert json.loads((tmp_path / "drift.json").read_text())["documents"]["unchanged"] == 47


def test_a_removed_language_is_flagged(versions: dict[str, Path], tmp_path: Path) -> None:
    code, _, err = cli("diff", str(versions["old"]), str(versions["no_ta"]), "--gate",
                       "--out", str(tmp_path), "--queries", "golden")
    assert code == 1
    assert "gate fail: languages.lost = 1" in err
    assert "languages.share_change must be <= 0.05: ta" in err
    assert "retrieval.rbo must be >= 0.8: ta" in err
    report = json.loads((tmp_path / "drift.json").read_text())
    assert report["languages"]["lost"] == ["ta"]
    assert report["documents"]["removed_by_language"] == {"ta": 5}
    assert all(i.startswith("ta/") for i in report["documents"]["ids"]["removed"])
    changed = report["retrieval"]["top_hit_changed"]
    assert changed and all(c["old"] and c["new"] and c["old"]["doc_id"] != c["new"]["doc_id"]
                           for c in changed)
    assert any(c["old"]["doc_id"].startswith("ta/") for c in changed)
    assert "### Queries whose top hit changed" in (tmp_path / "drift.md").read_text()


def test_a_noisy_encoder_is_flagged(versions: dict[str, Path], tmp_path: Path) -> None:
    code, _, err = cli("diff", str(versions["old"]), str(versions["noisy"]), "--gate",
                       "--queries", "golden", "--out", str(tmp_path))
    report = json.loads((tmp_path / "drift.json").read_text())
    assert report["documents"]["changed"] == 0  # same documents: only the vectors moved
    assert report["retrieval"]["queries"] == 82 and "golden" in report["retrieval"]["source"]
    assert code == 1
    assert "embedding.matched_cosine must be >= 0.98" in err
    assert "embedding.significant_ks" in err


def test_two_generations_of_one_index(tmp_path: Path, embedder) -> None:  # noqa: ANN001
    """DIR@GEN against DIR; also through the library call."""
    root = tmp_path / "idx"
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE / "en", corpus / "en")
    index = Index.create(root, embedder=embedder)
    ingest([corpus], root, index=index)
    first = index.generation
    page = corpus / "en" / "hand-washing.md"
    page.write_text(page.read_text() + "\n\nAlso wash hands after touching animals.\n")
    (corpus / "en" / "new.md").write_text("# Mosquito nets\n\nSleep under a treated net.\n")
    ingest([corpus], root, index=index)
    code, out, err = cli("diff", f"{root}@{first}", str(root), "--json", "--no-retrieval")
    assert code == 0, err
    d = json.loads(out)["documents"]
    assert d["ids"]["added"] == ["en/new.md"] and d["ids"]["changed"] == ["en/hand-washing.md"]
    assert "retrieval" not in json.loads(out)
    report = drift.diff(f"{root}@{first}", root, retrieval=False)
    assert report["documents"]["added"] == 1 and report["old"]["generation"] == first


def test_bad_input_is_named(versions: dict[str, Path], tmp_path: Path) -> None:
    old, new = str(versions["old"]), str(versions["same"])
    code, _, err = cli("diff", old, new, "--queries", str(tmp_path / "nope.jsonl"))
    assert code == 1 and "not a file, a BEIR folder or a named set" in err
    bad = tmp_path / "bad.toml"
    bad.write_text('[[gate]]\nmetric = "languages.lost"\nmax = "zero"\n')
    code, _, err = cli("diff", old, new, "--gate", str(bad), "--no-retrieval")
    assert code == 1 and "needs a numeric min and/or max" in err
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('[[gate]]\nmetric = "no.such.value"\nmax = 1\n')
    code, _, err = cli("diff", old, new, "--gate", str(unknown), "--no-retrieval")
    assert code == 1 and "no.such.value: not in the report" in err
    code, _, err = cli("diff", old, f"{new}@7", "--no-retrieval")
    assert code == 1 and "no recorded generation gen-000007" in err
