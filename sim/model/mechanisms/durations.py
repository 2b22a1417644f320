"""War-duration data behind sourced defaults: the Correlates of War lognormal and the share decided by force.

Durations of interstate wars 1816-2007 (Correlates of War): median 139 days, mean 408 days
(P. Ellis, "Durations of wars", 2026; docs/validation.md), fitted by the lognormal with that
median and mean. About two thirds of interstate wars end in a negotiated settlement and one
third in a military victory (Pillar 1983, "Negotiating Peace"; docs/model.md). The hazard that
a war of age a ends by force is therefore a third of the lognormal's hazard at a: the default of
``pressures.battlefield.decisive_per_year`` for a scenario that gives ``war_began``.
"""

from __future__ import annotations

import math

import numpy as np

COW_MEDIAN_DAYS = 139.0
COW_MEAN_DAYS = 408.0
# The lognormal with that median and mean: median = e^mu, mean = e^(mu + sigma^2 / 2).
LOGNORMAL_MU = math.log(COW_MEDIAN_DAYS)
LOGNORMAL_SIGMA = math.sqrt(2.0 * math.log(COW_MEAN_DAYS / COW_MEDIAN_DAYS))
DECIDED_BY_FORCE = 1.0 / 3.0  # share of interstate wars ending in a military victory (Pillar 1983)


def end_hazard_per_year(age_days: float) -> float:
    """The lognormal hazard (per year) that a war that has lasted ``age_days`` ends."""
    from scipy.stats import lognorm  # only when a default is needed: keeps imports light

    d = lognorm(LOGNORMAL_SIGMA, scale=math.exp(LOGNORMAL_MU))
    a = max(float(age_days), 1.0)
    return float(d.pdf(a) / d.sf(a) * 365.0)


def decisive_per_year(age_days: float) -> float:
    """Default hazard per year that a war of that age is decided by force."""
    return DECIDED_BY_FORCE * end_hazard_per_year(age_days)


def lognormal_cdf(
    horizon_days: int,
    age_days: float = 0.0,
    mu: float = LOGNORMAL_MU,
    sigma: float = LOGNORMAL_SIGMA,
) -> np.ndarray:
    """P(the war ends within d + 1 days of the snapshot | it had lasted ``age_days``), d = 0..H-1:
    (F(a + d + 1) - F(a)) / (1 - F(a)), F the lognormal(mu, sigma) CDF of war duration in days
    (computed from log survival, so that old wars do not lose precision)."""
    from scipy import stats  # only when asked: keeps imports light

    if not age_days >= 0:
        raise ValueError(f"the war's age must be >= 0 days (got {age_days})")
    dist = stats.lognorm(s=sigma, scale=math.exp(mu))
    t = age_days + np.arange(1, horizon_days + 1, dtype=float)
    return np.asarray(-np.expm1(dist.logsf(t) - dist.logsf(age_days)), dtype=float)


def _lomax_fit(median: float, mean: float) -> tuple[float, float]:
    """Shape k and scale s (days) of the Lomax with that median and mean: mean = s / (k - 1),
    median = s (2^(1/k) - 1); bisection on k (the median rises with k at a fixed mean)."""
    lo, hi = 1.0 + 1e-9, 1e3
    for _ in range(200):
        k = 0.5 * (lo + hi)
        if mean * (k - 1.0) * (2.0 ** (1.0 / k) - 1.0) < median:
            lo = k
        else:
            hi = k
    k = 0.5 * (lo + hi)
    return k, mean * (k - 1.0)


# Hidden obstacles (sim.model.mechanisms.obstacles): a war's end as an exponential whose rate
# differs between wars (gamma heterogeneity) is a Lomax; the Lomax with the Correlates of War
# median and mean has shape 1.65 and scale 267 days. Two thirds of wars end in a settlement
# (Pillar 1983), so the rate at which the obstacles to one lift is two thirds of it: shape
# 1.10. Given a war has lasted a days, the rates left are those of wars that lasted: the same
# Lomax with scale 267 + a days (the gamma's conjugate update). That prior, fitted to whole
# wars, counts again what the bargaining model already explains; by default the obstacles'
# prior is worth no days of war (the Copernican limit, Gott 1993: only the war's own age
# counts, P(T > t | a) = (a / (a + t))^k), and structure.obstacle_prior_scale brings it back.
LOMAX_SHAPE, LOMAX_SCALE_DAYS = _lomax_fit(COW_MEDIAN_DAYS, COW_MEAN_DAYS)
OBSTACLE_SHAPE = (1.0 - DECIDED_BY_FORCE) * LOMAX_SHAPE


def obstacle_survival(
    days: np.ndarray, age_days: float, shape: float = OBSTACLE_SHAPE, prior_scale: float = 0.0
) -> np.ndarray:
    """P(the hidden obstacles still hold ``days`` after the snapshot | the war is ``age_days``
    old): (s / (s + t))^k, s = prior_scale x the Lomax scale + the age (none hold when s is 0)."""
    s = prior_scale * LOMAX_SCALE_DAYS + max(float(age_days), 0.0)
    t = np.asarray(days, dtype=float)
    if s == 0.0:  # a new war with no prior: the obstacles lift at once
        return np.zeros_like(t)
    return np.asarray((s / (s + t)) ** shape, dtype=float)
