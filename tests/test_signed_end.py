"""A war decided by force may be closed by a ceasefire both sides sign on the winner's terms
(pressures.battlefield.signed_after_decision): what it changes, row by row on common random
numbers, and what it leaves alone."""

from __future__ import annotations

import numpy as np
import pytest
from oracle_scenarios import toy

import sim
from sim.model.scenario.loader import validate_loaded

N = 1500


def _run(signed: float | None) -> sim.Results:
    s = toy()
    s["pressures"]["battlefield"]["decisive_per_year"] = (
        1.5  # many wars decided within the year, not all
    )
    if signed is not None:
        s["pressures"]["battlefield"]["signed_after_decision"] = signed
    return sim.run(validate_loaded(s), replicates=N, seed=5)


@pytest.fixture(scope="module")
def runs() -> dict[float | None, sim.Results]:
    return {p: _run(p) for p in (None, 0.0, 0.5, 1.0)}


def _col(r: sim.Results, name: str) -> np.ndarray:
    return np.asarray(r.column(name))


def test_zero_is_the_default_and_changes_nothing(runs):
    assert runs[None].outcomes.equals(runs[0.0].outcomes)
    assert runs[None].series.equals(runs[0.0].series)


def test_every_decided_war_is_signed_at_one_on_the_winners_terms_and_stays_over(runs):
    none, one = runs[0.0], runs[1.0]
    decided = ~np.isnan(_col(none, "decided_day").astype(float))
    assert 0.2 < decided.mean() < 0.95  # the test needs wars of both kinds
    # nothing before a decision moves: the same wars are decided on the same days, for the same side
    assert np.array_equal(_col(none, "decided_day"), _col(one, "decided_day"), equal_nan=True)
    assert np.array_equal(_col(none, "decided_for"), _col(one, "decided_for"))
    day0, day1 = (_col(r, "ceasefire_day").astype(float) for r in (none, one))
    assert np.array_equal(day0[~decided], day1[~decided], equal_nan=True)
    late = decided & np.isnan(day0)  # decided with no ceasefire before: signed that day
    assert late.any()
    assert np.array_equal(day1[late], _col(one, "decided_day").astype(float)[late])
    assert _col(one, "in_force_at_horizon")[late].all()
    assert np.isnan(_col(one, "breakdown_day").astype(float)[late]).all()
    winner_a = late & (_col(one, "decided_for") == "a")
    winner_b = late & (_col(one, "decided_for") == "b")
    assert winner_a.any() and winner_b.any()
    guarantees = _col(one, "terms.guarantees").astype(float)
    assert np.allclose(guarantees[winner_a], 1.0) and np.allclose(guarantees[winner_b], 0.0)
    land = _col(one, "terms.land").astype(float)
    final = _col(one, "final_control").astype(float)
    assert np.allclose(land[late], final[late])  # the front where it stands


def test_each_decided_war_is_signed_with_the_stated_chance(runs):
    half = runs[0.5]
    none = runs[0.0]
    day0 = _col(none, "ceasefire_day").astype(float)
    decided = ~np.isnan(_col(none, "decided_day").astype(float)) & np.isnan(day0)
    signed = ~np.isnan(_col(half, "ceasefire_day").astype(float)[decided])
    m = int(decided.sum())
    se = np.sqrt(0.25 / m)
    assert abs(signed.mean() - 0.5) < 3.5 * se  # a binomial share, tolerance from its se
    # row by row: whatever is signed at 0.5 is signed at 1 (one uniform per war decides it)
    one = ~np.isnan(_col(runs[1.0], "ceasefire_day").astype(float)[decided])
    assert (one >= signed).all()
    p = [r.summary()["p_ceasefire"]["estimate"] for r in (none, half, runs[1.0])]
    assert p[0] < p[1] < p[2]


def test_a_war_decided_in_a_round_that_ends_after_the_horizon_is_not_closed_within_it():
    s = toy()
    s["horizon"] = 100  # weekly rounds: the last runs from day 98 to 104, past the horizon
    s["pressures"]["battlefield"]["decisive_per_year"] = 3.0
    s["pressures"]["battlefield"]["signed_after_decision"] = 1.0
    r = sim.run(validate_loaded(s), replicates=N, seed=5)
    day = _col(r, "ceasefire_day").astype(float)
    decided = _col(r, "decided_day").astype(float)
    assert (decided >= r.horizon_days).any()  # some wars are decided in that last round
    assert np.nanmax(day) < r.horizon_days
    late = decided >= r.horizon_days
    assert np.isnan(day[late & ~(day < decided)]).all()  # not signed after the horizon


def test_the_summary_counts_the_ceasefires_that_closed_a_decided_war(runs):
    none, one = runs[0.0], runs[1.0]
    assert none.summary()["p_signed_after_decision"]["estimate"] == 0.0
    assert "closing a war decided by force" not in none.headline()
    decided = _col(one, "decided_day").astype(float)
    first = _col(one, "ceasefire_day").astype(float)
    share = float(np.mean(~np.isnan(decided) & (first == decided)))
    assert 0.1 < share
    assert one.summary()["p_signed_after_decision"]["estimate"] == pytest.approx(share, abs=1e-6)
    assert "P(a ceasefire closing a war decided by force)" in one.headline()


def _broker_run(signed: float, needs: bool, **mediator: object) -> sim.Results:
    s = toy()
    s["pressures"]["battlefield"]["decisive_per_year"] = 1.5
    s["pressures"]["battlefield"]["signed_after_decision"] = signed
    s["pressures"]["battlefield"]["signed_needs_broker"] = needs
    s["actors"]["m"].update(mediator)
    return sim.run(validate_loaded(s), replicates=N, seed=5)


def test_a_broker_engaged_throughout_signs_as_without_the_switch(runs):
    """The toy's mediator proposes its own terms and is engaged in every future: the switch
    changes nothing."""
    assert _broker_run(1.0, True).outcomes.equals(runs[1.0].outcomes)


@pytest.mark.parametrize("mediator", [{"proposes": "none"}, {"engaged": False}])
def test_without_an_engaged_broker_no_decided_war_is_signed(mediator):
    """A mediator that only presses (proposes: none), or one never engaged: every decided war
    ends without a ceasefire, as at signed_after_decision = 0, row by row; without the switch
    the same wars are signed (so the test can fail)."""
    needs, zero, free = (
        _broker_run(1.0, True, **mediator),
        _broker_run(0.0, False, **mediator),
        _broker_run(1.0, False, **mediator),
    )
    assert needs.outcomes.equals(zero.outcomes)
    day0, day1 = (_col(r, "ceasefire_day").astype(float) for r in (zero, free))
    assert (np.isnan(day0) & ~np.isnan(day1)).sum() > 20
