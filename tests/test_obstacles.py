"""Hidden obstacles (docs/model.md, "Hidden obstacles"): their closed form and comparative statics.

In the Fearon oracle with an offer inside the bargaining range put every day, both sides accept
every offer; without obstacles the deal is signed on day 0. With them it is concluded on the
first day at or after the lift day, whose distribution given a war of age a is the Lomax
P(T > t) = (s / (s + t))^k, s = s0 + a. Paired comparisons share the uniforms: the lift day
s (U^(-1/k) - 1) moves the same way in every replicate.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from oracle_scenarios import fearon, with_offer

import sim
from sim.model.mechanisms.durations import (
    COW_MEAN_DAYS,
    COW_MEDIAN_DAYS,
    DECIDED_BY_FORCE,
    LOMAX_SCALE_DAYS,
    LOMAX_SHAPE,
    OBSTACLE_SHAPE,
    obstacle_survival,
)

START = dt.date(2025, 1, 1)


def _scenario(age_days: int | None, horizon: int = 400, **structure: float) -> dict:
    s = with_offer(fearon(horizon=horizon), 0.4, every_days=1)
    s["negotiation"]["hidden_obstacles"] = True
    if age_days is not None:
        s["war_began"] = (START - dt.timedelta(days=age_days)).isoformat()
    if structure:
        s["structure"] = structure
    return s


def _days(s: dict, n: int, seed: int = 3) -> np.ndarray:
    r = sim.run(sim.load_scenario(s), replicates=n, seed=seed)
    return np.asarray(r.outcomes["ceasefire_day"], dtype=float)


def test_the_lomax_has_the_correlates_of_war_median_and_mean():
    k, s0 = LOMAX_SHAPE, LOMAX_SCALE_DAYS
    assert s0 * (2.0 ** (1.0 / k) - 1.0) == pytest.approx(COW_MEDIAN_DAYS, rel=1e-9)
    assert s0 / (k - 1.0) == pytest.approx(COW_MEAN_DAYS, rel=1e-9)
    assert pytest.approx((1.0 - DECIDED_BY_FORCE) * k) == OBSTACLE_SHAPE


@pytest.mark.parametrize(("age", "prior"), [(0, 1.0), (1000, 1.0), (1000, 0.0), (0, 0.0)])
def test_deals_wait_for_the_lift_day_as_the_closed_form_says(age, prior):
    n = 6000
    days = _days(_scenario(age, obstacle_prior_scale=prior), n)
    for t in (0, 7, 60, 200, 399):
        want = 1.0 - float(obstacle_survival(np.array([t]), age, prior_scale=prior)[0])
        got = float(np.mean(days <= t))
        se = np.sqrt(want * (1.0 - want) / n) + 1e-12
        assert abs(got - want) <= 4.0 * se + 1.0 / n, (t, got, want)


def test_without_war_began_or_switched_off_every_accepted_deal_is_concluded_at_once():
    """Off, or without a war's age to learn from, every accepted deal is signed on day 0; on
    (the default) a war of 500 days mostly waits."""
    assert np.all(_days(_scenario(None), 300) == 0)
    off = _scenario(500)
    off["negotiation"]["hidden_obstacles"] = False
    assert np.all(_days(off, 300) == 0)
    on = _scenario(500)
    del on["negotiation"]["hidden_obstacles"]  # on by default
    assert np.mean(_days(on, 300) == 0) < 0.5


def test_an_older_war_concludes_later_in_every_replicate():
    young, old = _days(_scenario(30), 2000), _days(_scenario(1500), 2000)
    young = np.where(np.isnan(young), np.inf, young)
    old = np.where(np.isnan(old), np.inf, old)
    assert np.all(old >= young)
    assert np.mean(old <= 399) < np.mean(young <= 399)


def test_a_larger_obstacle_scale_concludes_sooner_in_every_replicate():
    base = _days(_scenario(300), 2000)
    fast = _days(_scenario(300, obstacle_scale=3.0), 2000)
    assert np.mean(np.isnan(base)) > 0.05  # some do not lift within the horizon
    base = np.where(np.isnan(base), np.inf, base)
    fast = np.where(np.isnan(fast), np.inf, fast)
    assert np.all(fast <= base)
    assert np.mean(fast <= 100) > np.mean(base <= 100)


def test_a_one_shot_offer_both_accept_is_concluded_when_the_obstacles_lift():
    """A deal both sides accepted while the obstacles held is not lost: it is concluded at the
    end of the first (weekly) round whose first day is at or after the lift day."""
    s = with_offer(fearon(horizon=400), 0.4)  # one offer, on day 0
    s["negotiation"]["hidden_obstacles"] = True
    s["war_began"] = (START - dt.timedelta(days=200)).isoformat()
    n = 4000
    r = sim.run(sim.load_scenario(s), replicates=n, seed=5)
    days = np.asarray(r.outcomes["ceasefire_day"], dtype=float)
    lift = np.asarray(r.outcomes["obstacles_lift_day"], dtype=float)
    done = ~np.isnan(days)
    assert np.array_equal(days[done], 7.0 * np.ceil(lift[done] / 7.0))
    assert np.all(lift[~done] > 7 * (400 // 7 - 1))  # the rest lift after the last round began
    assert np.allclose(r.outcomes["terms.x"][done], 0.4)
