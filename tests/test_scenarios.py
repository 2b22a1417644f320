"""The shipped scenarios: each loads and validates, and each variant changes what its name promises."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sim.model.scenario.distributions import mean_of
from sim.model.scenario.loader import load_scenario
from sim.model.scenario.schema import Belligerent, Mediator, Patron, Scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
VARIANTS = [p for p in SHIPPED if p.name != "baseline.yaml"]


def load(name: str) -> Scenario:
    return load_scenario(SCENARIOS / name)


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load("baseline.yaml")


def test_at_least_six_scenarios_are_shipped() -> None:
    assert len(SHIPPED) >= 6, [p.name for p in SHIPPED]
    assert (SCENARIOS / "baseline.yaml") in SHIPPED


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenario_loads_and_validates(path: Path) -> None:
    s = load_scenario(path)
    assert isinstance(s, Scenario)
    assert s.name
    assert s.description
    assert s.horizon_days > 0


@pytest.mark.parametrize("path", VARIANTS, ids=lambda p: p.stem)
def test_variant_extends_baseline_with_its_own_name(path: Path, baseline: Scenario) -> None:
    text = path.read_text(encoding="utf-8")
    assert "extends: baseline.yaml" in text
    s = load_scenario(path)
    assert s.name != baseline.name
    assert s.description != baseline.description
    assert s.start == baseline.start and s.horizon_date == baseline.horizon_date


# ----------------------------------------------------------------------------- baseline


def test_baseline_has_the_actors_and_issues_of_april_2025(baseline: Scenario) -> None:
    assert baseline.start == dt.date(2025, 4, 26)
    assert baseline.horizon_date == dt.date(2025, 12, 31)
    assert baseline.round_days == 7
    assert baseline.side("A")[0] == "ukraine"
    assert baseline.side("B")[0] == "russia"
    assert isinstance(baseline.actors["united_states"], Mediator)
    assert baseline.actors["united_states"].proposes == "nash"
    assert {"europe", "us_aid"} <= set(baseline.patrons())
    assert {"territory", "nato", "security_guarantees", "sanctions_relief"} <= set(baseline.issues)
    assert baseline.front_line_issue() == "territory"
    assert baseline.issues["territory"].range == (0, 30)


def test_baseline_territory_numbers_match_the_record(baseline: Scenario) -> None:
    russia = baseline.actors["russia"]
    ukraine = baseline.actors["ukraine"]
    assert isinstance(russia, Belligerent) and isinstance(ukraine, Belligerent)
    assert mean_of(ukraine.ideal["territory"]) == 0
    assert 22 <= mean_of(russia.ideal["territory"]) <= 24  # four provinces + Crimea ~ 22.5%
    bf = baseline.pressures.battlefield
    assert bf is not None and bf.control is not None
    assert 19 <= mean_of(bf.control) <= 20  # Russia holds close to a fifth
    assert mean_of(russia.ideal["nato"]) == 0  # neutrality


def test_baseline_mediator_threatens_to_walk_away_from_an_obstructer(baseline: Scenario) -> None:
    us = baseline.actors["united_states"]
    assert isinstance(us, Mediator)
    walk = [t for t in us.threats if t.effect.get("engaged.united_states") == 0]
    assert len(walk) == 1
    t = walk[0]
    assert t.against == "obstructer" and t.trigger == "obstruction"
    assert 0 < mean_of(t.credibility) < 1
    assert mean_of(t.delay_days) > 0 and mean_of(t.cost) > 0


def test_baseline_puts_the_us_thirty_day_truce(baseline: Scenario) -> None:
    truces = [p for p in baseline.proposals if p.by == "united_states" and p.truce_days == 30]
    assert len(truces) == 1
    assert truces[0].on is not None and truces[0].on < dt.date(2025, 6, 1)


def test_baseline_uncertain_inputs_are_distributions(baseline: Scenario) -> None:
    from sim.model.scenario.distributions import Dist

    russia = baseline.actors["russia"]
    assert isinstance(russia, Belligerent) and russia.stalling is not None
    assert isinstance(russia.stalling.prior, Dist)
    us = baseline.actors["united_states"]
    assert isinstance(us, Mediator) and isinstance(us.threats[0].credibility, Dist)
    bf = baseline.pressures.battlefield
    assert bf is not None and isinstance(bf.control, Dist)
    assert len(baseline.correlations) >= 2
    assert len(baseline.sources) >= 5


# ----------------------------------------------------------------------------- variants


def test_us_walks_away_ends_mediation_and_us_aid_early(baseline: Scenario) -> None:
    s = load("us_walks_away.yaml")
    exits = [e for e in s.events if e.effect.get("engaged.united_states") == 0]
    cuts = [e for e in s.events if e.effect.get("aid.us_aid") == 0]
    assert len(exits) == 1 and len(cuts) == 1
    assert exits[0].on is not None and exits[0].on < dt.date(2025, 6, 1)
    assert cuts[0].on is not None and cuts[0].on < dt.date(2025, 6, 1)
    # The baseline has no such events; the rest of the baseline's events are kept.
    assert not [e for e in baseline.events if "engaged.united_states" in e.effect]
    assert {e.name for e in baseline.events} < {e.name for e in s.events}
    # The US framework is no longer put again and again.
    us_terms = [p for p in s.proposals if p.by == "united_states" and p.terms is not None]
    assert us_terms and all(p.every_days is None for p in us_terms)


def test_sanctions_escalation_raises_level_bite_and_cost(baseline: Scenario) -> None:
    s = load("sanctions_escalation.yaml")
    b, v = baseline.pressures.sanctions, s.pressures.sanctions
    assert b is not None and v is not None
    assert v.target == b.target == "russia"
    assert mean_of(v.level) > mean_of(b.level)
    assert mean_of(v.bite) > mean_of(b.bite)
    assert mean_of(v.cost) > mean_of(b.cost)
    assert max(mean_of(st.level) for st in v.schedule) > max(mean_of(st.level) for st in b.schedule)
    assert v.relief_issue == b.relief_issue == "sanctions_relief"


def test_security_guarantees_offers_strong_guarantees_that_weigh_more(baseline: Scenario) -> None:
    s = load("security_guarantees.yaml")

    def strongest(sc: Scenario) -> float:
        return max(
            float(p.terms["security_guarantees"])
            for p in sc.proposals
            if p.terms is not None and isinstance(p.terms.get("security_guarantees"), float)
        )

    assert strongest(s) >= 0.9 and strongest(s) > strongest(baseline)
    assert len(s.proposals) > len(baseline.proposals)
    g_base = mean_of(baseline.durability.guarantees["security_guarantees"])
    g_var = mean_of(s.durability.guarantees["security_guarantees"])
    assert g_var > g_base


def test_russian_stalling_has_a_high_stalling_prior(baseline: Scenario) -> None:
    s = load("russian_stalling.yaml")
    b, v = baseline.actors["russia"], s.actors["russia"]
    assert isinstance(b, Belligerent) and isinstance(v, Belligerent)
    assert b.stalling is not None and v.stalling is not None
    assert mean_of(v.stalling.prior) > mean_of(b.stalling.prior)
    assert mean_of(v.stalling.prior) >= 0.7
    assert mean_of(v.stalling.weeks) >= mean_of(b.stalling.weeks)
    assert mean_of(v.stalling.premium) >= mean_of(b.stalling.premium)
    # Only Russia's stalling differs among the actors.
    assert v.ideal == b.ideal
    assert v.model_dump()["cost"] == b.model_dump()["cost"]


def test_war_weariness_lowers_support_and_raises_casualty_sensitivity(baseline: Scenario) -> None:
    s = load("war_weariness.yaml")
    for side in ("ukraine", "russia"):
        b, v = baseline.actors[side], s.actors[side]
        assert isinstance(b, Belligerent) and isinstance(v, Belligerent)
        assert mean_of(v.support) < mean_of(b.support)
        bd, vd = baseline.pressures.domestic[side], s.pressures.domestic[side]
        assert mean_of(vd.casualty_sensitivity) > 2 * mean_of(bd.casualty_sensitivity)


@pytest.mark.parametrize("path", VARIANTS, ids=lambda p: p.stem)
def test_variant_keeps_the_baseline_cast(path: Path, baseline: Scenario) -> None:
    s = load_scenario(path)
    assert set(s.actors) == set(baseline.actors)
    assert set(s.issues) == set(baseline.issues)
    for k, a in s.actors.items():
        assert type(a) is type(baseline.actors[k])
    assert all(isinstance(a, Patron) for k, a in s.actors.items() if k in ("europe", "us_aid"))
