"""Proper scores of a forecast of the first ceasefire's day against the record.

A forecast is the cumulative probability F(d) that the first ceasefire is in force by day d of
the horizon (d = 0..H-1), from weighted replicates or a base rate. Scored alike: the Brier and
log score of P(ceasefire by the horizon); the CRPS in days, sum over d of
(F(d) - 1[realised day <= d])^2; the mid-PIT of the realised day; whether it falls in the central
50, 80 and 95% intervals ("none by the horizon" is the distribution's upper end).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..model.mechanisms.durations import COW_MEDIAN_DAYS

LEVELS = (0.5, 0.8, 0.95)
FINITE_LOG = 1e-4  # log scores use probabilities clipped to [1e-4, 1 - 1e-4]


def crps_days(cdf: np.ndarray, realised: int | None) -> float:
    """sum_d (F(d) - 1[realised <= d])^2 over the days 0..H-1 of the horizon."""
    days = np.arange(len(cdf))
    outcome = np.zeros(len(cdf)) if realised is None else (days >= realised).astype(float)
    return float(np.sum((cdf - outcome) ** 2))


def forecast_cdf(
    first_days: np.ndarray, horizon_days: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """F(d) = (weighted) share of replicates whose first ceasefire came by day d, d = 0..H-1."""
    w = np.ones(len(first_days)) if weights is None else np.asarray(weights, dtype=float)
    d = np.where(np.isnan(first_days), np.inf, first_days)
    fin = np.isfinite(d)
    counts = np.bincount(d[fin].astype(np.int64), weights=w[fin], minlength=horizon_days)
    return np.asarray(np.cumsum(counts[:horizon_days]) / np.sum(w))


def base_rate_cdf(horizon_days: int, median_days: float = COW_MEDIAN_DAYS) -> np.ndarray:
    """A constant hazard with the given median: F(d) = 1 - 2^(-(d + 1) / median)."""
    d = np.arange(horizon_days)
    return np.asarray(1.0 - np.power(2.0, -(d + 1) / median_days))


def covered(
    first_days: np.ndarray, realised: int | None, level: float, weights: np.ndarray | None = None
) -> bool:
    """Is the realised day inside the forecast's central ``level`` interval? (no ceasefire by
    the horizon is +inf: the distribution's upper end; quantiles by the inverted weighted CDF)."""
    d = np.where(np.isnan(first_days), np.inf, first_days)
    w = np.ones(len(d)) if weights is None else np.asarray(weights, dtype=float)
    order = np.argsort(d, kind="stable")
    cum = np.cumsum(w[order]) / np.sum(w)
    lo, hi = (
        d[order][min(int(np.searchsorted(cum, q - 1e-12)), len(d) - 1)]
        for q in ((1 - level) / 2, (1 + level) / 2)
    )
    r = math.inf if realised is None else realised
    return bool(lo <= r <= hi)


def covered_cdf(cdf: np.ndarray, realised: int | None, level: float) -> bool:
    """``covered`` for a forecast given by its cumulative probability by day: the quantile q is
    the first day with F(d) >= q, or +inf ("none by the horizon") when F never reaches q."""

    def quantile(q: float) -> float:
        i = int(np.searchsorted(cdf, q - 1e-12))
        return math.inf if i >= len(cdf) else float(i)

    lo, hi = quantile((1 - level) / 2), quantile((1 + level) / 2)
    r = math.inf if realised is None or realised >= len(cdf) else realised
    return bool(lo <= r <= hi)


def pit(cdf: np.ndarray, realised: int | None) -> tuple[float, float, float]:
    """(mid-PIT, low, high) of the realised day under a forecast over whole days: low = F(r - 1),
    high = F(r), mid = their mean; "none by the horizon" is the range [F(H - 1), 1]."""
    last = float(cdf[-1]) if len(cdf) else 0.0
    if realised is None or realised >= len(cdf):
        lo, hi = last, 1.0
    else:
        lo = float(cdf[realised - 1]) if realised > 0 else 0.0
        hi = float(cdf[realised])
    return (lo + hi) / 2, lo, hi


def scores(cdf: np.ndarray, realised: int | None) -> dict[str, Any]:
    """Brier, log, CRPS, PIT and interval coverage of one forecast (its cumulative probability
    by day) against the record."""
    p = float(cdf[-1]) if len(cdf) else 0.0
    y = 0.0 if realised is None or realised >= len(cdf) else 1.0
    q = min(max(p, FINITE_LOG), 1 - FINITE_LOG)
    mid, lo, hi = pit(cdf, realised)
    return {
        "p": p,
        "brier": (p - y) ** 2,
        "log": -math.log(q if y else 1 - q),
        "crps_days": crps_days(cdf, realised),
        "pit": mid,
        "pit_range": [lo, hi],
        "covered": {str(lv): covered_cdf(cdf, realised, lv) for lv in LEVELS},
    }
