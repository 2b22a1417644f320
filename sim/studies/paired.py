"""Paired differences of two runs on common random numbers, replicate by replicate.

- P(ceasefire), P(in force at horizon): mean of the paired difference of the 0/1
  indicators, normal-approximation interval (mean ± z·sd/√n).
- terms per issue, over the replicates where both runs reached a ceasefire: the mean
  paired difference (normal interval) and the median paired difference with the
  distribution-free order-statistic interval (ranks n/2 ± z·√n/2).
- median days to ceasefire: percentile bootstrap of the paired replicates (resampled
  jointly), ``BOOTSTRAP`` resamples from a Generator seeded by the seed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import UsageError
from ..io.limits import BOOTSTRAP_BLOCK
from ..output.results import Results
from ..output.stats import fast_median
from .precision import Z95

__all__ = ["BOOTSTRAP", "LEVEL", "normal_diff", "paired_differences"]

BOOTSTRAP = 1000  # resamples for the median-time interval
LEVEL = 0.95


def normal_diff(d: np.ndarray) -> dict[str, float | None]:
    n = len(d)
    if n == 0:
        return {"diff": None, "ci_low": None, "ci_high": None, "n": 0}
    mean = float(d.mean())
    if n < 2:
        return {"diff": mean, "ci_low": None, "ci_high": None, "n": n}
    se = float(d.std(ddof=1)) / math.sqrt(n)
    return {"diff": mean, "ci_low": mean - Z95 * se, "ci_high": mean + Z95 * se, "n": n}


def median_diff(d: np.ndarray) -> dict[str, float | None]:
    """Median of the paired differences with its order-statistic 95% interval."""
    n = len(d)
    if n == 0:
        return {"diff": None, "ci_low": None, "ci_high": None, "n": 0}
    s = np.sort(d)
    med = float(np.median(s))
    half = Z95 * math.sqrt(n) / 2
    j, k = math.floor(n / 2 - half), math.ceil(n / 2 + half)
    if j < 1 or k > n:
        return {"diff": med, "ci_low": None, "ci_high": None, "n": n}
    return {"diff": med, "ci_low": float(s[j - 1]), "ci_high": float(s[k - 1]), "n": n}


def _flags(r: Results, col: str) -> np.ndarray:
    return r.ceasefire_flags() if col == "ceasefire" else r.flag(col)


def paired_differences(a: Results, b: Results, seed: int = 0) -> dict[str, Any]:
    """Differences b − a replicate by replicate (both runs must share seed and replicates)."""
    if a.n != b.n:
        raise UsageError(f"paired comparison needs equal replicate counts (got {a.n} and {b.n})")
    out: dict[str, Any] = {}
    for key, col in (
        ("p_ceasefire", "ceasefire"),
        ("p_in_force_at_horizon", "in_force_at_horizon"),
    ):
        out[key] = normal_diff(_flags(b, col).astype(float) - _flags(a, col).astype(float))
    both = a.ceasefire_flags() & b.ceasefire_flags()
    means, medians = {}, {}
    for issue in a.issues():
        col = f"terms.{issue}"
        if a.has(col) and b.has(col):
            d = (np.asarray(b.column(col), float) - np.asarray(a.column(col), float))[both]
            d = d[~np.isnan(d)]
            means[issue], medians[issue] = normal_diff(d), median_diff(d)
    out["terms_mean"] = means
    out["terms_median"] = medians
    out["median_days"] = _median_days_diff(a, b, seed)
    return out


def _median_days_diff(a: Results, b: Results, seed: int) -> dict[str, float | None]:
    da = np.asarray(a.column("ceasefire_day"), float)
    db = np.asarray(b.column("ceasefire_day"), float)
    ma, mb = fast_median(da), fast_median(db)
    diff = None if ma is None or mb is None else mb - ma
    if diff is None:
        return {"diff": None, "ci_low": None, "ci_high": None, "n": len(da)}
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0xB007,)))
    n = len(da)
    ta_all = np.where(np.isnan(da), np.inf, da)
    tb_all = np.where(np.isnan(db), np.inf, db)
    k = math.ceil(n / 2) - 1
    boot = np.empty(BOOTSTRAP)
    step = max(1, BOOTSTRAP_BLOCK // max(n, 1))  # resamples per block: memory stays flat
    for start in range(0, BOOTSTRAP, step):
        idx = rng.integers(0, n, size=(min(step, BOOTSTRAP - start), n))
        ta = np.partition(ta_all[idx], k, axis=1)[:, k]
        tb = np.partition(tb_all[idx], k, axis=1)[:, k]
        with np.errstate(invalid="ignore"):
            boot[start : start + len(idx)] = tb - ta  # inf − inf → nan: not reached in both
    ok = np.isfinite(boot)
    if ok.mean() < 0.975:  # too many resamples without a median: no interval
        return {"diff": diff, "ci_low": None, "ci_high": None, "n": n}
    lo, hi = np.quantile(boot[ok], [(1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2])
    return {"diff": diff, "ci_low": float(lo), "ci_high": float(hi), "n": n}
