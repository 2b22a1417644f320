"""Interval estimates for run outcomes: Wilson proportions, Kaplan–Meier curves (scipy), medians."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
from scipy import stats

__all__ = [
    "KaplanMeier",
    "ancestral_n",
    "cumulative_incidence",
    "effective_n",
    "fast_median",
    "kaplan_meier",
    "median_time",
    "weighted_kaplan_meier",
    "weighted_share",
    "wilson",
]

FloatArray = npt.NDArray[np.float64]


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float, float]:
    """Share k/n with its Wilson score interval: (estimate, low, high); NaNs when n == 0."""
    k, n = int(k), int(n)
    if n < 0 or not 0 <= k <= max(n, 0):
        raise ValueError(f"wilson needs 0 <= k <= n (got k={k}, n={n})")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1) (got {level})")
    if n == 0:
        return (float("nan"), float("nan"), float("nan"))
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    return (k / n, float(ci.low), float(ci.high))


@dataclass(frozen=True)
class KaplanMeier:
    """A Kaplan–Meier survival curve: a right-continuous step function with pointwise CIs.

    times:     the distinct observed times (events and censorings), ascending
    survival:  S(t) just after each time
    ci_low, ci_high: pointwise confidence band of S (log-log, scipy); where scipy's
               formula is undefined (S = 1 before the first event, S = 0 after the last)
               the band is the Wilson interval of 0 (or all) of the n at risk
    n, events: number of subjects and of observed events
    """

    times: FloatArray
    survival: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    n: int
    events: int
    level: float = 0.95

    def _index(self, t: npt.ArrayLike) -> npt.NDArray[np.intp]:
        return np.searchsorted(self.times, np.asarray(t, dtype=float), side="right") - 1

    def survival_at(self, t: npt.ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
        """S(t) with its band at each t (1 with the t = 0 band before the first time)."""
        i = self._index(t)
        if self.n == 0:
            nan = np.full(np.shape(i), np.nan)
            return nan, nan, nan
        before = i < 0
        j = np.clip(i, 0, None)
        # Before the first observed time nobody has had the event: S = 1, and the band
        # is the Wilson interval of 0 events among the n at risk.
        lo_start = 1.0 - wilson(0, self.n, self.level)[2]
        if len(self.times) == 0:
            return np.ones(np.shape(i)), np.full(np.shape(i), lo_start), np.ones(np.shape(i))
        s = np.where(before, 1.0, self.survival[j])
        lo = np.where(before, lo_start, self.ci_low[j])
        hi = np.where(before, 1.0, self.ci_high[j])
        return s.astype(float), lo.astype(float), hi.astype(float)

    def incidence_at(self, t: npt.ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Cumulative incidence 1 − S(t) with its band (low, high) at each t."""
        s, lo, hi = self.survival_at(t)
        return 1.0 - s, 1.0 - hi, 1.0 - lo

    def median(self) -> float | None:
        """Smallest time with S(t) <= 0.5, or None when the curve never gets there."""
        hit = np.flatnonzero(self.survival <= 0.5 + 1e-12)
        return float(self.times[hit[0]]) if hit.size else None


def kaplan_meier(times: npt.ArrayLike, observed: npt.ArrayLike, level: float = 0.95) -> KaplanMeier:
    """Kaplan–Meier estimate from times and event flags (False = right-censored at that time)."""
    t = np.asarray(times, dtype=float)
    obs = np.asarray(observed, dtype=bool)
    if t.shape != obs.shape or t.ndim != 1:
        raise ValueError(
            f"times and observed must be 1-d of equal length (got {t.shape}, {obs.shape})"
        )
    if np.isnan(t).any():
        raise ValueError("times must not contain NaN; censor missing events at the horizon")
    n, events = int(t.size), int(obs.sum())
    empty = np.array([], dtype=float)
    if n == 0:
        return KaplanMeier(empty, empty, empty, empty, 0, 0, level)
    res = stats.ecdf(stats.CensoredData(uncensored=t[obs], right=t[~obs]))
    sf = res.sf
    q = np.asarray(sf.quantiles, dtype=float)
    s = np.asarray(sf.probabilities, dtype=float)
    with warnings.catch_warnings():
        # scipy warns where the Greenwood/log-log formula is undefined (S = 0 or 1);
        # those points are filled below.
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = sf.confidence_interval(level, method="log-log")
    lo = np.asarray(ci.low.probabilities, dtype=float).copy()
    hi = np.asarray(ci.high.probabilities, dtype=float).copy()
    w_hi = wilson(0, n, level)[2]
    at_one = np.isnan(lo) & (s >= 1.0)
    lo[at_one], hi[at_one] = 1.0 - w_hi, 1.0
    at_zero = (np.isnan(lo) | np.isnan(hi)) & (s <= 0.0)
    lo[at_zero] = 0.0
    hi[at_zero] = np.where(np.isnan(hi[at_zero]), w_hi, hi[at_zero])
    lo, hi = np.minimum(lo, s), np.maximum(hi, s)
    return KaplanMeier(q, s, lo, hi, n, events, level)


def cumulative_incidence(
    km: KaplanMeier, days: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """P(event by day) = 1 − S(day), with its band, at each of ``days``."""
    return km.incidence_at(days)


def median_time(km: KaplanMeier) -> float | None:
    """Median time to event from a Kaplan–Meier curve; None if S never reaches 0.5."""
    return km.median()


def fast_median(days: npt.NDArray[np.float64]) -> float | None:
    """Kaplan–Meier median when every censoring is at the horizon: the ceil(n/2)-th event day.

    ``days`` holds each replicate's event day, NaN where no event happened by the horizon.
    """
    n = len(days)
    if n == 0:
        return None
    t = np.sort(np.where(np.isnan(days), np.inf, days))
    k = math.ceil(n / 2) - 1
    return float(t[k]) if np.isfinite(t[k]) else None


def effective_n(w: FloatArray) -> float:
    """Kish's effective sample size of weights w: (sum w)^2 / sum w^2, of the weights scaled
    by the largest (the same number; tiny weights' squares would underflow to 0)."""
    w = np.asarray(w, dtype=float)
    top = float(np.max(w)) if w.size else 0.0
    if not top > 0:
        return 0.0
    w = w / top
    return float(np.sum(w)) ** 2 / float(np.sum(w * w))


def ancestral_n(w: FloatArray, groups: npt.NDArray[np.int64]) -> float:
    """The effective sample of weights ``w`` when the replicates of one group (descendants of one
    ancestor in a resampled run) count as one: Kish's size of the groups' total weights. It
    treats copies of an ancestor as perfectly alike, so intervals built on it are, if anything,
    too wide (futures that share an ancestor diverge after the resampling)."""
    w = np.asarray(w, dtype=float)
    if not w.size:
        return 0.0
    _, inverse = np.unique(np.asarray(groups), return_inverse=True)
    return effective_n(np.asarray(np.bincount(inverse, weights=w), dtype=float))


def _effective(w: FloatArray, groups: npt.NDArray[np.int64] | None) -> float:
    return effective_n(w) if groups is None else ancestral_n(w, groups)


@cache
def _z(level: float) -> float:
    """The standard normal quantile of a two-sided ``level`` (scipy's ppf costs 50 µs a call; a
    run's summary asks for the same one hundreds of times)."""
    return float(stats.norm.ppf(0.5 + level / 2))


def _wilson_p(p: float, n: float, level: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval for a share p of an effective sample n (need not be whole)."""
    if n <= 0:
        return float("nan"), float("nan")
    z = _z(level)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def weighted_share(
    flag: npt.ArrayLike,
    w: npt.ArrayLike,
    level: float = 0.95,
    groups: npt.NDArray[np.int64] | None = None,
) -> tuple[float, float, float]:
    """A weighted share with its interval: Wilson's interval at the weights' effective size
    (for weights of 0 and 1 this is Wilson's interval of the replicates kept); with ``groups``
    (ancestors), at the groups' effective size (``ancestral_n``)."""
    x = np.asarray(flag, dtype=float)
    ww = np.asarray(w, dtype=float)
    tot = float(ww.sum())
    if tot <= 0:
        return float("nan"), float("nan"), float("nan")
    p = float(np.sum(ww * x) / tot)
    lo, hi = _wilson_p(p, _effective(ww, groups), level)
    return p, lo, hi


def weighted_kaplan_meier(
    times: npt.ArrayLike,
    observed: npt.ArrayLike,
    w: npt.ArrayLike,
    level: float = 0.95,
    groups: npt.NDArray[np.int64] | None = None,
) -> KaplanMeier:
    """The product-limit estimate with case weights (scipy has none): at each distinct time,
    S *= 1 - (weight of events) / (weight at risk); pointwise Wilson bands at the effective
    number at risk (with ``groups``, divided by the design effect of the groups: Kish's size of
    the weights over ``ancestral_n``)."""
    t = np.asarray(times, dtype=float)
    obs = np.asarray(observed, dtype=bool)
    ww = np.asarray(w, dtype=float)
    deff = 1.0
    if groups is not None and ww.sum() > 0:
        deff = max(1.0, effective_n(ww) / max(ancestral_n(ww, groups), 1e-300))
    keep = ww > 0
    t, obs, ww = t[keep], obs[keep], ww[keep]
    n, events = int(t.size), int(obs.sum())
    if n == 0:
        empty = np.array([], dtype=float)
        return KaplanMeier(empty, empty, empty, empty, 0, 0, level)
    order = np.argsort(t, kind="stable")
    t, obs, ww = t[order], obs[order], ww[order]
    times, first = np.unique(t, return_index=True)
    at_risk_w = np.cumsum(ww[::-1])[::-1][first]
    ev = np.add.reduceat(np.where(obs, ww, 0.0), first)
    surv = np.cumprod(1.0 - ev / at_risk_w)
    lo = np.empty_like(surv)
    hi = np.empty_like(surv)
    for j, (s_, n_eff) in enumerate(zip(surv, _at_risk_kish(ww, first), strict=True)):
        lo[j], hi[j] = _wilson_p(float(s_), float(n_eff) / deff, level)
    return KaplanMeier(times, surv, np.minimum(lo, surv), np.maximum(hi, surv), n, events, level)


def _at_risk_kish(ww: FloatArray, first: npt.NDArray[np.intp]) -> FloatArray:
    """Kish's effective number at risk from each ``first`` index on (weights ``ww`` > 0 in
    time order), from the log sums: the squares of tiny weights would underflow to 0."""
    lw = np.log(ww)[::-1]
    log_sum = np.logaddexp.accumulate(lw)[::-1][first]
    log_sum2 = np.logaddexp.accumulate(2.0 * lw)[::-1][first]
    return np.asarray(np.exp(2.0 * log_sum - log_sum2), dtype=float)
