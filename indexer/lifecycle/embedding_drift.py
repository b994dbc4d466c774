"""Embedding drift per language from stored vectors: centroid shift and a permutation test.

The statistic is the distance between the two centroids of unit vectors (a linear-kernel
MMD); its p-value comes from a permutation test (labels shuffled `permutations` times,
seeded), so it needs no distributional assumption. The effect size is `centroid_shift`,
the cosine distance between the centroids: with thousands of chunks any change is
"significant", so gates look at the size of the shift, and the p-value says it is real.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SAMPLE = 3000  # vectors per side and language (seeded sample): enough for the test
PERMUTATIONS = 199


def by_language(ids: np.ndarray, vectors: np.ndarray, langs: dict[int, str]
                ) -> dict[str, np.ndarray]:
    out: dict[str, list[int]] = {}
    for i, rowid in enumerate(ids.tolist()):
        out.setdefault(langs.get(rowid) or "unknown", []).append(i)
    return {lang: vectors[np.asarray(pos, dtype=np.int64)] for lang, pos in out.items()}


def _sample(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return x[rng.choice(len(x), SAMPLE, replace=False)] if len(x) > SAMPLE else x


def compare(a: np.ndarray, b: np.ndarray, *, seed: int = 0,
            permutations: int = PERMUTATIONS) -> dict[str, Any]:
    """Two sets of unit vectors (old, new) of one language."""
    if len(a) == 0 or len(b) == 0:
        return {"old": len(a), "new": len(b), "centroid_shift": None, "statistic": None,
                "p_value": None, "note": "absent on one side"}
    rng = np.random.default_rng(seed)
    a64, b64 = _sample(a, rng).astype(np.float64), _sample(b, rng).astype(np.float64)
    ca, cb = a64.mean(0), b64.mean(0)
    denom = float(np.linalg.norm(ca) * np.linalg.norm(cb))
    shift = 1.0 - float(ca @ cb) / denom if denom > 0 else 1.0
    stat = float(np.linalg.norm(ca - cb))
    pooled = np.vstack([a64, b64])
    total, n = pooled.sum(0), len(a64)
    exceed = 0
    for _ in range(permutations):
        pick = rng.choice(len(pooled), n, replace=False)
        sa = pooled[pick].sum(0)
        if np.linalg.norm(sa / n - (total - sa) / (len(pooled) - n)) >= stat - 1e-12:
            exceed += 1
    return {"old": len(a), "new": len(b), "centroid_shift": round(max(shift, 0.0), 6),
            "statistic": round(stat, 6), "p_value": round((exceed + 1) / (permutations + 1), 4),
            "test": f"permutation test of the centroid distance ({permutations} permutations, "
                    f"up to {SAMPLE} vectors a side)"}
