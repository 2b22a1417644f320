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
