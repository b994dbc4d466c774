"""The cross-encoder CI gates: train it (or reuse the one trained from the same inputs) and
install it as `ce-multilingual`.

    python -m indexer.harness.ci_reranker [--shared ../shared/datasets] [--json]

No cross-encoder with weights can be downloaded here, so CI trains the project's own with
the README's recipe (`RECIPE`). Training takes ~12 minutes on a 2-core CPU (README); a model is
reused when its fingerprint is unchanged: the recipe, the training sets' contents, the base
model's checksum, the index's build settings and fusion weights, the passage text the model
reads, and the training code. Models live in `<cache>/rerankers/ce-<fingerprint>`; the models
directory's `reranker-ce-multilingual` becomes a link to the one in use (a real folder
found there is moved aside, never deleted). Without the training sets (a fresh clone has no
../shared) nothing is trained and the reranker gates report "skipped".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from indexer.defaults import DEFAULT_MODEL
from indexer.paths import SOURCE_ROOT, shared_datasets

ROOT = SOURCE_ROOT
TRAIN_SETS = ("mediqa-dev", "flores-xling")
# The recipe of the measured model (README, "Rerankers"): one home for it.
RECIPE = ("--max-train-queries", "320", "--max-train-queries", "flores-xling=64",
          "--epochs", "3", "--learning-rate", "1e-4", "--eval-every", "70",
          "--threads", "2", "--max-steps", "210", "--max-minutes", "40")
# The code that mines and trains; the index's build settings, fusion weights and feedback stand for
# the first stage that mines the negatives (docstrings elsewhere must not force a retrain).
CODE = ("rerankers/training.py", "rerankers/cross_encoder.py", "rerankers/base.py",
        "indexer/harness/rerank_train.py")


def fingerprint(train_dirs: Sequence[Path], base_checksum: str) -> str:
    """What the trained weights depend on."""
    import inspect

    import benchmarks
    from indexer.dense.feedback import DEFAULT_FEEDBACK
    from indexer.fusion import adaptive
    from indexer.harness.bench import build_settings
    from indexer.reranking.glue import passage_text

    h = hashlib.sha256()
    h.update(json.dumps({"recipe": RECIPE, "base": base_checksum, "index": build_settings(),
                         "fusion": [adaptive.DENSE_WEIGHT, adaptive.BM25_WEIGHT],
                         "feedback": DEFAULT_FEEDBACK.to_dict()},
                        sort_keys=True).encode())
    h.update(inspect.getsource(passage_text).encode())  # what the model reads
    for d in train_dirs:
        h.update(f"{d.name}:{benchmarks.fingerprint(d)}".encode())
    for name in CODE:
        path = ROOT / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for f in files:
            h.update(f.relative_to(ROOT).as_posix().encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def ensure(shared: Path, cache: Path | None = None, models_dir: Path | None = None,
           log: Any = print) -> dict[str, Any]:
    """Train or reuse, then install; returns what was done (for the CI log)."""
    from indexer import models
    from indexer.embedding.cache import default_cache_path
    from indexer.reranking.glue import trained_model_dir

    train_dirs = [shared / name for name in TRAIN_SETS]
    missing = [str(d) for d in train_dirs if not d.is_dir()]
    if missing:
        return {"status": "skipped", "reason": f"training sets absent: {', '.join(missing)}"}
    base = models.resolve(DEFAULT_MODEL, models_dir=models_dir)
    fp = fingerprint(train_dirs, models.model_checksum(base))
    store = (cache or default_cache_path().parent) / "rerankers"
    target = store / f"ce-{fp[:16]}"
    started = time.perf_counter()
    reused = (target / "config.json").is_file()
    if not reused:
        tmp = target.with_name(target.name + f".training-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.parent.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "indexer.cli", "rerankers", "train",
               *(a for d in train_dirs for a in ("--train", str(d))), "--out", str(tmp),
               *RECIPE]
        log("ci-reranker: training (" + " ".join(cmd[3:]) + ")")
        subprocess.run(cmd, check=True)
        (tmp / "fingerprint.txt").write_text(fp + "\n")
        tmp.rename(target)
    link = trained_model_dir(models_dir)
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.is_dir():
        aside = link.with_name(f"{link.name}.moved-{time.strftime('%Y%m%d%H%M%S')}")
        link.rename(aside)
        log(f"ci-reranker: moved the existing {link} aside to {aside}")
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target, target_is_directory=True)
    return {"status": "reused" if reused else "trained", "fingerprint": fp[:16],
            "model": str(target), "installed_as": str(link),
            "seconds": round(time.perf_counter() - started, 1)}


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=shared_datasets())
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    result = ensure(args.shared, log=lambda m: print(m, file=sys.stderr))
    print(json.dumps(result) if args.json else
          f"ci-reranker: {result['status']} " + " ".join(f"{k}={v}" for k, v in result.items()
                                                         if k != "status"))


if __name__ == "__main__":
    main()
