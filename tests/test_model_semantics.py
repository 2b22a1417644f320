"""The war value, persistent misjudgement, the multi-issue mediator, coercive threats and sanctions
against their closed forms (docs/model.md, "Oracles"), through the public API where it can be seen."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest
from oracle_scenarios import DECISIVE_PER_YEAR, PATIENT, H, fearon, toy, with_offer
from scipy import stats

import sim
from sim.model.engine.world import Tracer
from sim.model.mechanisms import World, compile_scenario


def _agreed(scenario: dict[str, Any], n: int = 200, seed: int = 1) -> float:
    return float(
        sim.run(sim.load_scenario(scenario), replicates=n, seed=seed).column("ceasefire").mean()
    )


# ----------------------------------------------------------------------------- war value


def _discounted(p: float, c_a: float, c_b: float, delta: float) -> dict[str, Any]:
    """The Fearon setting with patience delta < 1: W_i = (h delta E_i - C_i) / (1 - delta (1 - h))."""
    s = fearon(p, c_a, c_b)
    for side in ("a", "b"):
        s["actors"][side]["patience"] = delta
    return s


@pytest.mark.parametrize("delta", [0.9, 0.99])
def test_the_war_value_is_the_discounted_stream_of_costs_and_the_delayed_prize(delta):
    p, cost_a, cost_b = 0.4, 0.05 * H, 0.08 * H  # per-round costs (the scenario multiplies by h)
    t = 1.0 / (1.0 - delta * (1.0 - H))
    w_a = (H * delta * (1 - p) - cost_a) * t  # E_A = 1 - p: A wants x = 0, B prevails with p
    w_b = (H * delta * p - cost_b) * t
    base = _discounted(p, 0.05, 0.08, delta)
    # A accepts x iff 1 - x > W_A, B iff x > W_B: the range is (W_B, 1 - W_A)
    lo, hi = w_b, 1.0 - w_a
    eps = 0.005
    assert _agreed(with_offer(base, lo + eps)) == 1.0
    assert _agreed(with_offer(base, hi - eps)) == 1.0
    assert _agreed(with_offer(base, lo - eps)) == 0.0
    assert _agreed(with_offer(base, hi + eps)) == 0.0


def test_a_more_patient_side_values_war_more_when_its_prize_outweighs_its_costs():
    # dW/d delta = (h E - C (1 - h)) / (1 - delta (1 - h))^2 > 0 when h E > C (1 - h)
    def w(delta: float) -> float:
        return (H * delta * 0.6 - 0.05 * H) / (1 - delta * (1 - H))

    assert w(0.99) > w(0.9)
    lo_patient = (
        1.0 - w(0.99) + 0.002
    )  # just beyond what a patient A accepts, within an impatient A's
    assert _agreed(with_offer(_discounted(0.4, 0.05, 0.08, 0.9), lo_patient)) == 1.0
    assert _agreed(with_offer(_discounted(0.4, 0.05, 0.08, 0.99), lo_patient)) == 0.0


def test_the_front_line_and_where_it_is_heading_enter_the_war_value():
    def w(control: float, drift: float) -> np.ndarray:
        s = toy()
        s["pressures"]["battlefield"].update(control=control, drift=drift)
        sc = sim.load_scenario(s)
        specs = compile_scenario(sc)
        world = World(specs, 8, 1, 0, Tracer(0, specs.layout))
        world.war.refresh(world)
        return world.war.war.mean(axis=1)

    base, ahead, faster = w(20, 0.01), w(40, 0.01), w(20, 0.03)
    assert ahead[1] > base[1] and ahead[0] < base[0]  # B holding more land values war more
    # with mutual optimism each side expects the front to move its way: a livelier front
    # raises both war values
    assert faster[1] > base[1]


# ----------------------------------------------------------------------------- misjudgement


def _one_side_decides(q: float, rho: float, sessions: int) -> dict[str, Any]:
    """B offers x every week; A's margin m and normal errors of sd 0.02 give P(accept) = q."""
    sd = 0.02
    m = sd * stats.norm.ppf(q)
    p, c_a = 0.4, 0.1
    x = p + c_a - m  # V_A = 1 - x, W_A = 1 - p - c_A: margin m
    s = fearon(p, c_a, 0.15, horizon=7 * sessions)
    s["negotiation"] = {"misperception": {"sd": sd, "persistence": rho}}
    s["proposals"] = [{"name": "offer", "by": "b", "every_days": 7, "terms": {"x": x}}]
    return s


@pytest.mark.slow
@pytest.mark.parametrize("rho", [0.0, 1.0])
def test_repeated_offers_accumulate_acceptance_only_when_errors_are_fresh(rho):
    q, sessions, n = 0.3, 5, 20000
    r = sim.run(sim.load_scenario(_one_side_decides(q, rho, sessions)), replicates=n, seed=5)
    days = r.column("ceasefire_day")
    for k in range(1, sessions + 1):
        by_k = float(np.mean(days < 7 * k))
        expected = q if rho == 1.0 else 1 - (1 - q) ** k
        se = math.sqrt(expected * (1 - expected) / n)
        assert abs(by_k - expected) < 4 * se, (k, by_k, expected)


# ----------------------------------------------------------------------------- the mediator


def _three_issues(w_a: list[float], w_b: list[float]) -> dict[str, Any]:
    """Linear utilities, y_A = 0 and y_B = 1 on every issue, both war values 0 (d = 0)."""
    issues = {k: {"range": [0, 1]} for k in ("i", "j", "k")}
    e = 0.5  # p = 1/2, no optimism: each side's expected outcome is 1/2
    s = {
        "name": "multi-issue Nash",
        "start": "2025-01-01",
        "horizon": 7,
        "issues": issues,
        "actors": {
            "a": {"role": "belligerent", "side": "A", "ideal": dict.fromkeys(issues, 0),
                  "salience": dict(zip(issues, w_a, strict=True)), "patience": PATIENT, "cost": e * H},
            "b": {"role": "belligerent", "side": "B", "ideal": dict.fromkeys(issues, 1),
                  "salience": dict(zip(issues, w_b, strict=True)), "patience": PATIENT, "cost": e * H},
            "m": {"role": "mediator", "proposes": "nash"},
        },
        "pressures": {
            "battlefield": {"decisive_per_year": DECISIVE_PER_YEAR, "drift": 0, "volatility": 0},
            "learning": {"rate": 0, "noise": 0},
        },
        "negotiation": {"misperception": {"sd": 1e-9}},
        "durability": {"base_hazard_per_year": 0},
    }  # fmt: skip
    return s


@pytest.mark.parametrize(
    ("w_a", "w_b"), [([0.5, 0.3, 0.2], [0.2, 0.3, 0.5]), ([0.1, 0.6, 0.3], [0.5, 0.2, 0.3])]
)
def test_the_multi_issue_nash_point_concedes_issues_in_order_of_salience_ratio(w_a, w_b):
    r = sim.run(sim.load_scenario(_three_issues(w_a, w_b)), replicates=3, seed=1)
    x = np.array([r.column(f"terms.{k}")[0] for k in ("i", "j", "k")])
    wa, wb = np.array(w_a) / sum(w_a), np.array(w_b) / sum(w_b)
    u_a, u_b = float(wa @ (1 - x)), float(wb @ x)
    ratio = wb / wa
    split = [k for k in range(3) if 1e-9 < x[k] < 1 - 1e-9]
    assert len(split) <= 1  # at most one issue is split
    for k in range(3):
        for j in range(3):
            if ratio[k] > ratio[j]:
                assert x[k] >= x[j]  # B gets first what it values most relative to A
    if split:
        k = split[0]
        assert u_a / u_b == pytest.approx(wa[k] / wb[k], rel=1e-9)


# ----------------------------------------------------------------------------- threats


def test_a_carried_out_threat_costs_its_target_exactly_its_declared_cost():
    s = toy()
    s["pressures"]["battlefield"].update(drift=0.0, volatility=0.0)
    s["actors"]["m"]["threats"] = [
        {
            "name": "punish",
            "against": "b",
            "trigger": "deadline",
            "deadline": "2025-01-02",
            "cost": 0.07,
        }
    ]
    specs = compile_scenario(sim.load_scenario(s))
    w = World(specs, 16, 1, 0, Tracer(0, specs.layout))
    w.day = 0
    w.war.refresh(w)
    before = w.war.war.copy()
    w.day = 1
    w.threats.deadline(w, 0)  # credibility 1: armed, due after no delay
    w.threats.end(w)
    w.war.refresh(w)
    np.testing.assert_allclose(before[1] - w.war.war[1], 0.07, rtol=1e-12)
    np.testing.assert_allclose(before[0], w.war.war[0], rtol=1e-12)


def test_a_threat_is_traced_when_triggered_and_when_carried_out_each_on_its_day():
    s = with_offer(fearon(0.4, 0.1, 0.15, horizon=28), 0.2)  # below p - c_B: B obstructs
    s["actors"]["m"]["threats"] = [
        {"name": "walk away", "against": "obstructer", "effect": {"engaged.m": 0}, "delay_days": 10}
    ]
    r = sim.run(sim.load_scenario(s), replicates=5, seed=1, trace=5)
    events = r.traces[0]["events"]
    triggered = [e for e in events if e["kind"] == "threat_triggered"]
    done = [e for e in events if e["kind"] == "threat"]
    assert triggered and done
    assert triggered[0]["day"] == 0 and done[0]["day"] == 10
    assert [e["day"] for e in events] == sorted(e["day"] for e in events)


# ----------------------------------------------------------------------------- sanctions


def test_sanctions_added_by_an_event_survive_a_schedule_step():
    s = toy()
    s["pressures"]["sanctions"] = {
        "target": "b",
        "level": 0.5,
        "schedule": [{"on": "2025-01-15", "level": 0.6}],
    }
    s["events"] = [{"name": "tariffs", "on": "2025-01-08", "effect": {"sanctions": "+0.15"}}]
    s["actors"]["m"]["proposes"] = "none"
    r = sim.run(sim.load_scenario(s), replicates=3, seed=1, trace=1)
    step = next(e for e in r.traces[0]["events"] if e["kind"] == "sanctions")
    assert step["level"] == pytest.approx(0.75)  # the step's 0.6 plus the event's 0.15


def test_only_a_mediators_offer_can_be_obstructed():
    base = fearon(0.4, 0.1, 0.15, horizon=7)
    base["actors"]["patron"] = {"role": "patron", "supports": "a"}
    base["actors"]["m"]["threats"] = [
        {"name": "walk away", "against": "obstructer", "effect": {"engaged.m": 0}}
    ]
    for by, obstructs in (("m", True), ("patron", False)):
        s = copy.deepcopy(with_offer(base, 0.2))  # A accepts, B rejects
        s["proposals"][0]["by"] = by
        out = sim.run(sim.load_scenario(s), replicates=20, seed=1)
        assert bool((out.column("obstructed_by") == "b").all()) is obstructs
        assert bool((out.column("threats_fired") == 1).all()) is obstructs


# ----------------------------------------------------------------------------- direct talks


def test_a_side_in_direct_talks_never_offers_terms_it_would_itself_refuse():
    # Mutual optimism leaves no zone of agreement and misjudgement is large: the best terms a
    # side can put are often worse to it than fighting on. Then it makes no offer; every offer
    # it does make beats fighting on as it judges it (value - war value > its misjudgement).
    s = fearon(0.5, 0.02, 0.02, horizon=182)
    for side in ("a", "b"):
        s["actors"][side]["optimism"] = 0.3
    s["negotiation"] = {"direct": 1.0, "misperception": {"sd": 0.15, "persistence": 0.9}}
    res = sim.run(sim.load_scenario(s), replicates=200, seed=3, trace=200)
    sides = {"a": 0, "b": 1}
    made = 0
    for story in res.traces:
        for e in story["events"]:
            if e["kind"] != "proposal" or " offer:" not in e["text"]:
                continue
            j = sides[e["text"].split(" offer:")[0]]
            made += 1
            judged = e["value"][j] - e["war_value"][j] - e["misjudgement"][j]
            assert judged > -5e-4, e  # values are traced to 4 decimals
    assert made > 50  # the check above is not vacuous
