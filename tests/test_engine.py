"""Engine behaviour: reproducibility across workers and chunks, traces, run-time errors, mechanisms."""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from oracle_scenarios import fearon, toy, with_offer

import sim
from sim.model.mechanisms import compile_scenario

COLUMNS = [
    "replicate",
    "truce_day",
    "ceasefire",
    "ceasefire_day",
    "breakdown_day",
    "in_force_at_horizon",
    "obstructed_by",
    "threats_fired",
    "mediator_engaged",
    "final_control",
]


@pytest.fixture(scope="module")
def toy_scenario() -> sim.Scenario:
    return sim.load_scenario(toy())


def test_outcomes_have_the_contract_columns(toy_scenario):
    r = sim.run(toy_scenario, replicates=50, seed=1)
    cols = set(r.outcomes.columns)
    assert set(COLUMNS) <= cols
    assert {"terms.land", "terms.guarantees", "final_support.a", "stalling.b"} <= cols
    assert {
        "day",
        "date",
        "p_agreed",
        "p_in_force",
        "p_truce",
        "control_mean",
        "control_p10",
        "control_p90",
    } <= set(r.series.columns)
    assert len(r.outcomes) == 50
    assert r.series["p_agreed"].is_monotonic_increasing


def test_same_seed_same_outcomes_with_one_or_two_worker_processes(toy_scenario):
    a = sim.run(toy_scenario, replicates=3000, seed=9, workers=1, chunk_size=1000)
    b = sim.run(toy_scenario, replicates=3000, seed=9, workers=2, chunk_size=1000)
    pd.testing.assert_frame_equal(a.outcomes, b.outcomes)
    pd.testing.assert_frame_equal(a.series, b.series)


def test_any_executor_gives_the_same_outcomes(toy_scenario):
    a = sim.run(toy_scenario, replicates=1500, seed=9, chunk_size=500)
    with ThreadPoolExecutor(2) as ex:
        b = sim.run(toy_scenario, replicates=1500, seed=9, chunk_size=500, executor=ex)
    pd.testing.assert_frame_equal(a.outcomes, b.outcomes)


def test_replicates_split_the_same_way_are_the_same_replicates(toy_scenario):
    small = sim.run(toy_scenario, replicates=2000, seed=4, chunk_size=1000)
    big = sim.run(toy_scenario, replicates=3000, seed=4, chunk_size=1000)
    pd.testing.assert_frame_equal(small.outcomes, big.outcomes.iloc[:2000])


def test_different_seeds_give_different_outcomes(toy_scenario):
    a = sim.run(toy_scenario, replicates=500, seed=1)
    b = sim.run(toy_scenario, replicates=500, seed=2)
    assert not a.outcomes["ceasefire_day"].equals(b.outcomes["ceasefire_day"])


def test_trace_records_the_story_of_the_first_replicates_only(toy_scenario):
    r = sim.run(toy_scenario, replicates=300, seed=1, trace=3)
    assert [t["replicate"] for t in r.traces] == [0, 1, 2]
    kinds = {e["kind"] for t in r.traces for e in t["events"]}
    assert "proposal" in kinds
    proposal = next(e for t in r.traces for e in t["events"] if e["kind"] == "proposal")
    assert len(proposal["value"]) == 2 and len(proposal["war_value"]) == 2
    # tracing does not change the outcomes
    plain = sim.run(toy_scenario, replicates=300, seed=1)
    pd.testing.assert_frame_equal(r.outcomes, plain.outcomes)


def test_sampled_parameters_are_reported_and_respect_correlations():
    s = toy()
    s["actors"]["a"]["cost"] = {"uniform": [0.002, 0.004]}
    s["actors"]["b"]["cost"] = {"lognormal": [-5.8, 0.2]}
    s["correlations"] = [{"between": ["actors.a.cost", "actors.b.cost"], "rank": 0.8}]
    r = sim.run(sim.load_scenario(s), replicates=4000, seed=3)
    a, b = r.outcomes["param.actors.a.cost"], r.outcomes["param.actors.b.cost"]
    assert a.between(0.002, 0.004).all()
    rho = a.rank(method="average").corr(b.rank(method="average"))
    assert rho == pytest.approx(0.8, abs=0.03)


def test_a_threat_fires_only_on_obstruction():
    base = with_offer(fearon(0.4, 0.1, 0.15, horizon=7), 0.3)  # inside the range: both accept
    base["actors"]["m"]["threats"] = [
        {
            "name": "walk away",
            "against": "obstructer",
            "effect": {"engaged.m": 0},
            "credibility": 1.0,
        }
    ]
    agreed = sim.run(sim.load_scenario(base), replicates=100, seed=1).outcomes
    assert agreed["threats_fired"].sum() == 0 and agreed["mediator_engaged"].all()
    blocked = copy.deepcopy(base)
    blocked["proposals"][0]["terms"]["x"] = 0.2  # below p - c_B: B rejects, A accepts
    out = sim.run(sim.load_scenario(blocked), replicates=100, seed=1).outcomes
    assert (out["obstructed_by"] == "b").all()
    assert (out["threats_fired"] == 1).all()
    assert not out["mediator_engaged"].any()


def test_the_30_day_truce_is_accepted_by_the_side_losing_ground_and_refused_by_the_side_gaining():
    s = toy()
    s["actors"]["b"]["capability"] = 2.0  # B gains ground
    s["actors"]["m"]["proposes"] = "none"
    s["proposals"] = [{"name": "truce", "by": "m", "on": "2025-01-01", "truce_days": 30}]
    s["pressures"]["battlefield"]["drift"] = 0.05
    s["negotiation"]["misperception"] = {
        "sd": 1e-6
    }  # near-rational: the sign of the truce value decides
    r = sim.run(sim.load_scenario(s), replicates=400, seed=2, trace=400)
    first = [next(e for e in t["events"] if e["kind"] == "truce") for t in r.traces]
    accept_a = np.mean(["a accepts" in e["text"] for e in first])
    accept_b = np.mean(["b accepts" in e["text"] for e in first])
    assert accept_a > 0.9 and accept_b < 0.1


def test_fighting_pauses_during_a_truce():
    s = toy()
    s["actors"]["m"]["proposes"] = "none"
    s["proposals"] = [
        {
            "name": "truce",
            "by": "m",
            "on": "2025-01-01",
            "truce_days": 70,
            "reward": {"a": 1, "b": 1},
        }
    ]
    r = sim.run(sim.load_scenario(s), replicates=200, seed=2)
    assert r.outcomes["truce_day"].eq(0).all()
    ser = r.series.set_index("day")
    assert ser.loc[0:63, "p_truce"].eq(1.0).all()
    # the front line does not move while the truce holds
    assert ser.loc[0:63, "control_mean"].nunique() == 1


def test_breakdown_resumes_war_and_talks():
    s = toy()
    s["durability"] = {"base_hazard_per_year": 50.0, "dissatisfaction": 0}
    s["pressures"]["battlefield"]["drift"] = 0.0  # nobody waits for the front to move
    r = sim.run(sim.load_scenario(s), replicates=500, seed=5)
    o = r.outcomes
    broke = o["breakdown_day"].notna()
    assert broke.mean() > 0.3
    assert (o.loc[broke, "breakdown_day"] > o.loc[broke, "ceasefire_day"]).all()


def test_calendar_orders_sessions_by_day_within_each_round():
    s = sim.load_scenario(with_offer(fearon(horizon=28), 0.3, every_days=3))
    cal = compile_scenario(s).calendar()
    assert cal.rounds == 4
    items = [it for r in range(cal.rounds) for it in cal.in_round(r)]
    days = [it.day for it in items]
    assert days == sorted(days)
    assert [it.day for it in items if it.label.startswith("proposal")] == list(range(0, 28, 3))
    # on a day with both, the scheduled proposal comes before the session
    on_day_0 = [it.label for it in items if it.day == 0]
    assert on_day_0 == ["talks open", "proposal: offer", "negotiation session"]


def test_patience_near_one_keeps_the_war_value_finite_and_near_fearons_limit():
    from sim.model.engine.world import Tracer
    from sim.model.mechanisms import World, compile_scenario

    s = toy()
    s["actors"]["a"]["patience"] = 0.999999
    specs = compile_scenario(sim.load_scenario(s))
    w = World(specs, 64, 1, 0, Tracer(0, specs.layout))
    w.war.refresh(w)
    war = w.war.war[0]
    assert np.all(np.isfinite(war))
    # delta -> 1: W = E[U] - C / h, inside [-C/h, 1]
    h = w.battle.decisive_hazard(7)
    assert np.all(war <= 1.0) and np.all(war >= -w.war.cost()[0] / h - 1e-6)


@pytest.mark.parametrize("bad", [0, -5, 1.5, True, "10"])
def test_nonsense_replicate_counts_are_refused(toy_scenario, bad):
    with pytest.raises(sim.UsageError, match="replicates"):
        sim.run(toy_scenario, replicates=bad)


class _Interrupt(Exception):
    pass


def test_an_interrupted_run_resumes_from_its_checkpoint_and_matches_an_uninterrupted_one(
    tmp_path, toy_scenario
):
    ck = tmp_path / "ck"
    seen = []

    def stop_after_two_chunks(done: int, total: int) -> None:
        seen.append(done)
        if len(seen) == 2:
            raise _Interrupt

    with pytest.raises(_Interrupt):
        sim.run(
            toy_scenario,
            replicates=2500,
            seed=6,
            chunk_size=500,
            checkpoint=ck,
            progress=stop_after_two_chunks,
        )
    assert len(list(ck.glob("chunk-*.npz"))) == 2
    calls = []
    resumed = sim.run(
        toy_scenario,
        replicates=2500,
        seed=6,
        chunk_size=500,
        checkpoint=ck,
        progress=lambda d, t: calls.append(d),
    )
    assert calls[0] == 1000  # the two saved chunks count as done before any new work
    straight = sim.run(toy_scenario, replicates=2500, seed=6, chunk_size=500)
    pd.testing.assert_frame_equal(resumed.outcomes, straight.outcomes)
    pd.testing.assert_frame_equal(resumed.series, straight.series)


def test_a_checkpoint_from_another_run_is_refused(tmp_path, toy_scenario):
    ck = tmp_path / "ck"
    sim.run(toy_scenario, replicates=100, seed=1, checkpoint=ck)
    with pytest.raises(sim.RunError, match="belongs to another run"):
        sim.run(toy_scenario, replicates=100, seed=2, checkpoint=ck)


def test_in_direct_talks_each_proposer_offers_the_other_side_its_reservation_value():
    s = fearon(0.4, 0.1, 0.15, horizon=7, rationality=2000)  # p - c_B = 0.25, p + c_A = 0.5
    s["negotiation"]["direct"] = 1.0
    s["actors"]["m"]["threats"] = [
        {"name": "walk away", "against": "obstructer", "effect": {"engaged.m": 0}}
    ]
    o = sim.run(sim.load_scenario(s), replicates=2000, seed=3).outcomes
    terms = o.loc[o["ceasefire"], "terms.x"]
    assert o["ceasefire"].mean() > 0.9
    by_a, by_b = terms[terms < 0.375], terms[terms >= 0.375]
    assert 0.4 < len(by_a) / len(terms) < 0.6  # the proposer is drawn at random
    assert by_a.median() == pytest.approx(0.25, abs=0.01)  # A offers B its war value
    assert by_b.median() == pytest.approx(0.5, abs=0.01)  # B offers A its war value
    assert o["threats_fired"].sum() == 0  # turning down the other side's offer obstructs nothing


def test_without_direct_talks_nothing_is_agreed_once_the_mediator_has_left():
    s = toy()
    s["pressures"]["battlefield"]["drift"] = 0.0  # nobody waits for the front to move
    s["events"] = [{"name": "mediator leaves", "on": "2025-01-01", "effect": {"engaged.m": 0}}]
    none = sim.run(sim.load_scenario(s), replicates=500, seed=2).outcomes
    assert not none["ceasefire"].any()
    s["negotiation"]["direct"] = 0.5
    some = sim.run(sim.load_scenario(s), replicates=500, seed=2).outcomes
    assert some["ceasefire"].mean() > 0.2


def _with_election(base: float, shift: float) -> dict:
    s = toy()
    s["pressures"]["domestic"] = {
        "a": {
            "elections": [
                {"on": "2025-01-01", "base": base, "slope": 0.0, "shift": {"land": shift}}
            ]
        }
    }
    return s


def test_an_election_replaces_the_leader_with_the_logistic_probability_and_moves_its_ideal():
    n = 4000
    sure = sim.run(sim.load_scenario(_with_election(10.0, 40)), replicates=n, seed=8, trace=50)
    never = sim.run(sim.load_scenario(_with_election(-10.0, 40)), replicates=n, seed=8)
    half = sim.run(sim.load_scenario(_with_election(0.0, 40)), replicates=n, seed=8, trace=400)
    texts = [e["text"] for t in sure.traces for e in t["events"] if e["kind"] == "election"]
    assert texts and all("replaced" in x for x in texts)
    replaced = np.mean([any("replaced" in e["text"] for e in t["events"]) for t in half.traces])
    assert replaced == pytest.approx(0.5, abs=0.08)  # logistic(0) = 1/2
    # a new leader of A who accepts 40 more points of land agrees to terms closer to B, and
    # sooner (common random numbers: paired differences)
    both = sure.column("ceasefire") & never.column("ceasefire")
    d = sure.column("terms.land")[both] - never.column("terms.land")[both]
    assert d.mean() > 3 * d.std(ddof=1) / np.sqrt(len(d))
    h = sure.horizon_days
    days = np.nan_to_num(never.column("ceasefire_day"), nan=h) - np.nan_to_num(
        sure.column("ceasefire_day"), nan=h
    )
    assert days.mean() > 3 * days.std(ddof=1) / np.sqrt(len(days))


def test_support_falls_with_war_costs_when_the_public_feels_them():
    s = toy()
    s["pressures"]["domestic"] = {"a": {"cost_sensitivity": 5.0, "reversion": 0.0}}
    r = sim.run(sim.load_scenario(s), replicates=300, seed=1)
    calm = sim.run(sim.load_scenario(toy()), replicates=300, seed=1)
    assert r.series["support_mean.a"].iloc[-1] < calm.series["support_mean.a"].iloc[-1] - 0.1


def test_a_deadline_threat_falls_where_no_ceasefire_is_in_force_at_its_date():
    s = with_offer(fearon(0.4, 0.1, 0.15, horizon=28), 0.2)  # B always rejects: no deal
    s["actors"]["m"]["threats"] = [
        {
            "name": "sanction b",
            "against": "b",
            "trigger": "deadline",
            "deadline": "2025-01-10",
            "effect": {"cost.target": "*3"},
            "credibility": 0.5,
        }
    ]
    o = sim.run(sim.load_scenario(s), replicates=4000, seed=2).outcomes
    assert o["fired.sanction b"].mean() == pytest.approx(0.5, abs=0.03)
    assert (o["threats_fired"] == o["fired.sanction b"].astype(int)).all()


def test_an_offer_nobody_takes_changes_no_other_replicate_draw():
    base = toy()
    extra = toy()
    extra["proposals"] = [
        {
            "name": "a's maximalist plan",
            "by": "a",
            "on": "2025-01-01",
            "terms": {"land": 0, "guarantees": 1},
        }
    ]
    s_base, s_extra = sim.load_scenario(base), sim.load_scenario(extra)
    a = sim.run(s_base, replicates=400, seed=3).outcomes
    b = sim.run(s_extra, replicates=400, seed=3).outcomes
    assert not b["ceasefire_day"].eq(0).any()  # b never takes it
    pd.testing.assert_frame_equal(a, b)  # and nothing else moved: common random numbers are exact


def test_a_replicate_does_not_depend_on_how_many_replicates_are_run():
    s = sim.load_scenario(toy())
    short = sim.run(s, replicates=100, seed=5, chunk_size=64)
    full = sim.run(s, replicates=128, seed=5, chunk_size=64)
    pd.testing.assert_frame_equal(short.outcomes, full.outcomes.iloc[:100])


def test_a_deadline_threat_spares_a_ceasefire_agreed_earlier_in_the_same_round():
    s = with_offer(fearon(0.4, 0.1, 0.15, horizon=28), 0.4)
    s["proposals"][0]["on"] = "2025-01-10"  # both accept, on day 9
    s["actors"]["m"]["threats"] = [
        {
            "name": "late",
            "against": "a",
            "trigger": "deadline",
            "deadline": "2025-01-11",
            "effect": {"support.a": "-0.5"},
        }
    ]
    o = sim.run(sim.load_scenario(s), replicates=200, seed=1).outcomes
    assert o["ceasefire_day"].eq(9).all()
    assert o["threats_fired"].eq(0).all()


def test_a_sanctions_step_keeps_the_relief_an_agreement_gave():
    s = with_offer(fearon(0.4, 0.1, 0.15, horizon=70), 0.4)
    s["issues"]["relief"] = {"range": [0, 1], "status_quo": 0}
    for side in ("a", "b"):
        s["actors"][side]["ideal"]["relief"] = 1 if side == "b" else 0
    s["proposals"][0]["terms"]["relief"] = 1.0  # every sanction lifted on day 0
    s["pressures"]["sanctions"] = {
        "target": "b",
        "level": 0.5,
        "schedule": [{"on": "2025-02-01", "level": 0.8}],
        "relief_issue": "relief",
        "cost": 0.001,
    }
    r = sim.run(sim.load_scenario(s), replicates=50, seed=1, trace=1)
    assert r.outcomes["ceasefire_day"].eq(0).all()
    step = [e for e in r.traces[0]["events"] if e["kind"] == "sanctions"]
    assert step and step[0]["level"] == 0.0


def test_a_truce_ending_mid_round_pauses_the_front_for_its_share_of_the_round():
    def final_control(truce_days: int | None) -> float:
        s = toy()
        s["horizon"] = 28
        s["actors"]["m"]["proposes"] = "none"
        s["actors"]["b"]["capability"] = 2.0
        s["pressures"]["battlefield"].update(volatility=0.0, attrition={}, regeneration={})
        if truce_days:
            s["proposals"] = [
                {
                    "name": "pause",
                    "by": "m",
                    "on": "2025-01-01",
                    "truce_days": truce_days,
                    "reward": {"a": 1, "b": 1},
                }
            ]
        return float(
            sim.run(sim.load_scenario(s), replicates=20, seed=1).series["control_mean"].iloc[-1]
        )

    start = 20.0
    war = final_control(None) - start  # four rounds of drift
    ten = (
        final_control(10) - start
    )  # agreed on day 0, after round 0 was fought: pauses 3 of round 1's 7 days
    assert ten == pytest.approx(war * (1 + 4 / 7 + 2) / 4, rel=1e-6)


def test_a_threat_with_after_k_waits_for_the_kth_obstruction():
    s = with_offer(fearon(0.4, 0.1, 0.15, horizon=35), 0.2, every_days=7)  # B refuses every week
    s["actors"]["m"]["threats"] = [
        {"name": "third strike", "against": "obstructer", "after": 3, "effect": {"engaged.m": 0}}
    ]
    r = sim.run(sim.load_scenario(s), replicates=50, seed=1, trace=1)
    fired = [e for e in r.traces[0]["events"] if e["kind"] == "threat"]
    assert [e["day"] for e in fired] == [14]  # refusals on days 0, 7, 14: fires after the third
    assert r.outcomes["threats_fired"].eq(1).all()
