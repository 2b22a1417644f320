"""The balance of forces in the decisive hazard (structure.decisive_balance, kappa): evenly
matched wars are decided more slowly than lopsided ones (Bennett & Stam 1996). Oracle and
directions on common random numbers."""

from __future__ import annotations

import math

import numpy as np
from oracle_scenarios import decided_toy

import sim
from sim.model.scenario.loader import validate_loaded

N = 4000
RATE = 1.5  # decisive ends a year at p = 1/2


def _run(kappa: float | None, cap_b: float = 3.0, n: int = N) -> sim.Results:
    """The toy war with no talks and a fixed balance (no attrition or rebuilding): only the
    decisive end can end it. B's capability ``cap_b`` against A's 1 gives p = cap_b/(1+cap_b)."""
    s = decided_toy(RATE, None if kappa is None else {"decisive_balance": kappa})
    s["actors"]["b"]["capability"] = cap_b
    return sim.run(validate_loaded(s), replicates=n, seed=3)


def _decided(r: sim.Results) -> np.ndarray:
    return np.asarray(r.column("decided_day"), dtype=float)


def test_zero_is_the_default_and_changes_nothing():
    assert _run(None, n=600).outcomes.equals(_run(0.0, n=600).outcomes)


def test_share_decided_within_the_year_is_the_closed_form():
    """p = 3/4: the hazard is RATE (2 x 3/4)^kappa a year; 52 weekly rounds of 7 days, so the
    share decided within the horizon is 1 - exp(-RATE 1.5^kappa 364/365), within 4 binomial se."""
    for kappa in (0.0, 2.0):
        share = (~np.isnan(_decided(_run(kappa)))).mean()
        want = 1.0 - math.exp(-RATE * 1.5**kappa * 364 / 365)
        se = math.sqrt(want * (1.0 - want) / N)
        assert abs(share - want) < 4.0 * se, (kappa, share, want)


def test_a_lopsided_war_is_decided_no_later_row_by_row_and_an_even_one_not_at_all_sooner():
    """Same uniforms: with kappa > 0 each round's hazard is at least as high, so a war decided
    at kappa = 0 is decided on the same day or earlier; at p = 1/2 nothing changes."""
    d0, d2 = _decided(_run(0.0)), _decided(_run(2.0))
    late = np.where(np.isnan(d0), np.inf, d0)
    early = np.where(np.isnan(d2), np.inf, d2)
    assert (early <= late).all() and (early < late).sum() > N // 10
    assert _run(0.0, cap_b=1.0, n=800).outcomes.equals(_run(2.0, cap_b=1.0, n=800).outcomes)
