"""The front line in the decisive hazard (structure.decisive_front, lambda): the nearer the front
to what one side fights for (its ideal on the front-line issue), the likelier the war is decided
by force (Slantchev 2003). Oracle and directions on common random numbers."""

from __future__ import annotations

import math

import numpy as np
from oracle_scenarios import decided_toy

import sim
from sim.model.scenario.loader import validate_loaded

N = 4000
RATE = 1.5  # decisive ends a year with the front midway between the ideals


def _run(
    lam: float | None,
    control: float = 20.0,
    n: int = N,
    talks: bool = False,
    moving: bool = False,
    front: bool = True,
    rate: float = RATE,
) -> sim.Results:
    """The toy war (ideals on land 0 for A and 100 for B, even capabilities so p = 1/2). Without
    ``moving`` the front stands still at ``control`` (no drift, no noise); without ``talks`` only
    the decisive end can end it."""
    s = decided_toy(rate, None if lam is None else {"decisive_front": lam}, talks)
    bf = s["pressures"]["battlefield"]
    bf["control"] = control
    if not moving:
        bf.update(drift=0.0, volatility=0.0)
    if not front:
        s["issues"]["land"]["status_quo"] = control
        del bf["control"]
    return sim.run(validate_loaded(s), replicates=n, seed=3)


def _decided(r: sim.Results) -> np.ndarray:
    return np.asarray(r.column("decided_day"), dtype=float)


def test_zero_is_the_default_and_changes_nothing():
    assert _run(None, n=600, talks=True, moving=True).outcomes.equals(
        _run(0.0, n=600, talks=True, moving=True).outcomes
    )


def test_share_decided_within_the_year_is_the_closed_form():
    """The front stands at 20 of A's 0 and B's 100: r = 0.2, so the hazard is
    RATE (1 + 0.6)^lambda a year; 52 weekly rounds of 7 days, so the share decided within the
    horizon is 1 - exp(-RATE 1.6^lambda 364/365), within 4 binomial se."""
    for lam in (1.0, 2.0):
        share = (~np.isnan(_decided(_run(lam)))).mean()
        want = 1.0 - math.exp(-RATE * 1.6**lam * 364 / 365)
        se = math.sqrt(want * (1.0 - want) / N)
        assert abs(share - want) < 4.0 * se, (lam, share, want)


def test_a_front_near_an_ideal_is_decided_no_later_row_by_row_and_a_front_midway_not_sooner():
    """Same uniforms: with lambda > 0 each round's hazard is at least as high, so a war decided
    at lambda = 0 is decided on the same day or earlier (the front moving); with the front
    midway between the two ideals, and without a front-line issue, nothing changes."""
    d0, d2 = _decided(_run(0.0, moving=True)), _decided(_run(2.0, moving=True))
    late = np.where(np.isnan(d0), np.inf, d0)
    early = np.where(np.isnan(d2), np.inf, d2)
    assert (early <= late).all() and (early < late).sum() > N // 10
    assert _run(0.0, control=50.0, n=800).outcomes.equals(_run(2.0, control=50.0, n=800).outcomes)
    assert _run(0.0, front=False, n=800).outcomes.equals(_run(2.0, front=False, n=800).outcomes)


def test_with_talks_more_wars_are_decided_and_fewer_end_in_a_deal():
    """Predicted before measuring: the hazard rises wherever the front is off the midpoint, so
    more wars are decided by force and, with no decided war closed by signature, fewer end in a
    ceasefire; each by more than 3 paired standard errors (the toy's hazard of 0.5 a year)."""
    r0, r2 = (_run(lam, talks=True, moving=True, rate=0.5) for lam in (0.0, 2.0))
    dec = (~np.isnan(_decided(r2))).astype(float) - (~np.isnan(_decided(r0))).astype(float)
    assert dec.mean() > 3.0 * dec.std(ddof=1) / math.sqrt(N)
    c0 = ~np.isnan(np.asarray(r0.column("ceasefire_day"), dtype=float))
    c2 = ~np.isnan(np.asarray(r2.column("ceasefire_day"), dtype=float))
    diff = c2.astype(float) - c0.astype(float)
    assert diff.mean() < -3.0 * diff.std(ddof=1) / math.sqrt(N), diff.mean()
