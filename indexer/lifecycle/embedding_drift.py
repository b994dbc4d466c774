"""Embedding drift per language, from stored vectors only.

- `centroid_shift`: cosine distance between the two centroids (a topic-mix or model shift);
- a two-sample Kolmogorov-Smirnov test on each vector's cosine to the old centroid, with
  its p-value: it sees a moved mean and a changed spread alike (a noisy encoder scatters
  vectors away from the centroid without moving it much);
- `matched_cosine`: for chunks present in both versions (same chunk id, i.e. same text and
  place), the mean cosine between their old and new vectors: 1.0 when the encoder is the
  same, lower when the same text now gets other vectors.
With thousands of chunks any change is "significant", so gates judge the effect sizes, and
the p-value says whether the change is real.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy import stats

SAMPLE = 5000  # vectors per side and language for the KS test (seeded sample)


def by_language(keys: list[str], vectors: np.ndarray, langs: list[str]
                ) -> dict[str, tuple[list[str], np.ndarray]]:
    """language → (chunk ids, their vectors)."""
    pos: dict[str, list[int]] = {}
    for i, lang in enumerate(langs):
        pos.setdefault(lang, []).append(i)
    return {lang: ([keys[i] for i in p], vectors[np.asarray(p, dtype=np.int64)])
            for lang, p in pos.items()}


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x)
    return x / n if n > 0 else x


def compare(a: tuple[list[str], np.ndarray], b: tuple[list[str], np.ndarray], *,
            seed: int = 0) -> dict[str, Any]:
    """Old and new (chunk ids, unit vectors) of one language."""
    (ka, va), (kb, vb) = a, b
    if len(va) == 0 or len(vb) == 0:
        return {"old": len(va), "new": len(vb), "centroid_shift": None, "ks_statistic": None,
                "p_value": None, "matched": 0, "matched_cosine": None,
                "note": "absent on one side"}
    rng = np.random.default_rng(seed)
    ca, cb = _unit(va.astype(np.float64).mean(0)), _unit(vb.astype(np.float64).mean(0))
    shift = max(1.0 - float(ca @ cb), 0.0)
    sa = va[rng.choice(len(va), SAMPLE, replace=False)] if len(va) > SAMPLE else va
    sb = vb[rng.choice(len(vb), SAMPLE, replace=False)] if len(vb) > SAMPLE else vb
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ks = stats.ks_2samp(sa.astype(np.float64) @ ca, sb.astype(np.float64) @ ca)
    where_b = {k: i for i, k in enumerate(kb)}
    pairs = [(i, where_b[k]) for i, k in enumerate(ka) if k in where_b]
    matched = None
    if pairs:
        ia, ib = (np.asarray(x, dtype=np.int64) for x in zip(*pairs, strict=True))
        matched = float(np.mean(np.sum(va[ia] * vb[ib], axis=1)))
    return {"old": len(va), "new": len(vb), "centroid_shift": round(shift, 6),
            "ks_statistic": round(float(ks.statistic), 4),
            "p_value": float(f"{ks.pvalue:.4g}"), "matched": len(pairs),
            "matched_cosine": None if matched is None else round(matched, 6),
            "test": "two-sample KS on cosine to the old centroid"
                    + (f" (seeded samples of {SAMPLE})" if max(len(va), len(vb)) > SAMPLE
                       else "")}
