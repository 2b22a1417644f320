"""The outside view beside a forecast: how often wars as old as this one end within the horizon.

On the wars of the history library (89 since December 2026) the age-conditioned lognormal of
war durations (Correlates of War, median 139 and mean 408 days) forecasts the first ceasefire
about as well as the calibrated model (level within a standard error; docs/validation.md), so
a run of a scenario that says when its war began shows it next to the model's P(ceasefire):
the reference class a forecaster starts from. It is the chance
that a war which has lasted ``a`` days ends within the next ``H``,
(F(a + H) - F(a)) / (1 - F(a)), F the lognormal's CDF, the comparator `sim hindcast` scores
(sim/model/mechanisms/durations.py). It counts any end of a war, a ceasefire or a decision by
force, and knows nothing of the scenario but its dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

__all__ = ["base_rate", "base_rate_curve"]


def _window(
    meta: dict[str, Any], start: dt.date, horizon: dt.date, as_of: Any
) -> tuple[int, int, dt.date] | None:
    """(war's age in days, days to the horizon, the date counted from) or None when the
    scenario gives no ``war_began`` or nothing is left of the horizon."""
    began = meta.get("war_began")
    if not began:
        return None
    frm = dt.date.fromisoformat(str(as_of)) if as_of else start
    age = (frm - dt.date.fromisoformat(str(began))).days
    days = (horizon - frm).days
    if age < 0 or days < 1:
        return None
    return age, days, frm


def base_rate(
    meta: dict[str, Any], start: dt.date, horizon: dt.date, as_of: Any = None
) -> dict[str, Any] | None:
    """summary.json's ``base_rate``: P(a war of this age ends by the horizon), counted from the
    start (or the as-of date of a conditioned run), with what it rests on; None without
    ``war_began`` in ``meta``."""
    from ..model.mechanisms.durations import COW_MEAN_DAYS, COW_MEDIAN_DAYS, lognormal_cdf

    w = _window(meta, start, horizon, as_of)
    if w is None:
        return None
    age, days, frm = w
    return {
        "p": round(float(lognormal_cdf(days, age)[-1]), 6),
        "war_age_days": age,
        "from": frm.isoformat(),
        "days": days,
        "median_days": COW_MEDIAN_DAYS,
        "mean_days": COW_MEAN_DAYS,
        "rule": "P(a war that has lasted a days ends within the next d) = (F(a + d) - F(a)) / "
        "(1 - F(a)), F the lognormal of interstate war durations (Correlates of War: median "
        "139, mean 408 days)",
    }


def base_rate_curve(
    meta: dict[str, Any], start: dt.date, horizon: dt.date, as_of: Any = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """(dates, P(the war has ended by each date)) from the date counted from to the horizon,
    for the figure of P(ceasefire) over time; None without ``war_began``."""
    from ..model.mechanisms.durations import lognormal_cdf

    w = _window(meta, start, horizon, as_of)
    if w is None:
        return None
    age, days, frm = w
    dates = np.array([np.datetime64(frm) + np.timedelta64(d, "D") for d in range(days + 1)])
    return dates, np.concatenate([[0.0], lognormal_cdf(days, age)])
