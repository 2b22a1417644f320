"""Directions the model must show (docs/model.md), with common random numbers and a margin.

Each test runs the toy war and one variant with the same seed (so the two share their
random streams) and asserts the direction by several standard errors.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from oracle_scenarios import toy

import sim

N = 4000
SEED = 11

pytestmark = pytest.mark.slow


def _run(s: dict[str, Any]) -> sim.Results:
    return sim.run(sim.load_scenario(s), replicates=N, seed=SEED)


def _p(r: sim.Results) -> float:
    return float(r.outcomes["ceasefire"].mean())


def _se(a: sim.Results, b: sim.Results) -> float:
    """Standard error of the difference of two shares (conservative: ignores the positive pairing)."""
    pa, pb = _p(a), _p(b)
    return float(np.sqrt((pa * (1 - pa) + pb * (1 - pb)) / N))


def _mean_day(r: sim.Results, horizon: int = 364) -> float:
    """Mean day of the first ceasefire, counting none as the horizon (restricted mean)."""
    return float(r.outcomes["ceasefire_day"].fillna(horizon).mean())


@pytest.fixture(scope="module")
def base() -> sim.Results:
    return _run(toy())


def _variant(edit) -> sim.Results:  # type: ignore[no-untyped-def]
    s = copy.deepcopy(toy())
    edit(s)
    return _run(s)


def test_higher_war_costs_bring_more_and_earlier_ceasefires(base):
    def costly(s):
        for side in ("a", "b"):
            s["actors"][side]["cost"] = 0.006

    r = _variant(costly)
    assert _p(r) - _p(base) > 4 * _se(r, base)
    assert _mean_day(r) < _mean_day(base) - 14


def test_sanctions_on_b_bring_more_ceasefires(base):
    def sanctioned(s):
        s["pressures"]["sanctions"] = {"target": "b", "level": 0.8, "bite": 0.005, "cost": 0.004}

    r = _variant(sanctioned)
    assert _p(r) - _p(base) > 4 * _se(r, base)


def test_more_mutual_optimism_means_fewer_ceasefires(base):
    def optimistic(s):
        for side in ("a", "b"):
            s["actors"][side]["optimism"] = 0.3

    r = _variant(optimistic)
    assert _p(base) - _p(r) > 4 * _se(r, base)


def test_faster_learning_brings_earlier_ceasefires(base):
    r = _variant(lambda s: s["pressures"]["learning"].update(rate=0.05))
    assert _mean_day(r) < _mean_day(base) - 14
    assert _p(r) > _p(base)


def test_higher_audience_costs_mean_fewer_ceasefires_on_terms_favouring_the_constrained_side(base):
    def constrained(s):
        s["actors"]["a"]["audience_cost"] = 2.0

    r = _variant(constrained)
    assert _p(base) - _p(r) > 4 * _se(r, base)
    # A wants little land for B: its agreed land share falls
    assert r.outcomes["terms.land"].mean() < base.outcomes["terms.land"].mean() - 2


def test_credible_threats_against_the_obstructer_bring_more_ceasefires(base):
    def threaten(s):
        s["actors"]["m"]["threats"] = [
            {
                "name": "punish obstruction",
                "against": "obstructer",
                "effect": {"cost.target": "*2"},
                "credibility": 0.9,
                "cost": 0.05,
            }
        ]

    r = _variant(threaten)
    assert _p(r) - _p(base) > 4 * _se(r, base)


def test_stronger_guarantees_make_ceasefires_last_longer(base):
    r = _variant(lambda s: s["durability"].update(guarantees={"guarantees": 3.0}))
    agreed_b, agreed_r = base.outcomes["ceasefire"], r.outcomes["ceasefire"]
    broke_b = base.outcomes.loc[agreed_b, "breakdown_day"].notna().mean()
    broke_r = r.outcomes.loc[agreed_r, "breakdown_day"].notna().mean()
    assert broke_b > 0.05
    assert broke_r < 0.6 * broke_b


def test_capability_shifting_to_b_moves_terms_towards_b(base):
    def stronger_b(s):
        s["actors"]["b"]["capability"] = 1.5

    r = _variant(stronger_b)
    assert r.outcomes["terms.land"].mean() > base.outcomes["terms.land"].mean() + 3
