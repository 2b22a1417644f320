"""Directions the model must show (docs/model.md, "Comparative statics"), on common random numbers.

Each test runs a scenario and one variant with the same seed, so the two share their random
streams replicate by replicate, and judges the direction by the paired difference: its
standard error comes from the per-replicate differences, never from a fixed margin.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from oracle_scenarios import toy

import sim

N = 4000
SEED = 11
Z = 3.0  # a direction must be at least Z paired standard errors away from zero

pytestmark = pytest.mark.slow


def _run(s: dict[str, Any] | sim.Scenario, n: int = N, seed: int = SEED) -> sim.Results:
    scenario = s if isinstance(s, sim.Scenario) else sim.load_scenario(s)
    return sim.run(scenario, replicates=n, seed=seed)


def _variant(
    edit: Callable[[dict[str, Any]], None], base: Callable[[], dict[str, Any]] = toy
) -> sim.Results:
    s = copy.deepcopy(base())
    edit(s)
    return _run(s)


def paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean of b - a over replicates, and its standard error from the paired differences."""
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    d = d[~np.isnan(d)]
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d)))


def d_p(a: sim.Results, b: sim.Results) -> tuple[float, float]:
    """Change in P(ceasefire by the horizon)."""
    return paired(a.column("ceasefire"), b.column("ceasefire"))


def d_day(a: sim.Results, b: sim.Results) -> tuple[float, float]:
    """Change in the day of the first ceasefire, counting none as the horizon (restricted mean)."""
    h = a.horizon_days
    return paired(
        np.nan_to_num(a.column("ceasefire_day"), nan=h),
        np.nan_to_num(b.column("ceasefire_day"), nan=h),
    )


def d_utility(
    a: sim.Results, b: sim.Results, u: Callable[[sim.Results], np.ndarray]
) -> tuple[float, float]:
    """Change in a side's utility of the agreed terms, over the replicates that agreed in both."""
    both = a.column("ceasefire") & b.column("ceasefire")
    return paired(np.where(both, u(a), np.nan), np.where(both, u(b), np.nan))


def u_a(r: sim.Results) -> np.ndarray:
    """A's utility of the agreed terms in the toy war (ideal: no land to B, full guarantees)."""
    return 0.6 * (1 - r.column("terms.land") / 100) + 0.4 * r.column("terms.guarantees")


def u_b(r: sim.Results) -> np.ndarray:
    return 0.7 * r.column("terms.land") / 100 + 0.3 * (1 - r.column("terms.guarantees"))


def up(change: tuple[float, float]) -> bool:
    return change[0] > Z * change[1]


def down(change: tuple[float, float]) -> bool:
    return change[0] < -Z * change[1]


def not_up(change: tuple[float, float]) -> bool:
    return change[0] < Z * change[1]


@pytest.fixture(scope="module")
def base() -> sim.Results:
    return _run(toy())


def test_higher_war_costs_bring_more_and_earlier_ceasefires(base):
    def costly(s):
        for side in ("a", "b"):
            s["actors"][side]["cost"] = 0.002

    r = _variant(costly)
    assert up(d_p(base, r))
    assert down(d_day(base, r))


def test_sanctions_on_b_bring_more_ceasefires(base):
    def sanctioned(s):
        s["pressures"]["sanctions"] = {"target": "b", "level": 0.8, "bite": 0.005, "cost": 0.001}

    assert up(d_p(base, _variant(sanctioned)))


def test_more_mutual_optimism_means_fewer_ceasefires(base):
    def optimistic(s):
        for side in ("a", "b"):
            s["actors"][side]["optimism"] = 0.45

    assert down(d_p(base, _variant(optimistic)))


def test_faster_learning_brings_earlier_ceasefires(base):
    r = _variant(lambda s: s["pressures"]["learning"].update(rate=0.05))
    assert down(d_day(base, r))
    assert up(d_p(base, r))


def test_higher_audience_costs_mean_fewer_ceasefires_on_terms_favouring_the_constrained_side():
    # A's public expects no more than 25 of the land for B; its leader pays for any shortfall
    def expecting(s):
        s["actors"]["a"]["reference"] = {"land": 25}

    def weak(s):
        expecting(s)
        s["actors"]["a"]["audience_cost"] = 0.2

    def strong(s):
        expecting(s)
        s["actors"]["a"]["audience_cost"] = 1.5

    a, b = _variant(weak), _variant(strong)
    assert down(d_p(a, b))
    # on the issue its public watches, the constrained side concedes less: less land for B
    assert down(d_utility(a, b, lambda r: r.column("terms.land")))


def test_credible_threats_that_cost_the_obstructer_bring_more_ceasefires(base):
    def threaten(s):
        s["actors"]["m"]["threats"] = [
            {"name": "punish obstruction", "against": "obstructer", "credibility": 0.9, "cost": 0.1}
        ]

    assert up(d_p(base, _variant(threaten)))


def test_stronger_guarantees_make_ceasefires_last_longer(base):
    r = _variant(lambda s: s["durability"].update(guarantees={"guarantees": 3.0}))
    held = base.column("ceasefire") & r.column("ceasefire")
    broke = paired(
        np.where(held, ~np.isnan(base.column("breakdown_day")), np.nan),
        np.where(held, ~np.isnan(r.column("breakdown_day")), np.nan),
    )
    assert np.nanmean(np.where(held, ~np.isnan(base.column("breakdown_day")), np.nan)) > 0.05
    assert down(broke)


def test_a_more_patient_side_gets_better_terms_and_no_more_ceasefires(base):
    r = _variant(lambda s: s["actors"]["a"].update(patience=0.9995))
    assert up(d_utility(base, r, u_a))
    assert not_up(d_p(base, r))


def test_the_front_moving_towards_b_moves_terms_towards_b_and_brings_no_more_ceasefires(base):
    # the balance of the contest falls below the sides' strength ratio: the front drifts to B
    r = _variant(lambda s: s["pressures"]["battlefield"].update(balance=0.4))
    assert up(d_utility(base, r, u_b))
    assert not_up(d_p(base, r))


def test_capability_shifting_to_b_moves_terms_towards_b(base):
    r = _variant(lambda s: s["actors"]["b"].update(capability=1.5))
    assert up(d_utility(base, r, u_b))


def _walk_away(credibility: float, cost: float, channel: bool) -> Callable[[dict[str, Any]], None]:
    def edit(s):
        s["actors"]["m"]["threats"] = [
            {
                "name": "walk away",
                "against": "obstructer",
                "effect": {"engaged.m": 0},
                "credibility": credibility,
                "cost": cost,
            }
        ]
        s["negotiation"]["direct"] = 0.5 if channel else 0.0

    return edit


def test_a_walk_away_threat_that_costs_the_obstructer_brings_more_ceasefires_as_it_grows_credible():
    # with the front still, so that no side waits for gains: where both sides expect the front
    # to move their way (the toy's mutual optimism and drift), the premium of waiting swamps a
    # cost of 0.15 and the walk-away mostly removes the mediator (docs/model.md, Findings)
    def still(edit: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
        def both(s: dict[str, Any]) -> None:
            edit(s)
            s["pressures"]["battlefield"]["drift"] = 0.0

        return both

    low = _variant(still(_walk_away(0.1, 0.15, True)))
    high = _variant(still(_walk_away(0.9, 0.15, True)))
    assert up(d_p(low, high))


def test_a_walk_away_threat_that_costs_nothing_and_closes_the_only_channel_brings_fewer():
    low, high = _variant(_walk_away(0.1, 0.0, False)), _variant(_walk_away(0.9, 0.0, False))
    assert down(d_p(low, high))


def _no_zone() -> dict[str, Any]:
    """Optimism that never wears off: no zone of agreement at any time; only errors make deals."""
    s = toy()
    for side in ("a", "b"):
        s["actors"][side]["optimism"] = 0.3
    s["pressures"]["learning"] = {"rate": 0.0, "noise": 0.0}
    return s


def test_more_persistent_misjudgement_without_a_zone_of_agreement_means_fewer_ceasefires():
    def fleeting(s):
        s["negotiation"]["misperception"] = {"sd": 0.3, "persistence": 0.0}

    def lasting(s):
        s["negotiation"]["misperception"] = {"sd": 0.3, "persistence": 0.98}

    a, b = _variant(fleeting, _no_zone), _variant(lasting, _no_zone)
    assert a.column("ceasefire").mean() > 0.05  # errors do manufacture some deals here...
    assert a.summary()["diagnostics"]["below_reservation"] == 1.0  # ... and only errors
    assert down(d_p(a, b))


def test_two_run_seeds_agree_within_their_intervals():
    s = sim.load_scenario("scenarios/baseline.yaml")
    a, b = _run(s, n=8192, seed=1), _run(s, n=8192, seed=2)
    ea, eb = (r.summary()["p_ceasefire"] for r in (a, b))
    assert (
        ea["ci_low"] <= eb["ci_high"] and eb["ci_low"] <= ea["ci_high"]
    )  # the 95% intervals overlap
    assert a.summary()["diagnostics"]["mediator_gap"] < 0.005


def test_the_chunking_moves_the_headline_only_within_its_monte_carlo_error():
    # another chunk size gives other (equally valid) draws: the two estimates of P may differ
    # only by chance, i.e. within 3 standard errors of their difference
    s = sim.load_scenario("scenarios/baseline.yaml")
    a = sim.run(s, replicates=8192, seed=3)
    b = sim.run(s, replicates=8192, seed=3, chunk_size=1024)
    pa, pb = (float(r.ceasefire_flags().mean()) for r in (a, b))
    se = math.sqrt(pa * (1 - pa) / a.n + pb * (1 - pb) / b.n)
    assert not a.outcomes["ceasefire_day"].equals(b.outcomes["ceasefire_day"])  # other draws
    assert abs(pa - pb) <= 3 * se
