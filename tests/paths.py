"""Where tests find the project and the shared data: one home for both paths."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = ROOT / "tests" / "data"
SAMPLE = ROOT / "corpora" / "sample"
