"""History as data: observations weight the replicates exactly as their likelihood says."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from oracle_scenarios import toy

import sim
from sim.cli import main

N = 6000


def _with(observations: list[dict[str, Any]], base: dict[str, Any] | None = None) -> sim.Scenario:
    s = copy.deepcopy(base or toy())
    s["observations"] = observations
    return sim.load_scenario(s)


@pytest.fixture(scope="module")
def no_deal_by_d() -> tuple[sim.Results, sim.Results, int]:
    d = 120
    date = (dt.date(2025, 1, 1) + dt.timedelta(days=d)).isoformat()
    s = _with([{"by": date, "source": "the record", "ceasefire": False}])
    r = sim.run(s, replicates=N, seed=3)
    return r, r.condition(date), d


def test_no_ceasefire_by_d_gives_exactly_the_conditional_probability(no_deal_by_d):
    r, c, d = no_deal_by_d
    days = r.column("ceasefire_day")
    h = r.horizon_days
    f_h = float(np.mean(days < h))
    f_d = float(np.mean(days <= d))
    expected = (f_h - f_d) / (1 - f_d)
    assert c.summary()["p_ceasefire"]["estimate"] == pytest.approx(expected, abs=1e-6)
    cond = c.summary()["conditioning"]
    assert cond["consistent"] == int(np.sum(~(days <= d)))
    assert cond["ess"] == pytest.approx(cond["consistent"], rel=1e-9)
    # the curve starts after the as-of date, and it is the conditional one
    by_date = c.summary()["by_date"]
    assert all(
        dt.date.fromisoformat(x["date"]) > dt.date(2025, 1, 1) + dt.timedelta(days=d)
        for x in by_date
    )


def test_the_record_makes_optimism_and_stalling_more_likely():
    base = toy()
    for side in ("a", "b"):
        base["actors"][side]["optimism"] = {"uniform": [0.1, 0.5]}
    base["actors"]["b"]["stalling"] = {"prior": 0.4, "weeks": 30, "premium": 0.3}
    s = _with([{"by": "2025-06-30", "source": "record", "ceasefire": False}], base)
    r = sim.run(s, replicates=N, seed=5)
    c = r.condition("2025-06-30")
    post = {row["input"]: row for row in c.summary()["posterior"]}
    for name in ("param.actors.a.optimism", "param.actors.b.optimism", "stalling.b"):
        row = post[name]
        x = r.column(name).astype(float)
        se = x.std() / np.sqrt(c.summary()["conditioning"]["ess"])
        assert row["posterior"]["mean"] - row["prior"]["mean"] > 3 * se, name


def test_soft_evidence_weights_are_the_gaussian_likelihood():
    s = _with([{"on": "2025-03-01", "source": "map", "front_line": {"value": 22.0, "sd": 1.5}}])
    r = sim.run(s, replicates=2000, seed=2)
    c = r.condition("2025-03-01")
    x = r.column("obs.0")
    lik = np.exp(-0.5 * ((x - 22.0) / 1.5) ** 2)
    np.testing.assert_allclose(c.weights, lik * len(x) / lik.sum(), rtol=1e-12)
    control = r.column("final_control")
    agreed = r.column("ceasefire")
    assert c.summary()["p_ceasefire"]["estimate"] == pytest.approx(
        np.sum(lik * agreed) / lik.sum(), abs=1e-6
    )
    assert np.isfinite(control).all()


def test_a_hard_interval_rules_out_every_replicate_outside_it():
    s = _with([{"on": "2025-03-01", "source": "map", "front_line": {"between": [19.0, 21.0]}}])
    r = sim.run(s, replicates=2000, seed=2)
    c = r.condition("2025-03-01")
    x = r.column("obs.0")
    inside = (x >= 19.0) & (x <= 21.0)
    assert c.summary()["conditioning"]["consistent"] == int(inside.sum())
    assert np.all(c.weights[~inside] == 0)


def test_observations_after_the_as_of_date_are_not_used():
    s = _with(
        [
            {"by": "2025-03-01", "source": "a", "ceasefire": False},
            {"by": "2025-09-01", "source": "b", "ceasefire": False},
        ]
    )
    r = sim.run(s, replicates=1000, seed=1)
    used = [o["index"] for o in r.condition("2025-06-01").summary()["conditioning"]["observations"]]
    assert used == [0]


def test_evidence_no_replicate_matches_is_refused_with_what_to_do(tmp_path: Path, capsys):
    s = toy()
    s["observations"] = [
        {"on": "2025-02-01", "source": "x", "front_line": {"between": [99.0, 100.0]}}
    ]
    f = tmp_path / "s.yaml"
    import yaml

    f.write_text(yaml.safe_dump(s))
    with pytest.raises(sim.RunError, match="no replicate is consistent"):
        sim.run(sim.load_scenario(f), replicates=300, seed=1, as_of="2025-02-01")
    code = main(
        [
            "run",
            str(f),
            "-n",
            "300",
            "--as-of",
            "2025-02-01",
            "--out",
            str(tmp_path / "o"),
            "--no-report",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "no replicate is consistent" in err and "Traceback" not in err
    assert "more replicates" in err


def test_a_proposal_observation_reads_the_named_sides_verdict():
    base = toy()
    base["actors"]["m"]["proposes"] = "none"
    base["proposals"] = [{"name": "pause", "by": "m", "on": "2025-01-15", "truce_days": 10}]
    s = _with(
        [{"on": "2025-01-15", "source": "x", "proposal": {"name": "pause", "rejected_by": "b"}}],
        base,
    )
    r = sim.run(s, replicates=400, seed=1, trace=400)
    v = r.column("obs.0")
    # a war decided by force before day 14 is never offered the pause: no verdict (NaN)
    offered = [next((e for e in t["events"] if e["kind"] == "truce"), None) for t in r.traces]
    put = np.array([e is not None for e in offered])
    assert put.mean() > 0.9 and np.isnan(v[~put]).all()
    rejected = np.array(["b rejects" in e["text"] for e in offered if e is not None])
    assert np.array_equal(v[put] == 0.0, rejected)


def test_conditioned_results_survive_save_and_load(tmp_path: Path, no_deal_by_d):
    _, c, _ = no_deal_by_d
    folder = c.save(tmp_path / "run")
    back = sim.Results.load(folder)
    assert back.summary()["p_ceasefire"] == c.summary()["p_ceasefire"]
    assert back.summary()["conditioning"]["ess"] == c.summary()["conditioning"]["ess"]


@pytest.mark.parametrize(
    ("observation", "message"),
    [
        ({"on": "2025-01-10", "source": "x", "ceasefire": False}, "dated with 'by' only"),
        ({"by": "2026-06-01", "source": "x", "ceasefire": False}, "not before the horizon"),
        (
            {"on": "2025-02-01", "source": "x", "support": {"actor": "c", "between": [0, 1]}},
            "unknown belligerent 'c'",
        ),
        (
            {"on": "2025-02-01", "source": "x", "front_line": {"between": [30, 20]}},
            "impossible interval",
        ),
        ({"on": "2025-02-01", "source": "x", "talks": True, "ceasefire": True}, "exactly one of"),
        (
            {"on": "2025-02-01", "source": "x", "mediator": {"mm": "engaged"}},
            "unknown mediator 'mm'",
        ),
        ({"on": "2025-02-01", "talks": True}, "source"),
    ],
)
def test_bad_observations_are_reported_with_file_and_line(tmp_path: Path, observation, message):
    import yaml

    s = toy()
    s["observations"] = [observation]
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(s, sort_keys=False))
    with pytest.raises(sim.ScenarioError, match=message) as e:
        sim.load_scenario(f)
    p = e.value.problems[0]
    assert p.file == str(f) and p.line is not None and p.path.startswith("observations.0")


def test_an_observed_file_adds_its_observations_with_their_own_lines(tmp_path: Path):
    f = tmp_path / "o.yaml"
    f.write_text("observations:\n  - by: 2025-03-01\n    source: x\n    ceasefire: nope\n")
    import yaml

    base = tmp_path / "s.yaml"
    base.write_text(yaml.safe_dump(toy()))
    with pytest.raises(sim.ScenarioError) as e:
        sim.load_scenario(base, observed=f)
    assert e.value.problems[0].file == str(f) and e.value.problems[0].line == 4
    # numbered as in the file, not after the scenario's own observations
    tree = toy()
    tree["observations"] = [{"by": "2025-02-01", "source": "own", "ceasefire": False}] * 3
    base.write_text(yaml.safe_dump(tree))
    f.write_text(
        "observations:\n  - by: 2025-03-01\n    source: x\n    ceasefire: false\n"
        "  - by: 2025-04-01\n    ceasefire: false\n"
    )
    with pytest.raises(sim.ScenarioError) as e:
        sim.load_scenario(base, observed=f)
    (p,) = e.value.problems
    assert (p.file, p.line, p.path) == (str(f), 5, "observations.1.source")


def test_the_forecast_path_is_the_run_conditioned_as_of_each_observation_date():
    s = _with(
        [
            {"by": "2025-08-29", "source": "r", "ceasefire": False},
            {"by": "2025-10-01", "source": "r", "ceasefire": False},
        ]
    )
    r = sim.run(s, replicates=N, seed=5)
    path = r.forecast_path()
    assert [p["as_of"] for p in path] == ["2025-01-01", "2025-08-29", "2025-10-01"]
    assert [p["observations"] for p in path] == [0, 1, 2]
    assert path[0]["estimate"] == pytest.approx(r.summary()["p_ceasefire"]["estimate"])
    for p in path[1:]:
        c = r.condition(p["as_of"]).summary()
        assert p["estimate"] == pytest.approx(c["p_ceasefire"]["estimate"])
        assert p["ess"] == pytest.approx(c["conditioning"]["ess"])
    # no ceasefire by a later date leaves fewer futures, each less likely to end in one
    assert path[0]["ess"] > path[1]["ess"] > path[2]["ess"]
    assert path[0]["estimate"] > path[1]["estimate"] > path[2]["estimate"]
    # a conditioned run's path stops at its own as-of date
    assert [p["as_of"] for p in r.condition("2025-08-29").forecast_path()][-1] == "2025-08-29"


def test_n_auto_with_as_of_narrows_the_conditioned_interval():
    # the record rules out the futures with an early ceasefire: the conditioned interval is
    # wider than the unconditioned one at the same size, so -n auto must grow further
    s = _with([{"by": "2025-11-15", "source": "r", "ceasefire": False}])
    c = sim.run(s, seed=2, precision=0.015, max_replicates=40_960, as_of="2025-11-15")
    e = c.summary()["p_ceasefire"]
    assert (e["ci_high"] - e["ci_low"]) / 2 <= 0.015
    # it grew exactly until the conditioned interval was narrow enough: one chunk fewer was not
    assert c.n > 4096
    fewer = sim.run(s, replicates=c.n - 4096, seed=2).condition("2025-11-15")
    f = fewer.summary()["p_ceasefire"]
    assert (f["ci_high"] - f["ci_low"]) / 2 > 0.015
    fixed = sim.run(s, replicates=c.n, seed=2).condition("2025-11-15")  # the same run
    assert fixed.summary()["p_ceasefire"] == e


def test_as_of_a_date_with_nothing_on_the_record_leaves_the_run_as_it_was():
    # a scenario without observations, or an as-of date before the first one: every weight is 1
    s = sim.load_scenario(toy())
    plain = sim.run(s, replicates=800, seed=4)
    c = plain.condition("2025-06-01")
    cond = c.summary()["conditioning"]
    assert cond["observations"] == [] and cond["ess"] == pytest.approx(800)
    assert c.summary()["p_ceasefire"]["estimate"] == plain.summary()["p_ceasefire"]["estimate"]
    auto = sim.run(s, seed=4, precision=0.03, max_replicates=40_960, as_of="2025-06-01")
    assert auto.n == sim.run(s, seed=4, precision=0.03, max_replicates=40_960).n < 40_960


@pytest.mark.parametrize("as_of", ["2024-12-31", "2030-01-01"])
def test_an_as_of_date_outside_the_scenario_window_is_refused_before_running(
    tmp_path: Path, capsys, as_of: str
):
    s = sim.load_scenario(toy())
    with pytest.raises(sim.UsageError, match="outside the scenario's window"):
        sim.run(s, replicates=10, seed=1, as_of=as_of)
    f = tmp_path / "s.yaml"
    import yaml

    f.write_text(yaml.safe_dump(toy()))
    out = tmp_path / "o"
    code = main(["run", str(f), "-n", "10", "--as-of", as_of, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert f"as-of date {as_of} is outside the scenario's window 2025-01-01 to" in err
    assert not out.exists() and list(tmp_path.iterdir()) == [f]
