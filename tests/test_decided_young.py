"""A war decided young is signed for (structure.decided_signed_days, tau): a war decided by force
at the age of a days is closed by a signed ceasefire with probability pi + (1 - pi) exp(-a / tau),
a counted from war_began (from the start without it). Row by row on common random numbers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from oracle_scenarios import toy

import sim
from sim.model.scenario.loader import validate_loaded

N = 1500


def _run(tau: float | None, signed: float = 0.0, age_days: int = 0) -> sim.Results:
    s = toy()
    s["pressures"]["battlefield"]["decisive_per_year"] = 1.5  # many wars decided, not all
    s["pressures"]["battlefield"]["signed_after_decision"] = signed
    if age_days:
        start = dt.date.fromisoformat(str(s["start"]))
        s["war_began"] = (start - dt.timedelta(days=age_days)).isoformat()
    if tau is not None:
        s["structure"] = {"decided_signed_days": tau}
    return sim.run(validate_loaded(s), replicates=N, seed=5)


def _col(r: sim.Results, name: str) -> np.ndarray:
    return np.asarray(r.column(name)).astype(float)


@pytest.fixture(scope="module")
def runs() -> dict[float, sim.Results]:
    return {tau: _run(tau) for tau in (0.0, 30.0, 120.0)}


def _decided_unsigned(r: sim.Results) -> np.ndarray:
    """Rows decided by force with no ceasefire before (the rows a closure can sign)."""
    return ~np.isnan(_col(r, "decided_day")) & np.isnan(_col(r, "ceasefire_day"))


def test_tau_zero_changes_nothing(runs):
    assert runs[0.0].outcomes.equals(_run(None).outcomes)


@pytest.mark.parametrize("age", [0, 60])
def test_the_share_signed_is_the_chance_at_the_age_of_the_decision(runs, age):
    """With pi = 0 a row decided at age a is signed with probability exp(-a / tau): the count
    is within 3.5 of its binomial standard errors of the sum of those chances."""
    off = _run(0.0, age_days=age)
    rows = _decided_unsigned(off)
    assert rows.sum() > 200
    for tau in (30.0, 120.0):
        r = runs[tau] if age == 0 else _run(tau, age_days=age)
        # nothing before a decision moves
        assert np.array_equal(_col(r, "decided_day"), _col(off, "decided_day"), equal_nan=True)
        chance = np.exp(-(age + _col(off, "decided_day")[rows]) / tau)
        got = ~np.isnan(_col(r, "ceasefire_day")[rows])
        se = np.sqrt((chance * (1 - chance)).sum())
        assert abs(got.sum() - chance.sum()) < 3.5 * se


def test_pi_is_the_floor_and_what_is_signed_at_a_shorter_tau_is_signed_at_a_longer(runs):
    rows = _decided_unsigned(runs[0.0])
    prev = np.zeros(int(rows.sum()), dtype=bool)
    for tau in (0.0, 30.0, 120.0):
        now = ~np.isnan(_col(runs[tau], "ceasefire_day")[rows])
        assert (now >= prev).all()
        prev = now
    floor, young = _run(0.0, signed=0.5), _run(120.0, signed=0.5)
    a = ~np.isnan(_col(floor, "ceasefire_day")[rows])
    b = ~np.isnan(_col(young, "ceasefire_day")[rows])
    assert (b >= a).all() and b.sum() > a.sum()


def test_more_ceasefires_the_younger_the_war(runs):
    """On common random numbers P(ceasefire) rises with tau by more than 3 paired se, and a war
    begun two years before the start gains less than one begun at the start."""

    def gain(off: sim.Results, on: sim.Results) -> np.ndarray:
        return (~np.isnan(_col(on, "ceasefire_day"))).astype(float) - (
            ~np.isnan(_col(off, "ceasefire_day"))
        ).astype(float)

    young = gain(runs[0.0], runs[120.0])
    old = gain(_run(0.0, age_days=730), _run(120.0, age_days=730))
    for d in (young, young - old):
        assert d.mean() > 3 * d.std(ddof=1) / np.sqrt(len(d))
