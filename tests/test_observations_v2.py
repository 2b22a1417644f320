"""Observations analysts writing history cases asked for: a ceasefire in force or not, one that
broke down, a truce running, the war decided by force, and nothing dated before the start.

Each probe must read the state the engine holds at the end of the observed day, and
conditioning (history.condition, ``--as-of``) must keep exactly the replicates in that state.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from oracle_scenarios import fearon, toy, with_offer

import sim
from sim.cli import main
from sim.model.history import likelihood
from sim.model.scenario.observations import Observation

START = dt.date(2025, 1, 1)
N = 400


def _date(day: int) -> str:
    return (START + dt.timedelta(days=day)).isoformat()


def _run(s: dict[str, Any], observations: list[dict[str, Any]], trace: int = 0) -> sim.Results:
    s = copy.deepcopy(s)
    s["observations"] = observations
    return sim.run(sim.load_scenario(s), replicates=N, seed=1, trace=trace)


def _selects_exactly(r: sim.Results, as_of: str, expected: np.ndarray) -> sim.Results:
    """Conditioned as of ``as_of``, the replicates with a weight are exactly ``expected``, each
    weighing n / their number (hard evidence), and the figures are their plain means."""
    c = r.condition(as_of)
    assert c.weights is not None
    assert 0 < expected.sum() < len(expected)  # the evidence rules some out and keeps some
    np.testing.assert_array_equal(c.weights > 0, expected)
    np.testing.assert_allclose(c.weights[expected], len(expected) / expected.sum(), rtol=1e-12)
    cond = c.summary()["conditioning"]
    assert cond["consistent"] == expected.sum()
    assert cond["ess"] == pytest.approx(expected.sum(), rel=1e-9)
    return c


# ----------------------------------------------------------------------------- ceasefires

# Terms inside the zone of agreement put every four weeks: a ceasefire on day 0 in every
# replicate, which breaks down with a hazard of 15 a year (about 0.25 a weekly round) and is
# agreed again at the next offer. Breakdowns are settled at a round's end, after its last day.
BREAKS = with_offer(fearon(), 0.45, every_days=28)
BREAKS["horizon"] = 140
BREAKS["durability"] = {"base_hazard_per_year": 15, "dissatisfaction": 0}
D = 50  # 2025-02-20, mid-round (rounds start on days 49, 56)
E = 77  # 2025-03-19: two rounds after the offer of day 56


@pytest.fixture(scope="module")
def breaks() -> sim.Results:
    return _run(
        BREAKS,
        [
            {"on": _date(D), "source": "r", "in_force": False},
            {"by": _date(D), "source": "r", "broke_down": True},
            {"by": _date(D), "source": "r", "ceasefire": "agreed"},
            {"on": _date(E), "source": "r", "in_force": True},
            {"on": _date(E), "source": "r", "ceasefire": True},
            {"by": _date(E), "source": "r", "broke_down": False},
        ],
        trace=N,
    )


def _in_force_from_the_stories(r: sim.Results, day: int, round_days: int = 7) -> np.ndarray:
    """In force at the end of ``day``, told by each replicate's story: the latest of its
    agreements on or before ``day`` and its breakdowns settled by then (a breakdown is logged
    on its round's first day and settled at the round's end, seen from the next round on)."""
    out = []
    for t in r.traces:
        changes = [(e["day"], True) for e in t["events"] if e["kind"] == "ceasefire"]
        changes += [(e["day"] + round_days, False) for e in t["events"] if e["kind"] == "breakdown"]
        seen = sorted(c for c in changes if c[0] <= day)
        out.append(bool(seen) and seen[-1][1])
    return np.array(out)


def test_in_force_and_broke_down_read_the_accord_state(breaks: sim.Results) -> None:
    r = breaks
    for i, day in ((0, D), (3, E), (4, E)):
        in_force = _in_force_from_the_stories(r, day)
        assert 0 < in_force.sum() < N
        np.testing.assert_array_equal(r.column(f"obs.{i}"), in_force.astype(float))
    # a breakdown counts from the round after it: breakdown_day (its round's first day) + 7 <= D
    for i, day in ((1, D), (5, E)):
        settled = r.column("breakdown_day") + 7 <= day
        assert 0 < settled.sum() < N
        np.testing.assert_array_equal(r.column(f"obs.{i}"), settled.astype(float))
    np.testing.assert_array_equal(r.column("obs.2"), np.ones(N))  # agreed by D: all, on day 0
    # some broke down and were agreed again by D: "broke down" is not "not in force"
    in_force, settled = _in_force_from_the_stories(r, D), r.column("breakdown_day") + 7 <= D
    assert np.any(settled & in_force) and np.any(settled & ~in_force)


def test_a_ceasefire_that_broke_down_keeps_exactly_the_replicates_it_describes(
    breaks: sim.Results,
) -> None:
    r = breaks
    broken = ~_in_force_from_the_stories(r, D) & (r.column("breakdown_day") + 7 <= D)
    c = _selects_exactly(r, _date(D), broken)
    assert c.summary()["conditioning"]["observations"][-1]["index"] == 2
    # the day before, nothing is on the record: the run is as it was
    assert r.condition(_date(D - 1)).summary()["conditioning"]["consistent"] == N
    # "none broke down by E" contradicts "one broke down by D": no replicate holds both
    with pytest.raises(sim.RunError, match="no replicate is consistent"):
        r.condition(_date(E))


def test_agreed_by_a_date_is_the_complement_of_none_agreed_by_it() -> None:
    # terms a noisy judge (rationality 5) accepts now or at a later fortnightly offer
    s = with_offer(fearon(rationality=5), 0.45, every_days=14)
    s["horizon"] = 140
    r = _run(
        s,
        [
            {"by": _date(28), "source": "r", "ceasefire": "agreed"},  # the day of an offer
            {"by": _date(28), "source": "r", "ceasefire": False},
        ],
    )
    agreed = r.column("ceasefire_day") <= 28
    np.testing.assert_array_equal(r.column("obs.0"), agreed.astype(float))
    np.testing.assert_array_equal(r.column("obs.1"), agreed.astype(float))
    with pytest.raises(sim.RunError, match="no replicate is consistent"):
        r.condition(_date(28))  # agreed and not agreed by the same day
    only = _run(s, [{"by": _date(28), "source": "r", "ceasefire": "agreed"}])
    _selects_exactly(only, _date(28), only.column("ceasefire_day") <= 28)


# ----------------------------------------------------------------------------- truces

# A 20-day truce put on day 7 (2025-01-08), which a noisy judge (rationality 5) accepts in about
# half the replicates: it runs on days 7..26 and the war resumes on day 27.
TRUCE = fearon(rationality=5)
TRUCE["horizon"] = 70
TRUCE["proposals"] = [{"name": "pause", "by": "m", "on": _date(7), "truce_days": 20}]


def test_a_truce_running_on_a_date_reads_the_truce_until_its_last_day() -> None:
    r = _run(
        TRUCE,
        [
            {"on": _date(26), "source": "r", "truce": True},  # its last day
            {"on": _date(27), "source": "r", "truce": False},  # the war resumes
            {"on": _date(6), "source": "r", "truce": False},  # before it is put
            {"between": [_date(0), _date(7)], "source": "r", "truce": "agreed"},
        ],
    )
    held = r.column("truce_day") == 7
    assert 0 < held.sum() < N and np.all(np.isnan(r.column("truce_day")[~held]))
    np.testing.assert_array_equal(r.column("obs.0"), held.astype(float))
    np.testing.assert_array_equal(r.column("obs.1"), np.zeros(N))
    np.testing.assert_array_equal(r.column("obs.2"), np.zeros(N))
    np.testing.assert_array_equal(r.column("obs.3")[held], np.full(held.sum(), 7.0))
    # as of the truce's last day: exactly the replicates where it was agreed
    _selects_exactly(r, _date(26), held)


def test_no_truce_running_keeps_the_replicates_that_refused_it() -> None:
    r = _run(TRUCE, [{"on": _date(10), "source": "r", "truce": False}])
    refused = np.isnan(r.column("truce_day"))
    c = _selects_exactly(r, _date(10), refused)
    assert c.summary()["p_truce"]["estimate"] == pytest.approx(0.0)


# ----------------------------------------------------------------------------- decided by force

# No terms on the table, and the war decided by force with a hazard of 5 a year (about 0.09 a
# weekly round), for B with the chance p = 0.4 that B prevails.
WAR = fearon()
WAR["horizon"] = 140
WAR["pressures"]["battlefield"].update(decisive_ends=True, decisive_per_year=5)
F = 62  # 2025-03-04: the last day of a round (days 56..62), decided_day of those it decides


@pytest.fixture(scope="module")
def war() -> sim.Results:
    return _run(
        WAR,
        [
            {"by": _date(F), "source": "r", "decided": True},
            {"by": _date(F), "source": "r", "decided": {"winner": "b"}},
            {"by": _date(F), "source": "r", "decided": {"winner": "a"}},
            {"by": _date(F), "source": "r", "decided": False},
            {"by": _date(F + 1), "source": "r", "decided": True},
        ],
    )


def test_decided_reads_the_decisive_end_and_its_winner(war: sim.Results) -> None:
    r = war
    day, winner = r.column("decided_day"), r.column("decided_for")
    # a decisive end is settled at its round's end, after its last day: seen the day after
    before = day < F
    assert 0 < before.sum() < N and np.any(day == F)
    np.testing.assert_array_equal(r.column("obs.0"), before.astype(float))
    np.testing.assert_array_equal(r.column("obs.1"), (before & (winner == "b")).astype(float))
    np.testing.assert_array_equal(r.column("obs.2"), (before & (winner == "a")).astype(float))
    np.testing.assert_array_equal(r.column("obs.3"), before.astype(float))
    np.testing.assert_array_equal(r.column("obs.4"), (day <= F).astype(float))
    assert np.any(before & (winner == "a")) and np.any(before & (winner == "b"))


def test_decided_for_a_side_keeps_exactly_its_victories(war: sim.Results) -> None:
    s = copy.deepcopy(WAR)
    s["observations"] = [{"by": _date(F), "source": "r", "decided": {"winner": "b"}}]
    r = sim.run(sim.load_scenario(s), replicates=N, seed=1)
    b_won = (r.column("decided_day") < F) & (r.column("decided_for") == "b")
    c = _selects_exactly(r, _date(F), b_won)
    # conditioned on B's victory, every replicate ends decided for B and with no ceasefire
    assert c.summary()["p_ceasefire"]["estimate"] == pytest.approx(0.0)
    # sim.run(as_of=...) (the CLI's --as-of) gives the same conditioned run
    direct = sim.run(sim.load_scenario(s), replicates=N, seed=1, as_of=_date(F))
    assert direct.summary()["conditioning"] == c.summary()["conditioning"]
    assert direct.summary()["p_ceasefire"] == c.summary()["p_ceasefire"]
    # and "not decided" keeps the others
    s["observations"] = [{"by": _date(F), "source": "r", "decided": False}]
    r = sim.run(sim.load_scenario(s), replicates=N, seed=1)
    _selects_exactly(r, _date(F), ~(r.column("decided_day") < F))


# ----------------------------------------------------------------------------- likelihoods


@pytest.mark.parametrize(
    ("observation", "one_means"),
    [
        ({"on": "2025-02-01", "in_force": True}, 1.0),
        ({"on": "2025-02-01", "in_force": False}, 0.0),
        ({"by": "2025-02-01", "broke_down": True}, 1.0),
        ({"by": "2025-02-01", "broke_down": False}, 0.0),
        ({"on": "2025-02-01", "truce": True}, 1.0),
        ({"on": "2025-02-01", "truce": False}, 0.0),
        ({"by": "2025-02-01", "decided": True}, 1.0),
        ({"by": "2025-02-01", "decided": {"winner": "a"}}, 1.0),
        ({"by": "2025-02-01", "decided": False}, 0.0),
        ({"by": "2025-02-01", "ceasefire": "agreed"}, 1.0),
    ],
)
def test_every_new_kind_is_hard_evidence(observation: dict[str, Any], one_means: float) -> None:
    ob = Observation.model_validate({**observation, "source": "r"})
    v = np.array([1.0, 0.0, np.nan, 1.0])
    lik = likelihood(ob, v, START)
    expected = np.where(np.isnan(v), 0.0, (v == one_means).astype(float))
    np.testing.assert_array_equal(lik, expected)


def test_the_first_truce_within_a_window_is_an_interval_of_days() -> None:
    ob = Observation.model_validate(
        {"between": ["2025-01-08", "2025-01-15"], "truce": "agreed", "source": "r"}
    )
    v = np.array([6.0, 7.0, 14.0, 15.0, np.nan])
    np.testing.assert_array_equal(likelihood(ob, v, START), [0.0, 1.0, 1.0, 0.0, 0.0])


# ----------------------------------------------------------------------------- refused, located

BAD = [
    # (the observation's lines, the line of the problem within them, path, rule)
    (
        "  - by: 2025-03-01\n    source: r\n    decided: {winner: c}\n",
        3,
        "observations.0.decided.winner",
        "unknown belligerent 'c'; belligerents are a, b",
    ),
    (
        "  - by: 2025-03-01\n    source: r\n    decided: yes please\n",
        3,
        "observations.0.decided",
        "'decided' is true, false or {winner: <belligerent id>} (got 'yes please')",
    ),
    (
        "  - by: 2025-03-01\n    source: r\n    decided: {who: a}\n",
        3,
        "observations.0.decided.who",
        "unknown key 'who'",
    ),
    (
        "  - on: 2025-03-01\n    source: r\n    broke_down: true\n",
        1,
        "observations.0",
        "'broke_down' evidence is dated with 'by' only",
    ),
    (
        "  - by: 2025-03-01\n    source: r\n    in_force: false\n",
        1,
        "observations.0",
        "'in_force' evidence is dated with 'on' only",
    ),
    (
        "  - by: 2025-03-01\n    source: r\n    truce: false\n",
        1,
        "observations.0",
        "'truce' false (none running on a date) is dated with 'on' only",
    ),
    (
        "  - on: 2025-03-01\n    source: r\n    in_force: maybe\n",
        3,
        "observations.0.in_force",
        "expected true or false (got 'maybe')",
    ),
    (
        "  - on: 2025-03-01\n    source: r\n    truce: true\n",
        3,
        "observations.0.truce",
        "the scenario has no truce proposal (one with 'truce_days'), so no truce can run in it",
    ),
    (
        "  - by: 2025-06-01\n    source: r\n    decided: true\n",
        3,
        "observations.0.decided",
        "decisive_ends: false, so no war is decided by force in it",
    ),
    (
        "  - on: 2024-12-20\n    source: r\n    talks: true\n",
        1,
        "observations.0.on",
        "date is before the scenario start 2025-01-01: the run begins there and cannot see what "
        "came before; write that history into the starting state",
    ),
    (
        "  - on: 2024-12-20\n    source: r\n    proposal: {name: offer, rejected_by: b}\n",
        1,
        "observations.0.on",
        "a verdict dated before the scenario start 2025-01-01 cannot be observed: the run puts "
        "no proposal before its start, so no replicate can hold that verdict (got '2024-12-20')",
    ),
]


@pytest.mark.parametrize(("lines", "at", "path", "rule"), BAD)
def test_bad_observations_are_refused_with_file_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: str, at: int, path: str, rule: str
) -> None:
    s = with_offer(toy(), 20.0)
    s["proposals"][0]["terms"] = {"land": 20.0, "guarantees": 0.5}
    if "decided: true" in lines:
        s["pressures"]["battlefield"]["decisive_ends"] = False
    text = yaml.safe_dump(s, sort_keys=False) + "observations:\n" + lines
    f = tmp_path / "case.yaml"
    f.write_text(text, encoding="utf-8")
    line = len(text.splitlines()) - lines.count("\n") + at
    code = main(["validate", str(f)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert all(e.startswith(f"{f}:") for e in err.splitlines()), err
    found = [e for e in err.splitlines() if f": {path}: " in e]
    assert len(found) == 1, err
    assert found[0].startswith(f"{f}:{line}:"), found[0]
    assert rule.split(" (got")[0].split("; write")[0] in found[0], found[0]
    if "(got" in rule:
        assert found[0].endswith(rule[rule.index("(got") :]), found[0]
