"""Hindcast scores against hand-computed values, the record read from observations, the verb end to end."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from oracle_scenarios import toy

import sim
from sim.cli import main
from sim.hindcast import base_rate_cdf, covered, crps_days, forecast_cdf, realised_day, scores
from sim.hindcast import hindcast as sim_hindcast


def test_scores_of_a_known_forecast_match_the_hand_calculation():
    # four replicates over a 4-day horizon: first ceasefires on days 0 and 2, two never
    first = np.array([0.0, 2.0, np.nan, np.nan])
    cdf = forecast_cdf(first, 4)
    np.testing.assert_allclose(cdf, [0.25, 0.25, 0.5, 0.5])
    # realised on day 1: outcome 0, 1, 1, 1
    s = scores(cdf, 1)
    assert s["p"] == 0.5
    assert s["brier"] == pytest.approx(0.25)
    assert s["log"] == pytest.approx(-math.log(0.5))
    assert s["crps_days"] == pytest.approx(0.25**2 + 0.75**2 + 0.5**2 + 0.5**2)
    # none by the horizon: outcome 0 throughout
    s = scores(cdf, None)
    assert s["brier"] == pytest.approx(0.25)
    assert s["crps_days"] == pytest.approx(2 * 0.25**2 + 2 * 0.5**2)
    assert crps_days(np.zeros(3), None) == 0.0  # a forecast of certainly no ceasefire, right


def test_a_certain_wrong_forecast_gets_a_finite_log_score():
    s = scores(np.ones(5), None)
    assert s["brier"] == 1.0 and math.isfinite(s["log"]) and s["log"] > 9


def test_the_base_rate_is_a_constant_hazard_with_its_median():
    cdf = base_rate_cdf(400, median_days=100)
    assert cdf[99] == pytest.approx(0.5)
    hazard = np.diff(-np.log(1 - cdf))
    np.testing.assert_allclose(hazard, math.log(2) / 100)


def test_interval_coverage_counts_no_ceasefire_as_the_upper_end():
    first = np.array([10.0] * 8 + [np.nan] * 2)
    assert covered(first, 10, 0.5)  # the middle half is {10}
    assert not covered(first, 50, 0.5)
    assert not covered(first, None, 0.5)
    assert covered(first, None, 0.95)  # never: inside the 95% interval's open upper end
    assert covered(np.array([10.0] * 6 + [np.nan] * 4), 50, 0.5)  # the middle half reaches "never"


def _case(observations: list[dict]) -> sim.Scenario:
    s = copy.deepcopy(toy())
    s["observations"] = observations
    return sim.load_scenario(s)


def test_the_record_gives_the_day_a_ceasefire_was_in_force_or_none():
    got = _case(
        [
            {"by": "2025-03-09", "source": "r", "ceasefire": False},
            {"on": "2025-03-10", "source": "r", "ceasefire": True},
        ]
    )
    assert realised_day(got) == 68
    none = _case([{"by": "2025-12-30", "source": "r", "ceasefire": False}])
    assert realised_day(none) is None
    with pytest.raises(sim.UsageError, match="does not say"):
        realised_day(_case([{"by": "2025-03-01", "source": "r", "ceasefire": False}]))


def test_sim_hindcast_writes_scores_figures_and_a_report(tmp_path: Path, capsys):
    cases = []
    for name, obs in (
        ("early", [{"by": "2025-02-27", "source": "r", "ceasefire": False}, {"on": "2025-02-28", "source": "r", "ceasefire": True}]),
        ("never", [{"by": "2025-12-30", "source": "r", "ceasefire": False}]),
    ):  # fmt: skip
        s = toy()
        s["name"] = name
        s["observations"] = obs
        f = tmp_path / f"{name}.yaml"
        f.write_text(yaml.safe_dump(s, sort_keys=False))
        cases.append(str(f))
    out = tmp_path / "hc"
    assert main(["hindcast", *cases, "-n", "500", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "mean Brier" in printed
    data = json.loads((out / "hindcast.json").read_text())
    assert [c["name"] for c in data["cases"]] == ["early", "never"]
    early, never = data["cases"]
    assert early["realised_day"] == 58 and never["realised_day"] is None
    r = sim.Results.load(out / "runs" / "early")
    p = float(r.column("ceasefire").mean())
    assert early["model"]["p"] == pytest.approx(p)
    assert early["model"]["brier"] == pytest.approx((p - 1) ** 2)
    assert never["model"]["brier"] == pytest.approx(p**2)  # same toy war, same seed
    assert (out / "figures" / "calibration.png").stat().st_size > 10_000
    html = (out / "report.html").read_text()
    assert "Hindcast" in html and html.count("<img") == 2
    assert main(["report", str(out)]) == 0  # sim report re-renders a hindcast folder


def test_a_case_without_a_readable_record_is_refused_before_running(tmp_path: Path, capsys):
    s = toy()
    f = tmp_path / "x.yaml"
    f.write_text(yaml.safe_dump(s))
    assert main(["hindcast", str(f), "-n", "50", "--out", str(tmp_path / "o")]) == 2
    assert "does not say" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_forecast_is_conditioned_on_what_was_on_the_record_at_the_snapshot(tmp_path: Path):
    # the verdict on a plan put on the snapshot day was known that day: the forecast keeps only
    # the replicates where A turned it down, and nothing later in the record weighs in
    s = toy()
    s["name"] = "known verdict"
    s["proposals"] = [
        {"name": "plan", "by": "m", "on": "2025-01-01", "terms": {"land": 5, "guarantees": 0.5}}
    ]
    s["observations"] = [
        {"on": "2025-01-01", "source": "r", "proposal": {"name": "plan", "rejected_by": "a"}},
        {"by": "2025-12-30", "source": "r", "ceasefire": False},
    ]
    f = tmp_path / "case.yaml"
    f.write_text(yaml.safe_dump(s, sort_keys=False))
    hc = sim_hindcast([str(f)], replicates=800, seed=4)
    case = hc.cases[0]
    run = sim.run(sim.load_scenario(f), replicates=800, seed=4)
    rejected = np.asarray(run.column("obs.0")) == 0.0
    assert 0 < rejected.sum() < 800  # the verdict tells the replicates apart
    first = np.asarray(run.column("ceasefire_day"), dtype=float)
    known = ~np.isnan(first[rejected]) & (first[rejected] < s["horizon"])
    assert case["model"]["p"] == pytest.approx(known.mean())
    assert case["model"]["p"] != pytest.approx(float((~np.isnan(first)).mean()))
    assert case["known_at_snapshot"]["observations"] == 1
    assert case["known_at_snapshot"]["ess"] == pytest.approx(rejected.sum(), rel=1e-9)


def test_a_hindcast_folder_is_replaced_only_with_force_and_only_if_sim_wrote_it(tmp_path: Path):
    s = toy()
    s["name"] = "never"
    s["observations"] = [{"by": "2025-12-30", "source": "r", "ceasefire": False}]
    f = tmp_path / "never.yaml"
    f.write_text(yaml.safe_dump(s, sort_keys=False))
    out = tmp_path / "hc"
    argv = ["hindcast", str(f), "-n", "100", "--out", str(out), "--quiet"]
    assert main(argv) == 0 and (out / ".sim-folder").is_file()
    assert main(argv) == 2  # not empty: refused
    assert main([*argv, "--force"]) == 0  # sim wrote it: replaced
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep")
    assert main(["hindcast", str(f), "-n", "100", "--out", str(other), "--force"]) == 2
    assert (other / "notes.txt").read_text() == "keep"
