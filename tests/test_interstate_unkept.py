"""Armies that obey: in a war between states (conflict_type interstate) the chance that a signed
ceasefire never takes effect is durability.unkept times structure.interstate_unkept_scale
(capped at 1); in any other war, and where the kind is not given, nothing changes. Closed form
in the Fearon oracle (both sides sign every day from day 0, each signing taking effect on its
own uniform: P(by day t) = 1 - phi_eff^(t + 1)) and directions on common random numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from oracle_scenarios import fearon, toy, with_offer

import sim
from sim.model.scenario.loader import validate_loaded


def _fearon(kind: str | None, scale: float | None, n: int, phi: float = 0.6) -> sim.Results:
    s = with_offer(fearon(horizon=30), 0.4, every_days=1)
    s.setdefault("durability", {})["unkept"] = phi
    if kind is not None:
        s["conflict_type"] = kind
    if scale is not None:
        s["structure"] = {"interstate_unkept_scale": scale}
    return sim.run(validate_loaded(s), replicates=n, seed=3)


def _toy(kind: str, scale: float, n: int = 1500) -> sim.Results:
    s = toy()
    s["durability"]["unkept"] = 0.7
    s["durability"]["unkept_persistence"] = 0.5
    s["conflict_type"] = kind
    s["structure"] = {"interstate_unkept_scale": scale}
    return sim.run(validate_loaded(s), replicates=n, seed=5)


def _days(r: sim.Results, col: str = "ceasefire_day") -> np.ndarray:
    return np.asarray(r.column(col), dtype=float)


def test_the_default_scale_and_other_kinds_of_war_change_nothing():
    plain = _fearon(None, None, 600)
    assert _fearon("interstate", 1.0, 600).outcomes.equals(plain.outcomes)
    for kind in (None, "intrastate", "extrastate"):
        assert _fearon(kind, 0.25, 600).outcomes.equals(plain.outcomes)


@pytest.mark.parametrize(("scale", "eff"), [(0.5, 0.3), (1.5, 0.9), (2.0, 1.0)])
def test_the_first_ceasefire_in_force_is_geometric_in_the_scaled_chance(scale, eff):
    n = 3000
    days = _days(_fearon("interstate", scale, n))
    for t in (0, 1, 3):
        want = 1.0 - eff ** (t + 1)
        got = float(np.mean(days <= t))
        se = math.sqrt(max(want * (1 - want), 1e-12) / n)
        assert abs(got - want) < 4.0 * se + 1e-12, (scale, t, got, want)


def test_scale_zero_keeps_every_signing_in_a_war_between_states():
    r = _fearon("interstate", 0.0, 600)
    assert np.all(_days(r) == 0.0)
    assert np.all(np.isnan(_days(r, "unkept_day")))


def test_more_ceasefires_between_states_as_the_scale_falls_and_none_moved_in_a_civil_war():
    got = {x: ~np.isnan(_days(_toy("interstate", x))) for x in (1.0, 0.5)}
    diff = got[0.5].astype(float) - got[1.0].astype(float)
    se = diff.std(ddof=1) / math.sqrt(len(diff))
    assert diff.mean() > 3 * se
    assert _toy("intrastate", 0.5).outcomes.equals(_toy("intrastate", 1.0).outcomes)
