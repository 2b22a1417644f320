"""Who is left to sign: in an intrastate or extrastate war (conflict_type), the chance that a
war decided by force is closed by a signed ceasefire is multiplied by
structure.internal_signed_scale (capped at 1); in a war between states, and where the kind is
not given, nothing changes. Row by row on common random numbers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from oracle_scenarios import toy

import sim
from sim.errors import ScenarioError
from sim.model.scenario.loader import validate_loaded

N = 1500


def _run(kind: str | None, scale: float | None, signed: float = 0.5) -> sim.Results:
    s = toy()
    s["pressures"]["battlefield"]["decisive_per_year"] = 1.5  # many wars decided, not all
    s["pressures"]["battlefield"]["signed_after_decision"] = signed
    if kind is not None:
        s["conflict_type"] = kind
    if scale is not None:
        s["structure"] = {"internal_signed_scale": scale}
    return sim.run(validate_loaded(s), replicates=N, seed=5)


def _col(r: sim.Results, name: str) -> np.ndarray:
    return np.asarray(r.column(name))


@pytest.fixture(scope="module")
def civil() -> dict[float, sim.Results]:
    return {x: _run("intrastate", x) for x in (0.0, 0.5, 1.0, 2.0)}


def test_the_default_scale_and_a_war_between_states_change_nothing(civil):
    plain = _run(None, None)
    assert civil[1.0].outcomes.equals(plain.outcomes)
    for scale in (0.0, 2.0):
        assert _run("interstate", scale).outcomes.equals(plain.outcomes)
        assert _run(None, scale).outcomes.equals(plain.outcomes)


def test_a_colonial_war_is_scaled_as_a_civil_one(civil):
    assert _run("extrastate", 0.0).outcomes.equals(civil[0.0].outcomes)


def test_the_share_of_decided_wars_signed_is_the_scaled_chance(civil):
    none = _run("intrastate", 1.0, signed=0.0)
    day0 = _col(none, "ceasefire_day").astype(float)
    decided = ~np.isnan(_col(none, "decided_day").astype(float)) & np.isnan(day0)
    m = int(decided.sum())
    assert m > 200
    for scale, chance in ((0.0, 0.0), (0.5, 0.25), (1.0, 0.5), (2.0, 1.0)):
        r = civil[scale]
        # nothing before a decision moves
        assert np.array_equal(_col(r, "decided_day"), _col(none, "decided_day"), equal_nan=True)
        signed = ~np.isnan(_col(r, "ceasefire_day").astype(float)[decided])
        se = np.sqrt(max(chance * (1 - chance), 1e-12) / m)
        assert abs(signed.mean() - chance) < 3.5 * se + 1e-12  # binomial share, tolerance its se
    # one uniform per decided war: what is signed at a lower scale is signed at a higher one
    prev = np.zeros(m, dtype=bool)
    for scale in (0.0, 0.5, 1.0, 2.0):
        now = ~np.isnan(_col(civil[scale], "ceasefire_day").astype(float)[decided])
        assert (now >= prev).all()
        prev = now


def test_p_ceasefire_rises_with_the_scale_by_more_than_its_paired_se(civil):
    got = [~np.isnan(_col(civil[x], "ceasefire_day").astype(float)) for x in (0.0, 0.5, 1.0)]
    for lo, hi in itertools.pairwise(got):
        diff = hi.astype(float) - lo.astype(float)
        se = diff.std(ddof=1) / np.sqrt(len(diff))
        assert diff.mean() > 3 * se


def test_an_unknown_kind_of_war_is_refused_naming_the_field():
    s = toy()
    s["conflict_type"] = "civil"
    with pytest.raises(ScenarioError, match="conflict_type"):
        validate_loaded(s)
