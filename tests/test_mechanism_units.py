"""One mechanism at a time: its step on a tiny hand-made state, against numbers worked out by hand.

Each test builds a World of a few replicates from a small scenario (``unit`` below, changed
where a test needs it), sets the state it is about, calls one step, calendar item or public
method of one mechanism, and compares the resulting arrays with values computed in the test,
the arithmetic in a comment. Nothing goes through ``sim.run``; no statistics.

The base scenario: one front-line issue ``land`` (0..100, share held by B; A wants 0, B 100)
of salience 3 and one political issue ``relief`` (0..1; A wants 1, B 0) of salience 1, so the
weights are 0.75 and 0.25; equal capabilities (p = 0.5), patience 0.9, cost 0.01 a round,
support 0.5; the front at 50 (scaled 0.5) with no noise; no decisive end, no learning, no
misjudgement, no breakdowns; weekly rounds over eight weeks from 2025-01-01.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest

import sim
from sim.model.bargaining.offers import Offer
from sim.model.engine.world import Tracer
from sim.model.mechanisms import World, compile_scenario
from sim.model.mechanisms.effects import compile_effect
from sim.model.scenario.statepaths import CAPABILITY_FLOOR

INF = math.inf
NAN = math.nan
ROUND = 7
DELTA = 0.9  # patience of both sides
COST = 0.01  # cost of a round of fighting at intensity 1 and economy 1
HALF = math.log(2.0) * 365.0 / ROUND  # a decisive hazard per year that gives h = 0.5 a round
CERTAIN = 1e9  # a rate per year that makes the per-round probability exactly 1.0


def side(sid: str, land: float, relief: float, **kw: Any) -> dict[str, Any]:
    out = {
        "role": "belligerent",
        "side": sid,
        "ideal": {"land": land, "relief": relief},
        "salience": {"land": 3, "relief": 1},
        "capability": 1.0,
        "patience": DELTA,
        "cost": COST,
    }
    out.update(kw)
    return out


def unit(**patch: Any) -> dict[str, Any]:
    """The base scenario, with ``patch`` merged in: mappings merge key by key, except that an
    actor given replaces the base one whole; anything else replaces."""
    base: dict[str, Any] = {
        "name": "unit",
        "start": "2025-01-01",
        "horizon": 8 * ROUND,
        "round_days": ROUND,
        "issues": {
            "land": {"range": [0, 100], "status_quo": "front_line"},
            "relief": {"range": [0, 1], "status_quo": 0},
        },
        "actors": {
            "a": side("A", 0, 1),
            "b": side("B", 100, 0),
            "m": {"role": "mediator", "proposes": "none"},
        },
        "pressures": {
            "battlefield": {"control": 50, "drift": 0.0, "volatility": 0, "decisive_per_year": 0},
            "learning": {"rate": 0, "noise": 0},
        },
        "negotiation": {"talks_open": True, "misperception": {"sd": 0}},
        "durability": {"base_hazard_per_year": 0},
    }
    return _merge(base, patch)


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in patch.items():
        if k == "actors":
            out[k] = {**out[k], **copy.deepcopy(v)}
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def world(s: dict[str, Any], n: int = 3, day: int = 0) -> World:
    specs = compile_scenario(sim.load_scenario(s))
    w = World(specs, n, 5, 0, Tracer(0, specs.layout))
    w.day = day
    return w


def item(s: dict[str, Any], label: str) -> Any:
    """The calendar item of scenario ``s`` called ``label`` (its ``run(w)`` carries it out)."""
    items = compile_scenario(sim.load_scenario(s)).calendar().items
    found = [it for it in items if it.label == label]
    assert found, [it.label for it in items]
    return found[0]


def rows(*r: int) -> np.ndarray:
    return np.array(r, dtype=np.intp)


def approx(x: Any, rel: float = 1e-12, abs: float = 1e-15, nan_ok: bool = False) -> Any:
    """pytest.approx of an array (nested lists too), to within rounding by default."""
    return pytest.approx(np.asarray(x, dtype=float), rel=rel, abs=abs, nan_ok=nan_ok)


def same(a: Any, b: Any) -> bool:
    return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))


# ================================================================================ sides


def test_sides_normalise_salience_and_scale_ideals_and_red_lines():
    a = side("A", 25, 1, salience={"land": 3}, red_lines=[{"issue": "land", "above": 30}])
    w = world(unit(actors={"a": a, "b": side("B", 100, 0, salience={"land": 1, "relief": 3})}))
    sd = w.sides
    # A names land only: weights (1, 0); B's 1 and 3 sum to 4: (0.25, 0.75)
    assert sd.weight[0].tolist() == [[1.0, 0.0]] * 3
    assert sd.weight[1].tolist() == [[0.25, 0.75]] * 3
    # ideals scaled by (value - lo) / span: 25 of 0..100 is 0.25
    assert sd.ideal[0].tolist() == [[0.25, 1.0]] * 3
    assert sd.ideal[1].tolist() == [[1.0, 0.0]] * 3
    # a red line above 30 on 0..100 stands at 0.3
    (rl,) = sd.red_lines[0]
    assert (rl.issue, rl.above, rl.offset) == (0, True, None)
    assert rl.threshold.tolist() == [0.3] * 3
    assert sd.red_lines[1] == []


def test_a_red_line_measured_from_the_front_follows_it_and_stays_in_range():
    a = side("A", 0, 1, red_lines=[{"issue": "land", "above": 10, "from_front": True}])
    w = world(unit(actors={"a": a}))
    (rl,) = w.sides.red_lines[0]
    assert rl.offset == approx(0.1)  # 10 of a span of 100
    w.sides.follow_front(np.array([0.5, 0.95, 0.2]))
    # threshold = clip(control + 0.1, 0, 1): 0.6, 1.05 -> 1.0, 0.3
    assert rl.threshold == approx([0.6, 1.0, 0.3], abs=1e-15)
    assert w.sides.lines.threshold[0] == approx([0.6, 1.0, 0.3], abs=1e-15)


def test_moving_an_ideal_clips_it_to_the_range_and_tells_the_listeners():
    w = world(unit())
    heard: list[tuple[int, list[int]]] = []
    w.sides.on_new_ideal(lambda s, r: heard.append((s, r.tolist())))
    w.sides.move_ideal(0, rows(0, 2), np.array([0.3, -0.4]))
    # A's ideal (0, 1) moves by (0.3, -0.4) in rows 0 and 2: (0.3, 0.6); row 1 keeps (0, 1)
    assert w.sides.ideal[0] == approx([[0.3, 0.6], [0.0, 1.0], [0.3, 0.6]], abs=1e-15)
    w.sides.move_ideal(0, rows(0), np.array([-0.5, 0.7]))
    # (0.3 - 0.5, 0.6 + 0.7) = (-0.2, 1.3), clipped to (0, 1)
    assert w.sides.ideal[0, 0].tolist() == [0.0, 1.0]
    assert heard == [(0, [0, 2]), (0, [0])]


@pytest.mark.parametrize(
    ("prior", "day", "premium"),
    [
        (1.0, 0, 0.03),  # a staller, at the start of its window
        (1.0, 13, 0.03),  # the window is 2 weeks: days 0..13
        (1.0, 14, 0.0),  # ... and over on day 14
        (0.0, 0, 0.0),  # never a staller
    ],
)
def test_a_stalling_type_adds_its_premium_only_inside_its_regroup_window(
    prior: float, day: int, premium: float
):
    stall = {"prior": prior, "weeks": 2, "premium": 0.03}
    w = world(unit(actors={"a": side("A", 0, 1, stalling=stall)}))
    # the type is drawn as u < prior: a prior of 1 (0) makes every replicate one (none)
    assert w.sides.stall_type[0].tolist() == [prior == 1.0] * 3
    assert w.sides.stall(0, day).tolist() == [premium] * 3
    assert w.sides.stall(1, day).tolist() == [0.0] * 3  # B has no stalling type


# ================================================================================ accord


def test_accord_agree_records_the_first_terms_and_ends_a_running_truce():
    w = world(unit())
    ac = w.accord
    ac.start_truce(rows(0, 1), 0, 14)  # rows 0 and 1 pause from day 0 to day 14
    terms = np.array([[0.4, 0.2], [0.6, 0.8]])
    u = np.array([[0.5, 0.6], [0.7, 0.8]])
    pen = np.array([[0.0, 0.1], [0.2, 0.0]])
    ac.agree(rows(0, 2), 7, terms, u, pen)
    assert ac.in_force.tolist() == [True, False, True]
    assert ac.agreed.tolist() == [True, False, True]
    assert same(ac.truce_until, [-INF, 14, -INF])  # row 0's truce ends in the ceasefire
    assert same(ac.truce_day, [0, 0, NAN])
    assert same(ac.ceasefire_day, [7, NAN, 7])
    assert same(ac.since, [7, INF, 7])
    assert same(ac.terms, [[0.4, 0.2], [NAN, NAN], [0.6, 0.8]])
    assert same(ac.current, ac.terms)
    assert same(ac.u_current, [[0.5, 0.0, 0.6], [0.7, 0.0, 0.8]])
    assert same(ac.pen_current, [[0.0, 0.0, 0.1], [0.2, 0.0, 0.0]])
    # nobody fights on day 7 (two ceasefires, one truce); row 1 fights again from day 14
    assert ac.fighting(7).tolist() == [False, False, False]
    assert ac.fighting(14).tolist() == [False, True, False]


def test_accord_breakdown_resumes_talks_and_keeps_the_first_terms():
    w = world(unit())
    ac = w.accord
    first = np.array([[0.4, 0.2], [0.5, 0.5]])
    ac.agree(rows(0, 1), 7, first, np.zeros((2, 2)), np.zeros((2, 2)))
    ac.break_down(np.array([True, False, False]), 21)
    assert ac.in_force.tolist() == [False, True, False]
    assert ac.talks.tolist() == [True, False, False]  # talks resume where it broke down
    assert same(ac.breakdown_day, [21, NAN, NAN])
    assert ac.fighting(21).tolist() == [True, False, True]
    # a second ceasefire in row 0: in force on its own terms; the first ones are what it agreed
    ac.agree(rows(0), 28, np.array([[0.9, 0.1]]), np.ones((2, 1)), np.zeros((2, 1)))
    assert same(ac.current[0], [0.9, 0.1])
    assert same(ac.terms[0], [0.4, 0.2])
    assert same(ac.ceasefire_day, [7, 7, NAN])
    assert same(ac.since, [28, 7, INF])
    ac.break_down(np.array([True, False, False]), 35)
    assert same(ac.breakdown_day, [21, NAN, NAN])  # the first breakdown is the one recorded


@pytest.mark.parametrize(
    ("truce_until", "in_force", "decided", "day", "share"),
    [
        (-INF, False, False, 0, 1.0),  # at war all round
        (3.0, False, False, 0, 4 / 7),  # a truce ends on day 3: days 3..6 are fought
        (10.0, False, False, 0, 0.0),  # the truce outlasts the round
        (7.0, False, False, 7, 1.0),  # ... and ended as this round began
        (-INF, True, False, 0, 0.0),  # a ceasefire in force
        (-INF, False, True, 0, 0.0),  # the war was decided
    ],
)
def test_accord_fight_share_is_the_part_of_the_round_no_truce_or_peace_covers(
    truce_until: float, in_force: bool, decided: bool, day: int, share: float
):
    w = world(unit(), n=1)
    ac = w.accord
    ac.truce_until[:] = truce_until
    ac.in_force[:] = in_force
    ac.decided[:] = decided
    # (day + 7 - max(day, truce_until)) / 7, clipped to 0..1; 0 in a ceasefire or a decided war
    assert ac.fight_share(day, ROUND).tolist() == [share]
    assert ac.fighting(day).tolist() == [share == 1.0 and truce_until <= day]


def test_accord_decide_ends_the_fighting_and_the_talks_for_good():
    w = world(unit())
    ac = w.accord
    ac.talks[:] = True
    ac.decide(np.array([True, False, False]))
    assert ac.decided.tolist() == [True, False, False]
    assert ac.talks.tolist() == [False, True, True]
    assert ac.fighting(0).tolist() == [False, True, True]
    assert ac.open_rows().tolist() == [1, 2]
    assert ac.open_rows(np.array([True, True, False])).tolist() == [1]


# ================================================================================ events


def test_a_dated_event_applies_its_effect_to_every_replicate_clamped_to_range():
    effect = {"capability.b": "*2", "support.a": "-0.7", "talks": 1, "sanctions": 0.3}
    s = unit(
        events=[{"name": "aid package", "on": "2025-01-08", "effect": effect}],
        pressures={"sanctions": {"target": "a", "level": 0.1}},
    )
    w = world(s, day=7)
    item(s, "event: aid package").run(w)
    assert w.sides.capability.tolist() == [[1.0] * 3, [2.0] * 3]  # 1 * 2
    assert w.sides.support[0].tolist() == [0.0] * 3  # 0.5 - 0.7, clamped at 0
    assert w.accord.talks.tolist() == [True] * 3  # a switch: 1 > 0.5 turns it on
    # the sanctions total is set to 0.3: the change (0.3 - 0.1) is kept in 'extra'
    assert w.sanctions.extra == approx([0.2] * 3, abs=1e-15)
    assert w.sanctions.level == approx([0.3] * 3, abs=1e-15)


ALL, NONE = [True] * 6, [False] * 6


@pytest.mark.parametrize(
    ("rate", "window", "day", "hit"),
    [
        (CERTAIN, {}, 7, ALL),  # 1 - exp(-1e9 x 7 / 365) == 1.0: always
        (0.0, {}, 7, NONE),  # never
        (CERTAIN, {"from": "2025-01-15"}, 7, NONE),  # before its window (day 14)
        (CERTAIN, {"until": "2025-01-08"}, 14, NONE),  # after it (day 7)
        (CERTAIN, {"from": "2025-01-08", "until": "2025-01-08"}, 7, ALL),  # on its one day
        (HALF, {}, 7, None),  # 1 - exp(-ln 2) = 1/2: where the event's uniform is below 1/2
    ],
)
def test_a_random_event_hits_a_replicate_with_its_per_round_probability(
    rate: float, window: dict[str, str], day: int, hit: list[bool] | None
):
    ev = {"name": "shelling", "rate_per_year": rate, "effect": {"capability.a": "+1"}, **window}
    w = world(unit(events=[ev]), n=6, day=day)
    if hit is None:  # the draw is keyed by the event's index and the day (common random numbers)
        hit = (w.uniforms("event.0", day) < 0.5).tolist()
        assert hit == [False] * 4 + [True] * 2  # this seed's draws: both outcomes occur
    w.events.begin(w)
    assert w.sides.capability[0].tolist() == [2.0 if h else 1.0 for h in hit]  # 1 + 1 if hit
    assert w.sides.capability[1].tolist() == [1.0] * 6


# ================================================================================ battle


def test_battlefield_begin_moves_the_front_by_the_drift_of_the_share_fought():
    bf = {"drift": 0.04, "attrition": {"a": 0.1, "b": 0.2}, "regeneration": {"a": 0.05}}
    w = world(unit(actors={"b": side("B", 100, 0, capability=3.0)}, pressures={"battlefield": bf}))
    assert w.battle.p.tolist() == [0.75] * 3  # 3 / (1 + 3)
    w.accord.truce_until[1] = 3.0  # row 1 fights 4 of the round's 7 days
    w.accord.in_force[2] = True  # row 2 is at peace
    w.battle.begin(w)
    f = np.array([1.0, 4 / 7, 0.0])
    # move = alpha I (p - p_bar) + s eps = 0.04 (0.75 - 0.5) + 0 = 0.01, times the share fought
    assert w.battle.control == approx(0.5 + 0.01 * f, abs=1e-15)
    assert w.battle.fought is not None
    assert w.battle.fought[1] == approx([0.01] * 3, abs=1e-15)  # before the share
    # K <- K (1 - d f I) + g E: A 1 (1 - 0.1 f) + 0.05; B 3 (1 - 0.2 f) + 0 (rebuilt in peace too)
    a, b = 1.0 - 0.1 * f + 0.05, 3.0 * (1.0 - 0.2 * f)
    assert w.sides.capability == approx(np.stack([a, b]), abs=1e-15)
    assert w.battle.p == approx(b / (a + b), abs=1e-15)  # recomputed after the round


@pytest.mark.parametrize(("reliability", "capability"), [(1.0, 1.5), (0.0, 1.0)])
def test_a_patrons_aid_adds_to_its_sides_capability_when_it_arrives(
    reliability: float, capability: float
):
    patron = {"role": "patron", "supports": "a", "aid": 0.5, "reliability": reliability}
    w = world(unit(actors={"p": patron}))
    w.battle.begin(w)
    # no attrition or rebuilding: A gets 1 + 0.5 where the aid arrives (u < reliability)
    assert w.sides.capability.tolist() == [[capability] * 3, [1.0] * 3]


def test_attrition_never_takes_capability_below_its_floor():
    w = world(unit(pressures={"battlefield": {"attrition": {"a": 1.0}}}))
    w.battle.begin(w)
    assert w.sides.capability[0].tolist() == [CAPABILITY_FLOOR] * 3  # 1 (1 - 1) = 0 -> floor
    # p = K_B / (K_A + K_B) = 1 / (1 + 1e-6)
    assert w.battle.p == approx([1.0 / (1.0 + CAPABILITY_FLOOR)] * 3, abs=1e-15)


def test_decisive_hazard_and_fighting_cost_scale_with_intensity():
    bf = {"decisive_per_year": 2.0, "intensity": 0.5}
    w = world(unit(pressures={"battlefield": bf}, actors={"b": side("B", 100, 0, economy=0.5)}))
    # h = 1 - exp(-2 x 0.5 x 7 / 365)
    assert w.battle.decisive_hazard(ROUND) == approx([1.0 - math.exp(-7.0 / 365.0)] * 3, rel=1e-14)
    # cost_i I / E_i: A 0.01 x 0.5 / 1, B 0.01 x 0.5 / 0.5
    assert w.battle.fighting_cost() == approx([[0.005] * 3, [0.01] * 3], abs=1e-15)
    # the front a side expects per round: alpha I (mu - p_bar), here alpha = 0
    assert w.battle.drift_seen(np.array([0.9, 0.1, 0.5])).tolist() == [0.0] * 3


# ================================================================================ sanctions

SANCTIONS = {
    "target": "a",
    "level": 0.4,
    "bite": 0.5,
    "cost": 0.1,
    "relief_issue": "relief",
    "lapse_per_year": 0,
    "schedule": [{"on": "2025-01-15", "level": 0.8}],
}


def test_sanctions_erode_only_the_target_economy_every_round():
    w = world(unit(pressures={"sanctions": SANCTIONS}))
    w.sanctions.begin(w)
    # E_A <- E_A (1 - bite sigma) = 1 (1 - 0.5 x 0.4) = 0.8; B is not the target
    assert w.sides.economy == approx([[0.8] * 3, [1.0] * 3], abs=1e-15)
    w.accord.in_force[:] = True  # at peace too
    w.sanctions.begin(w)
    assert w.sides.economy == approx([[0.64] * 3, [1.0] * 3], abs=1e-15)


def test_sanctions_relief_scales_the_level_and_a_schedule_step_keeps_what_effects_added():
    s = unit(pressures={"sanctions": SANCTIONS})
    w = world(s, day=14)
    sc = w.sanctions
    w.targets.apply(compile_effect({"sanctions": "+0.3"}), np.array([True, False, False]))
    assert sc.level == approx([0.7, 0.4, 0.4], abs=1e-15)  # 0.4 + 0.3 in row 0
    # agreements in rows 1 and 2 lift relief 0.5 and 2 (clipped to 1) of the sanctions
    sc.relieve(rows(1, 2), np.array([[0.5, 0.5], [0.5, 2.0]]))
    assert sc.relief.tolist() == [1.0, 0.5, 0.0]
    assert sc.level == approx([0.7, 0.2, 0.0], abs=1e-15)
    item(s, "sanctions step").run(w)  # the base goes to 0.8
    # sigma = clip(0.8 + extra, 0, 1) x relief: clip(1.1) = 1, 0.8 x 0.5, 0.8 x 0
    assert sc.base.tolist() == [0.8] * 3
    assert sc.level == approx([1.0, 0.4, 0.0], abs=1e-15)


def test_sanctions_lasting_cost_is_the_discounted_cost_over_their_expected_life():
    w = world(unit(pressures={"sanctions": SANCTIONS}))
    sc, sd = w.sanctions, w.sides
    # no lapse: sigma x cost / (1 - delta) = 0.4 x 0.1 / 0.1 = 0.4 for A, nothing for B
    assert sc.lasting(0, sd.patience[0]) == approx([0.4] * 3, abs=1e-12)
    assert sc.lasting(1, sd.patience[1]).tolist() == [0.0] * 3
    # a decisive end puts relief at mu y_B + (1 - mu) y_A = 1 - mu: A keeps 0.4 x mu
    mu = np.array([0.25, 0.5, 1.0])
    assert sc.kept_cost(0, mu, sd) == approx([0.1, 0.2, 0.4], abs=1e-12)
    assert sc.cost() == approx([[0.04] * 3, [0.0] * 3], abs=1e-15)  # sigma x cost
    lapsing = world(unit(pressures={"sanctions": {**SANCTIONS, "lapse_per_year": 2.0}}))
    lapse = 1.0 - math.exp(-2.0 * 7 / 365)  # per round
    want = 0.4 * 0.1 / (1.0 - DELTA * (1.0 - lapse))
    assert lapsing.sanctions.lasting(0, sd.patience[0]) == approx([want] * 3, rel=1e-12)


# ================================================================================ threats


def threat(**kw: Any) -> dict[str, Any]:
    out = {
        "name": "embargo",
        "against": "obstructer",
        "after": 2,
        "credibility": 1.0,
        "delay_days": 10,
        "cost": 0.2,
        "effect": {"capability.target": "*0.5"},
    }
    out.update(kw)
    return out


def with_threats(*threats: dict[str, Any], **patch: Any) -> dict[str, Any]:
    m = {"role": "mediator", "proposes": "none", "threats": list(threats)}
    return unit(actors={"m": m}, **patch)


@pytest.mark.parametrize(("credibility", "armed"), [(1.0, True), (0.0, False)])
def test_an_obstruction_threat_is_armed_on_the_targets_nth_obstruction(
    credibility: float, armed: bool
):
    w = world(with_threats(threat(credibility=credibility)), day=7)
    th = w.threats
    th.obstruction(w, rows(0, 1), 1)  # B's first obstruction in rows 0 and 1: after = 2
    assert th.obstructions.tolist() == [[0, 0, 0], [1, 1, 0]]
    assert th.last_obstructer.tolist() == [1, 1, -1]
    assert same(th.pending[0], [INF, INF, INF])
    th.obstruction(w, rows(0), 1)  # the second, in row 0: armed there if credible (u < cred.)
    assert th.obstructions[1].tolist() == [2, 1, 0]
    assert same(th.pending[0], [7 + 10 if armed else INF, INF, INF])  # today + delay
    assert th.target[0].tolist() == [1 if armed else -1, -1, -1]
    th.obstruction(w, rows(0), 0)  # A obstructs once: not yet its turn
    assert th.last_obstructer.tolist() == [0, 1, -1]
    assert th.target[0].tolist() == [1 if armed else -1, -1, -1]


def test_an_armed_threat_is_carried_out_at_the_end_of_the_round_its_delay_runs_out():
    s = with_threats(threat(), pressures={"battlefield": {"decisive_per_year": HALF}})
    w = world(s, day=7)
    th = w.threats
    th.pending[0][:] = [17, INF, 30]
    th.target[0][:] = [1, -1, 0]
    th.end(w)  # the round of day 7 ends on day 14: nothing due yet
    assert th.fired_count.tolist() == [0, 0, 0]
    w.day = 14
    th.end(w)  # ends on day 21: row 0 (due 17) is carried out, row 2 (30) not yet
    assert th.fired[0].tolist() == [True, False, False]
    assert th.fired_count.tolist() == [1, 0, 0]
    assert same(th.pending[0], [INF, INF, 30])
    assert w.sides.capability.tolist() == [[1.0, 1.0, 1.0], [0.5, 1.0, 1.0]]  # B's * 0.5
    # burden = cost (1 - delta (1 - h)) = 0.2 (1 - 0.9 x 0.5) = 0.11 a round from now on
    h = w.battle.decisive_hazard(ROUND)[0]
    assert h == approx(0.5, abs=1e-12)
    assert th.burden == approx([[0, 0, 0], [0.2 * (1 - DELTA * (1 - h)), 0, 0]], abs=1e-15)
    assert th.outcomes(w)["obstructed_by"].tolist() == ["", "", ""]


@pytest.mark.parametrize(
    ("against", "pending", "target"),
    [
        ("b", [14, INF, 14, 14], [1, -1, 1, 1]),  # wherever no ceasefire is in force
        ("obstructer", [14, INF, INF, 14], [0, -1, -1, 1]),  # ... and somebody obstructed
    ],
)
def test_a_deadline_threat_falls_where_no_ceasefire_holds_on_its_day(
    against: str, pending: list[float], target: list[int]
):
    t = threat(name="ultimatum", against=against, trigger="deadline", deadline="2025-01-15")
    del t["after"]
    s = with_threats({**t, "delay_days": 0})
    w = world(s, n=4, day=14)
    w.accord.in_force[1] = True
    w.threats.last_obstructer[:] = [0, 0, -1, 1]
    item(s, "deadline: ultimatum").run(w)
    assert same(w.threats.pending[0], pending)  # day 14 + a delay of 0
    assert w.threats.target[0].tolist() == target


def test_expected_cost_counts_the_threats_a_refusal_would_set_off():
    late = threat(name="ultimatum", against="b", trigger="deadline", deadline="2025-01-15")
    del late["after"]
    s = with_threats(threat(credibility=0.5), {**late, "cost": 0.1})
    w = world(s, day=7)
    th = w.threats
    th.obstructions[:] = [[1, 0, 0], [0, 0, 1]]
    th.fired[1][1] = True  # the ultimatum was carried out in row 1
    # the embargo looms for a side whose next refusal is its 2nd: A in row 0, B in row 2,
    # worth credibility x cost = 0.5 x 0.2; the ultimatum, not yet due, 1 x 0.1 for B unless fired
    assert th.expected_cost(w) == approx([[0.1, 0, 0], [0.1, 0, 0.2]], abs=1e-15)
    w.day = 14  # on its day the ultimatum no longer waits on a refusal
    assert th.expected_cost(w) == approx([[0.1, 0, 0], [0, 0, 0.1]], abs=1e-15)


# ================================================================================ domestic


def test_support_reverts_to_its_start_and_falls_with_the_share_fought():
    dom = {"a": {"reversion": 0.5, "casualty_sensitivity": 0.1, "cost_sensitivity": 2.0}}
    w = world(unit(pressures={"domestic": dom}))
    w.sides.support[0] = [0.3, 0.3, 0.9]
    w.accord.truce_until[1] = 3.0  # 4 of 7 days fought
    w.accord.in_force[2] = True
    w.domestic.begin(w)
    # S + 0.5 (0.5 - S) - f (0.1 x I + 2 x cost 0.01) = S + 0.5 (0.5 - S) - 0.12 f
    f = np.array([1.0, 4 / 7, 0.0])
    want = np.array([0.3, 0.3, 0.9]) + 0.5 * (0.5 - np.array([0.3, 0.3, 0.9])) - 0.12 * f
    assert want == approx([0.28, 0.4 - 0.48 / 7, 0.7], abs=1e-15)
    assert w.sides.support[0] == approx(want, abs=1e-15)
    assert w.sides.support[1].tolist() == [0.5] * 3  # B has no domestic politics


def test_support_falls_with_the_sanctions_in_peace_and_the_threats_burden_in_war():
    dom = {"a": {"reversion": 0.0, "cost_sensitivity": 1.0}}
    sanctions = {"target": "a", "level": 0.5, "cost": 0.2}
    w = world(unit(pressures={"domestic": dom, "sanctions": sanctions}))
    w.threats.burden[0] = 0.05
    w.accord.in_force[1] = True
    w.domestic.begin(w)
    # felt = f (fighting 0.01 + burden 0.05) + sanctions 0.5 x 0.2 = 0.16 at war, 0.1 in peace
    assert w.sides.support[0] == approx([0.34, 0.4, 0.34], abs=1e-15)


@pytest.mark.parametrize(
    ("support", "replaced"),
    [
        ([0.3, 0.7, 0.3], [True, False, True]),  # logistic(500 - 1000 S): 1 at 0.3, ~0 at 0.7
        ([0.7, 0.7, 0.7], [False, False, False]),
    ],
)
def test_an_election_replaces_the_leader_by_support_moving_its_ideal_and_clearing_optimism(
    support: list[float], replaced: list[bool]
):
    election = {"on": "2025-01-15", "base": 500, "slope": 1000, "shift": {"land": 20}}
    s = unit(
        actors={"a": side("A", 0, 1, optimism=0.1)},
        pressures={"domestic": {"a": {"elections": [election]}}},
    )
    w = world(s, day=14)
    w.sides.support[0] = support
    item(s, "election: a").run(w)
    # a new leader: ideal land 0 + 20/100, optimism 0; elsewhere unchanged
    assert w.sides.ideal[0, :, 0] == approx([0.2 if r else 0.0 for r in replaced])
    assert w.sides.optimism[0].tolist() == [0.0 if r else 0.1 for r in replaced]
    assert w.sides.ideal[1, :, 0].tolist() == [1.0] * 3


# ================================================================================ learning


def test_optimism_decays_at_the_learning_rate_for_the_share_fought():
    s = unit(
        actors={"a": side("A", 0, 1, optimism=0.1), "b": side("B", 100, 0, optimism=0.3)},
        pressures={"learning": {"rate": 0.2}, "battlefield": {"intensity": 0.5}},
    )
    w = world(s)
    w.accord.truce_until[1] = 3.0
    w.accord.in_force[2] = True
    w.learning.begin(w)
    # b <- (1 - kappa I f) b + noise (0): kappa I = 0.1
    f = np.array([1.0, 4 / 7, 0.0])
    assert w.sides.optimism == approx([0.1 * (1 - 0.1 * f), 0.3 * (1 - 0.1 * f)], abs=1e-15)
    assert w.learning.uncertainty() is None  # no prior_sd: nothing learned from evidence


def test_beliefs_are_p_shifted_by_each_sides_optimism_and_clipped():
    s = unit(
        actors={
            "a": side("A", 0, 1, optimism=0.1),
            "b": side("B", 100, 0, optimism=0.4, capability=3.0),
        }
    )
    w = world(s)
    # p = 0.75; mu_A = p - b_A = 0.65, mu_B = p + b_B = 1.15 -> 1
    assert w.learning.beliefs() == approx([[0.65] * 3, [1.0] * 3], abs=1e-15)


# ================================================================================ war


def war_world(**patch: Any) -> World:
    """Both sides 0.1 optimistic at p = 0.5 (mu_A = 0.4, mu_B = 0.6), h = 0.5 a round."""
    s = unit(
        actors={"a": side("A", 0, 1, optimism=0.1), "b": side("B", 100, 0, optimism=0.1)},
        pressures={"battlefield": {"decisive_per_year": HALF}},
    )
    return world(_merge(s, patch))


def test_war_value_refresh_follows_the_closed_form():
    w = war_world()
    wv = w.war
    wv.refresh(w)
    h = w.battle.decisive_hazard(ROUND)[0]
    assert h == approx(0.5, abs=1e-12)
    # outcomes without the front line: relief weighs 0.25; A (relief 1) gets 0.25 from its own
    # ideal, 0 from B's; B likewise
    assert wv.u_war[0].tolist() == [[0.25] * 3, [0.0] * 3]
    assert wv.u_war[1].tolist() == [[0.0] * 3, [0.25] * 3]
    # prize: A (1 - mu_A) 0.25 + 0.75 (1 - front gap 0.5) = 0.6 x 0.25 + 0.375 = 0.525;
    # B mu_B 0.25 + 0.375 = 0.525. W = (h delta prize - C) T, T = 1 / (1 - delta (1 - h))
    t = 1.0 / (1.0 - DELTA * (1.0 - h))
    flow = h * DELTA * 0.525 - COST
    assert wv.horizon == approx(np.full((2, 3), t), rel=1e-14)
    assert wv.rho == approx(np.full((2, 3), DELTA * (1.0 - h)), rel=1e-14)
    assert wv.flow == approx(np.full((2, 3), flow), rel=1e-14)
    assert wv.war == approx(np.full((2, 3), flow * t), rel=1e-14)
    assert flow * t == approx((0.25 * 0.9 * 1.05 - 0.01) / 0.55, rel=1e-10)
    assert wv.reject == approx(wv.war, rel=1e-15)  # no threats, no stalling
    assert wv.drift.tolist() == [[0.0] * 3] * 2


def test_rejecting_is_worth_the_war_less_looming_threats_plus_a_stallers_premium():
    late = threat(name="ultimatum", against="a", trigger="deadline", deadline="2025-01-15")
    del late["after"]
    m = {"role": "mediator", "proposes": "none", "threats": [{**late, "cost": 0.05}]}
    stall = {"prior": 1.0, "weeks": 4, "premium": 0.03}
    w = war_world(actors={"m": m, "b": side("B", 100, 0, optimism=0.1, stalling=stall)})
    w.threats.burden[0] = 0.02  # a threat carried out earlier: A's cost is 0.03 a round
    w.war.refresh(w)
    h = 0.5
    t = 1.0 / (1.0 - DELTA * (1.0 - h))
    war_a, war_b = (h * DELTA * 0.525 - 0.03) * t, (h * DELTA * 0.525 - COST) * t
    assert w.war.war == approx([[war_a] * 3, [war_b] * 3], rel=1e-12)
    # A: W less the ultimatum its refusal risks (1 x 0.05); B: W plus its premium 0.03
    assert w.war.reject == approx([[war_a - 0.05] * 3, [war_b + 0.03] * 3], rel=1e-12)


def test_regroup_loss_is_what_the_other_sides_regrouping_takes_from_the_war():
    w = war_world(actors={"b": side("B", 100, 0, optimism=0.1, regroup=0.2)})
    w.war.refresh(w)
    # B's pause shifts A's mu from 0.4 to 0.6: A's prize falls by 0.25 x 0.2 = 0.05, so
    # Delta_A = h delta T x 0.05 = 0.45 / 0.55 x 0.05; A does not regroup: Delta_B = 0
    assert w.war.regroup_loss == approx([[0.45 / 0.55 * 0.05] * 3, [0.0] * 3], rel=1e-12, abs=1e-15)


def test_the_war_prize_projects_the_expected_drift_no_further_than_the_lookahead():
    s = unit(
        actors={"b": side("B", 100, 0, capability=3.0)},
        pressures={"battlefield": {"drift": 0.04}},
        negotiation={"lookahead_days": 28},
    )
    w = world(s)
    mu = np.full(3, 0.75)  # drift seen: 0.04 (0.75 - 0.5) = 0.01 a round; L = 28 / 7 = 4 rounds
    t = np.array([2.0, 4.0, 10.0])  # the front expected at 0.5 + 0.01 min(T, 4)
    c = 0.5 + 0.01 * np.minimum(t, 4.0)
    # A: (1 - mu) 0.25 + 0.75 (1 - c); B: mu 0.25 + 0.75 (1 - (1 - c))
    assert w.war.prize(0, mu, t) == approx(0.0625 + 0.75 * (1.0 - c), abs=1e-15)
    assert w.war.prize(1, mu, t) == approx(0.1875 + 0.75 * c, abs=1e-15)


def test_an_election_refreshes_the_war_outcomes_of_the_rows_it_moved():
    w = war_world()
    w.sides.move_ideal(0, rows(1), np.array([0.0, -1.0]))  # A's new leader wants relief 0
    # row 1: both ideals at relief 0: U_A(y_A) = U_A(y_B) = 0.25, U_B(y_A) = 0.25
    assert w.war.u_war[0].tolist() == [[0.25] * 3, [0.0, 0.25, 0.0]]
    assert w.war.u_war[1].tolist() == [[0.0, 0.25, 0.0], [0.25] * 3]


# ================================================================================ negotiation


def offer_world(**patch: Any) -> World:
    """A deal on the table: A with audience cost 0.5 (support 0.5), sanctions on A that cost
    nothing while in force (so no lump) but are lifted by the relief issue."""
    s = unit(
        actors={"a": side("A", 0, 1, audience_cost=0.5)},
        pressures={"sanctions": {"target": "a", "level": 0.4, "relief_issue": "relief"}},
    )
    return world(_merge(s, patch), day=7)


def test_resolve_signs_where_both_accept_and_counts_a_mediator_offer_turned_down_as_obstruction():
    w = offer_world()
    ng = w.negotiation
    w.war.reject[:] = [[0.5, 0.7, 0.5], [0.4, 0.4, 0.6]]
    terms = np.array([[0.5, 0.5], [0.6, 0.5], [0.4, 0.5]])
    u = np.array([[0.6, 0.6, 0.6], [0.5, 0.5, 0.5]])
    pen = np.array([[0.2, 0.0, 0.0], [0.0, 0.0, 0.0]])
    ng.resolve(w, Offer("deal", rows(0, 1, 2), terms, u, pen, mediator=True))
    # margins V - reject (no breakdown risk, no drift: no extras), V = u - a S pen:
    # A: 0.6 - 0.5 x 0.5 x 0.2 - 0.5 = 0.05, 0.6 - 0.7 = -0.1, 0.1; B: 0.1, 0.1, -0.1
    assert w.accord.in_force.tolist() == [True, False, False]
    assert same(w.accord.current[0], terms[0])
    assert same(w.accord.u_current[:, 0], u[:, 0])
    assert same(w.accord.pen_current[:, 0], pen[:, 0])
    assert same(w.accord.ceasefire_day, [7, NAN, NAN])
    assert same(ng.front_signed, [50.0, NAN, NAN])  # the front at the deal, real units
    assert same(ng.deferred, [0, NAN, NAN])  # the terms settle every issue
    assert ng.below.tolist() == [False] * 3  # both margins were positive
    assert w.sanctions.relief.tolist() == [0.5, 1.0, 1.0]  # relief 0.5 lifts half
    # A turned down in row 1 what B accepted, B in row 2 what A accepted
    assert w.threats.obstructions.tolist() == [[0, 1, 0], [0, 0, 1]]
    assert w.threats.last_obstructer.tolist() == [-1, 0, 1]


def test_a_sides_own_offer_is_withdrawn_where_it_would_refuse_it_and_a_refusal_is_no_obstruction():
    s = unit(proposals=[{"name": "a's plan", "by": "a", "on": "2025-01-08", "terms": {"land": 40}}])
    w = world(s, day=7)
    ng = w.negotiation
    seen = ng.watch(0, 7)  # the verdicts an observation of the proposal would compare with
    w.war.reject[:] = [[0.5, 0.7, 0.5], [0.4, 0.4, 0.6]]
    terms = np.full((3, 2), 0.5)
    u = np.array([[0.6, 0.6, 0.6], [0.5, 0.5, 0.5]])
    ng.resolve(w, Offer("a's plan", rows(0, 1, 2), terms, u, np.zeros((2, 3)), by=0, index=0))
    # A's margins 0.1, -0.1, 0.1: it withdraws the offer in row 1; B's 0.1 and -0.1 in 0 and 2
    assert same(seen, [[1, NAN, 1], [1, NAN, 0]])
    assert w.accord.in_force.tolist() == [True, False, False]
    assert w.threats.obstructions.tolist() == [[0, 0, 0], [0, 0, 0]]


@pytest.mark.parametrize(("drift", "truce"), [(0.04, True), (0.08, False)])
def test_a_truce_starts_where_both_gain_more_in_costs_saved_than_ground_lost(
    drift: float, truce: bool
):
    w = world(
        unit(
            actors={"b": side("B", 100, 0, capability=3.0)},
            pressures={"battlefield": {"drift": drift}},
        ),
        day=7,
    )
    empty = np.zeros((2, 3))
    offer = Offer("pause", rows(0, 1, 2), np.zeros((3, 2)), empty, empty, truce_days=14)
    margins = w.negotiation.verdicts.margins(w, offer)
    # two rounds of (cost saved 0.01 - momentum); the front would move drift x 0.25 a round,
    # worth 0.75 x that to B (lost by pausing) and -0.75 x that to A
    move = drift * 0.25
    assert margins == approx(
        [[2 * (0.01 + 0.75 * move)] * 3, [2 * (0.01 - 0.75 * move)] * 3], abs=1e-15
    )
    w.negotiation.resolve(w, offer)
    assert same(w.accord.truce_until, [21.0] * 3 if truce else [-INF] * 3)
    assert same(w.accord.truce_day, [7.0] * 3 if truce else [NAN] * 3)
    assert w.accord.in_force.tolist() == [False] * 3


@pytest.mark.parametrize(("opened", "talks"), [(True, [True, True, False]), (False, [False] * 3)])
def test_collapsed_talks_reopen_at_round_end_only_once_they_ever_opened(
    opened: bool, talks: list[bool]
):
    s = unit(negotiation={"reopen": 1.0})
    w = world(s)
    if opened:
        item(s, "talks open").run(w)
        assert w.accord.talks.tolist() == [True] * 3
        w.accord.talks[:] = False
    w.accord.in_force[2] = True
    w.negotiation.end(w)  # u < 1 always: every collapsed talk out of a ceasefire reopens
    assert w.accord.talks.tolist() == talks


@pytest.mark.parametrize(("rate", "back"), [(CERTAIN, True), (0.0, False)])
def test_a_disengaged_mediator_comes_back_with_its_reengagement_hazard(rate: float, back: bool):
    m = {"role": "mediator", "proposes": "none", "engaged": False, "reengage_per_year": rate}
    w = world(unit(actors={"m": m}))
    assert w.negotiation.engaged["m"].tolist() == [False] * 3
    w.negotiation.end(w)
    assert w.negotiation.engaged["m"].tolist() == [back] * 3


def test_a_session_without_offers_collapses_open_talks_at_collapse_one():
    s = unit(negotiation={"collapse": 1.0})
    w = world(s)
    w.accord.talks[:] = [True, True, False]
    w.accord.in_force[1] = True
    item(s, "negotiation session").run(w)
    # no proposing mediator, no direct talks: talks open outside a ceasefire collapse
    assert w.accord.talks.tolist() == [False, True, False]
    assert w.accord.in_force.tolist() == [False, True, False]


# ================================================================================ durability


def test_breakdown_probability_follows_the_durability_hazard():
    s = unit(
        durability={
            "base_hazard_per_year": 0.5,
            "dissatisfaction": 2,
            "guarantees": {"relief": 1.5},
        }
    )
    w = world(s)
    w.war.war[:] = [[0.3] * 3, [0.2] * 3]
    value = np.array([[0.1, 0.3, 0.4], [0.2, 0.0, 0.2]])
    terms = np.array([[0.5, 0.0], [0.5, 1.0], [0.5, 0.5]])
    prob = w.durability.breakdown(rows(0, 1, 2), value, terms, ROUND)
    # grievance max_i(W_i - V_i): 0.2, 0.2, 0; guard 1.5 x relief: 0, 1.5, 0.75
    # log h = 2 x grievance - guard: 0.4, -1.1, -0.75; rate 0.5 e^(log h) a year
    want = [1.0 - math.exp(-0.5 * math.exp(x) * 7 / 365) for x in (0.4, -1.1, -0.75)]
    assert prob == approx(want, rel=1e-12)


@pytest.mark.parametrize(("hazard", "broke"), [(CERTAIN, True), (0.0, False)])
def test_durability_end_breaks_down_only_ceasefires_signed_before_today(hazard: float, broke: bool):
    w = world(unit(durability={"base_hazard_per_year": hazard}), day=7)
    ac = w.accord
    ac.agree(rows(0), 0, np.array([[0.5, 0.5]]), np.zeros((2, 1)), np.zeros((2, 1)))
    ac.agree(rows(1), 7, np.array([[0.5, 0.5]]), np.zeros((2, 1)), np.zeros((2, 1)))
    w.durability.end(w)
    # row 0 (since day 0) may break down: with h0 = 1e9 it does; row 1 was signed today
    assert ac.in_force.tolist() == [not broke, True, False]
    assert same(ac.breakdown_day, [7 if broke else NAN, NAN, NAN])
    assert ac.talks.tolist() == [broke, False, False]


# ================================================================================ decisive


@pytest.mark.parametrize(
    ("per_year", "ends", "decided"),
    [
        (CERTAIN, True, [True, False, True, False]),  # h = 1: every round fought is the last
        (0.0, True, [False] * 4),  # h = 0: never
        (CERTAIN, False, [False] * 4),  # decisive_ends false: only the valuation counts it
    ],
)
def test_decisive_end_decides_every_fought_round_at_hazard_one_and_none_at_zero(
    per_year: float, ends: bool, decided: list[bool]
):
    bf = {"decisive_per_year": per_year, "decisive_ends": ends}
    w = world(unit(pressures={"battlefield": bf}), n=4, day=14)
    ac = w.accord
    ac.talks[:] = True
    ac.in_force[1] = True  # at peace
    ac.truce_until[3] = 21.0  # paused all round
    w.battle.p[:] = [1.0, 0.5, 0.0, 0.5]  # B prevails where u < p: row 0 B, row 2 A
    w.decisive.end(w)
    assert ac.decided.tolist() == decided
    assert ac.talks.tolist() == [not d for d in decided]
    last = 14 + ROUND - 1  # decided on the round's last day
    assert same(w.decisive.day, [last if d else NAN for d in decided])
    out = w.decisive.outcomes(w)["decided_for"].tolist()
    assert out == [who if d else "" for who, d in zip(["b", "", "a", ""], decided, strict=True)]


# ================================================================================ observations


def test_observations_record_what_each_probe_reads_on_its_day_only():
    day = "2025-01-15"  # day 14
    src = {"source": "unit test"}
    obs = [
        {"on": day, "ceasefire": True, **src},
        {"by": day, "ceasefire": False, **src},
        {"between": ["2025-01-01", day], "ceasefire": "agreed", **src},
        {"on": day, "talks": True, **src},
        {"on": day, "mediator": {"m": "engaged"}, **src},
        {"on": day, "front_line": {"between": [40, 60]}, **src},
        {"on": day, "support": {"actor": "b", "value": 0.5, "sd": 0.1}, **src},
        {"on": day, "sanctions": {"between": [0, 1]}, **src},
        {"by": day, "threat": {"name": "embargo", "carried_out": True}, **src},
        {"on": day, "proposal": {"name": "plan", "rejected_by": "b"}, **src},
    ]
    m = {"role": "mediator", "proposes": "none", "threats": [threat()]}
    s = unit(
        actors={"m": m},
        pressures={"sanctions": {"target": "a", "level": 0.4}},
        proposals=[{"name": "plan", "by": "m", "on": day, "terms": {"land": 40}}],
        observations=obs,
    )
    w = world(s, day=7)
    ac = w.accord
    ac.in_force[:] = [True, False, False]
    ac.agreed[:] = [True, True, False]
    ac.ceasefire_day[:] = [3, 10, NAN]
    ac.talks[:] = [True, False, True]
    w.negotiation.engaged["m"][:] = [True, False, True]
    w.battle.control[:] = [0.5, 0.25, 1.0]
    w.sides.support[1] = [0.1, 0.2, 0.3]
    w.sanctions.relief[:] = [1.0, 0.5, 0.0]
    w.threats.fired[0][:] = [False, True, False]
    w.threats.pending[0][:] = [14, INF, 15]  # armed: carried out by the date if due on it
    w.negotiation.watch(0, 14)[:] = [[1, 1, NAN], [1, 0, NAN]]
    w.observations.observe(w)  # not its day: nothing recorded
    assert all(np.isnan(v).all() for v in w.observations.values.values())
    w.day = 14
    item(s, "observations").run(w)
    got = w.observations.outcomes(w)
    want = {
        "obs.0": [1, 0, 0],  # in force
        "obs.1": [1, 1, 0],  # agreed by then
        "obs.2": [3, 10, NAN],  # first ceasefire day
        "obs.3": [1, 0, 1],  # talks
        "obs.4": [1, 0, 1],  # mediator engaged
        "obs.5": [50, 25, 100],  # front line, real units
        "obs.6": [0.1, 0.2, 0.3],  # B's support
        "obs.7": [0.4, 0.2, 0.0],  # sigma = 0.4 x relief
        "obs.8": [1, 1, 0],  # fired, or pending by day 14
        "obs.9": [1, 0, NAN],  # B's verdict on the plan put on day 14
    }
    assert list(got) == list(want)
    for k, v in want.items():
        assert got[k] == approx(v, abs=1e-15, nan_ok=True), k
    ac.talks[:] = False  # a record is a copy: later changes do not reach it
    assert got["obs.3"].tolist() == [1.0, 0.0, 1.0]
