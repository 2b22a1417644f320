"""The engine against closed forms (docs/model.md, "Oracles"), run through the public API."""

from __future__ import annotations

import numpy as np
import pytest
from oracle_scenarios import fearon, nash, with_offer
from scipy import stats
from scipy.special import expit

import sim


def _agreed(scenario: dict, n: int = 200, seed: int = 1) -> float:
    r = sim.run(sim.load_scenario(scenario), replicates=n, seed=seed)
    return float(r.outcomes["ceasefire"].mean())


@pytest.mark.parametrize(("p", "c_a", "c_b"), [(0.4, 0.1, 0.15), (0.7, 0.05, 0.2)])
def test_fearon_range_accepts_exactly_between_p_minus_cb_and_p_plus_ca(p, c_a, c_b):
    lo, hi = p - c_b, p + c_a
    eps = 0.01
    base = fearon(p, c_a, c_b)
    assert _agreed(with_offer(base, lo + eps)) == 1.0
    assert _agreed(with_offer(base, hi - eps)) == 1.0
    assert _agreed(with_offer(base, lo - eps)) == 0.0
    assert _agreed(with_offer(base, hi + eps)) == 0.0


@pytest.mark.parametrize(("beta_a", "beta_b"), [(1, 1), (1, 3), (2, 1)])
def test_nash_mediator_proposes_the_generalized_nash_point_with_linear_utility(beta_a, beta_b):
    p, c_a, c_b = 0.4, 0.1, 0.15
    d_b, d_a = p - c_b, 1 - p - c_a
    expected = d_b + beta_b / (beta_a + beta_b) * (1 - d_a - d_b)
    r = sim.run(
        sim.load_scenario(nash(beta_a, beta_b, p=p, c_a=c_a, c_b=c_b)), replicates=50, seed=2
    )
    terms = r.outcomes["terms.x"]
    assert r.outcomes["ceasefire"].all()
    # the mediator finds the exact point of the frontier, not a grid point near it
    assert terms.min() == pytest.approx(expected, abs=1e-7)
    assert terms.max() == pytest.approx(expected, abs=1e-7)


@pytest.mark.parametrize(("beta_a", "beta_b", "r"), [(1, 1, 2.0), (1, 2, 0.5), (3, 1, 3.0)])
def test_nash_mediator_point_with_concave_utility_matches_closed_form(beta_a, beta_b, r):
    # u_B = 1 - (1 - x)^r, u_A = 1 - x, disagreement values 0: p = c_B and 1 - p = c_A
    s = nash(beta_a, beta_b, p=0.3, c_a=0.7, c_b=0.3)
    s["actors"]["b"]["risk"] = r
    expected = 1 - (beta_a / (beta_a + r * beta_b)) ** (1 / r)
    res = sim.run(sim.load_scenario(s), replicates=50, seed=2)
    assert res.outcomes["terms.x"].mean() == pytest.approx(expected, abs=2e-3)


def _geometric_scenario(c_a: float, lam: float, horizon: int) -> dict:
    # p = 0.4 and terms x = 0.4: V - W is c_A for A and 0 for B, so each round
    # q_A = expit(lam * c_A) and q_B = 1/2, independently.
    return with_offer(fearon(0.4, c_a, 0.0, horizon=horizon, rationality=lam), 0.4, every_days=7)


def test_time_to_agreement_is_geometric_and_kaplan_meier_band_covers_it():
    c_a, lam, rounds = 0.05, 10.0, 10
    q = expit(lam * c_a) * 0.5
    r = sim.run(
        sim.load_scenario(_geometric_scenario(c_a, lam, 7 * rounds)), replicates=20000, seed=3
    )
    days = r.outcomes["ceasefire_day"].to_numpy()
    agreed = ~np.isnan(days)
    rnd = np.where(agreed, days // 7 + 1, rounds + 1)  # agreement in session n (1-based)
    data = stats.CensoredData(uncensored=rnd[agreed], right=np.full((~agreed).sum(), rounds))
    sf = stats.ecdf(data).sf
    ci = sf.confidence_interval(confidence_level=0.999)
    n = np.arange(1, rounds + 1)
    truth = 1 - (1 - q) ** n
    low, high = 1 - ci.high.evaluate(n), 1 - ci.low.evaluate(n)
    assert np.all((low <= truth) & (truth <= high))


def test_competing_risks_agreement_before_collapse_is_q_over_q_plus_b_minus_qb():
    c_a, lam, b = 0.05, 10.0, 0.1
    q = expit(lam * c_a) * 0.5
    s = _geometric_scenario(c_a, lam, horizon=2000)
    s["negotiation"]["collapse"] = b
    n = 20000
    share = _agreed(s, n=n, seed=4)
    expected = q / (q + b - q * b)  # agreement tried first, collapse drawn after it
    se = np.sqrt(expected * (1 - expected) / n)
    assert abs(share - expected) < 4 * se
    # and it is distinguishable from the exclusive form q / (q + b)
    assert share - q / (q + b) > 10 * se
