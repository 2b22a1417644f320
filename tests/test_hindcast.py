"""Hindcast scores against hand-computed values, the record read from observations, the verb end to end."""

from __future__ import annotations

import copy
import gc
import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from oracle_scenarios import toy
from scipy import stats

import sim
from sim.cli import main
from sim.output.plots.hindcast import reliability_bins
from sim.output.report.hindcast import FEW_FUTURES, few_futures
from sim.studies import runner
from sim.studies.hindcast import (
    COW_MEAN_DAYS,
    COW_MEDIAN_DAYS,
    LOGNORMAL_MU,
    LOGNORMAL_SIGMA,
    coverage_bands,
    lognormal_cdf,
    realised_day,
    side_by_side,
)
from sim.studies.hindcast import hindcast as sim_hindcast
from sim.studies.scoring import (
    base_rate_cdf,
    covered,
    covered_cdf,
    crps_days,
    forecast_cdf,
    pit,
    scores,
)


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


def _cow() -> stats.rv_continuous:
    return stats.lognorm(s=LOGNORMAL_SIGMA, scale=math.exp(LOGNORMAL_MU))


def test_the_lognormal_has_the_correlates_of_war_median_and_mean():
    assert LOGNORMAL_SIGMA == pytest.approx(math.sqrt(2 * math.log(408 / 139)))
    assert _cow().median() == pytest.approx(COW_MEDIAN_DAYS)
    assert _cow().mean() == pytest.approx(COW_MEAN_DAYS)


def test_the_lognormal_comparator_is_the_conditional_probability_of_ending():
    # a war 200 days old at the snapshot, a 365-day horizon: P(T <= 565 | T > 200)
    F = _cow().cdf
    hand = (F(200 + 365) - F(200)) / (1 - F(200))
    cdf = lognormal_cdf(365, age_days=200)
    assert cdf[-1] == pytest.approx(hand, rel=1e-12)
    assert cdf[0] == pytest.approx((F(201) - F(200)) / (1 - F(200)), rel=1e-12)
    assert 0.3 < hand < 0.6  # about 0.46: a reference value, not just self-consistency
    # a very old war keeps its precision (computed from log survival)
    old = lognormal_cdf(30, age_days=20_000)
    assert np.all(np.isfinite(old)) and np.all(np.diff(old) > 0) and old[-1] < 0.05
    with pytest.raises(ValueError):
        lognormal_cdf(10, age_days=-1)


def test_at_age_zero_the_lognormal_comparator_is_the_unconditional_lognormal():
    np.testing.assert_allclose(lognormal_cdf(400, 0), _cow().cdf(np.arange(1, 401)), rtol=1e-12)


def test_an_older_war_gets_a_lower_one_year_probability_where_the_hazard_falls():
    t = np.arange(30.0, 3000.0)
    hazard = _cow().pdf(t) / _cow().sf(t)
    assert np.all(np.diff(hazard) < 0)  # the lognormal's hazard falls after its early peak
    ages = [30, 100, 400, 1000, 2500]
    one_year = [lognormal_cdf(365, a)[-1] for a in ages]
    assert np.all(np.diff(one_year) < 0)
    assert one_year[0] > 0.7 and one_year[-1] < 0.25
    # the constant hazard gives every war the same chance, whatever its age
    assert base_rate_cdf(365)[-1] == pytest.approx(1 - 2 ** (-365 / 139))


def test_the_pit_of_a_realised_day():
    cdf = np.array([0.25, 0.25, 0.5, 0.5])
    assert pit(cdf, 0) == (0.125, 0.0, 0.25)
    assert pit(cdf, 1) == (0.25, 0.25, 0.25)  # no mass on day 1: a single value
    assert pit(cdf, 2) == (0.375, 0.25, 0.5)
    assert pit(cdf, None) == (0.75, 0.5, 1.0)  # none by the horizon: the mass above day 3
    assert scores(cdf, 2)["pit"] == 0.375 and scores(cdf, 2)["pit_range"] == [0.25, 0.5]


def test_the_mid_pit_of_days_drawn_from_the_forecast_averages_one_half():
    cdf = lognormal_cdf(365, 100)
    rng = np.random.default_rng(3)
    u = rng.random(4000)
    days = np.searchsorted(cdf, u, side="right")  # a day drawn from the forecast itself
    pits = np.array([pit(cdf, int(d) if d < 365 else None)[0] for d in days])
    assert abs(pits.mean() - 0.5) < 0.02
    assert abs(np.mean(pits < 0.2) - 0.2) < 0.03


def test_interval_coverage_from_a_cdf_matches_coverage_from_replicates():
    rng = np.random.default_rng(5)
    first = np.where(rng.random(500) < 0.3, np.nan, rng.integers(0, 60, 500).astype(float))
    cdf = forecast_cdf(first, 60)
    for real in (0, 5, 20, 40, 59, None):
        for lv in (0.5, 0.8, 0.95):
            assert covered_cdf(cdf, real, lv) == covered(first, real, lv), (real, lv)


def test_coverage_bands_are_wilson_intervals_over_the_cases():
    # ten cases, the realised day inside the central 50% in the first nine
    cases = [
        {
            f: {"covered": {"0.5": i < 9, "0.8": True, "0.95": True}}
            for f in ("model", "base", "lognormal")
        }
        for i in range(10)
    ]
    cases[0]["lognormal"]["covered"]["0.95"] = False
    bands = coverage_bands(cases)
    half = bands["model"]["0.5"]
    assert (half["covered"], half["cases"], half["share"]) == (9, 10, 0.9)
    ci = stats.binomtest(9, 10).proportion_ci(confidence_level=0.95, method="wilson")
    assert (half["low"], half["high"]) == pytest.approx((ci.low, ci.high))
    assert half["low"] > 0.5  # 9 of 10 inside the central 50%: intervals too wide
    assert bands["lognormal"]["0.95"]["covered"] == 9 and bands["base"]["0.95"]["covered"] == 10
    assert bands["base"]["0.95"]["low"] < 0.95 < bands["base"]["0.95"]["high"] + 1e-12


def test_reliability_bins_count_cases_and_share_outcomes():
    p = np.array([0.05, 0.1, 0.5, 0.9, 1.0, 0.95])
    y = np.array([0.0, 1.0, 1.0, 1.0, 0.0, 1.0])
    bins = reliability_bins(p, y)
    assert [(b["lo"], b["n"]) for b in bins] == [(0.0, 2), (0.4, 1), (0.8, 3)]
    assert bins[0]["share"] == 0.5 and bins[0]["mean_p"] == pytest.approx(0.075)
    assert bins[2]["share"] == pytest.approx(2 / 3) and bins[2]["low"] < 2 / 3 < bins[2]["high"]


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
        if name == "early":
            s["war_began"] = "2024-10-03"  # 90 days before the snapshot
            # the same toy war as "never" (which has no age, hence no hidden obstacles)
            s["negotiation"] = {**s.get("negotiation", {}), "hidden_obstacles": False}
        f = tmp_path / f"{name}.yaml"
        f.write_text(yaml.safe_dump(s, sort_keys=False))
        cases.append(str(f))
    out = tmp_path / "hc"
    argv = ["hindcast", *cases, "-n", "500", "--out", str(out), "--calibration", "none"]
    assert main(argv) == 0  # the toy wars as written (the library's numbers need a war_began)
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
    assert early["war_age_days"] == 90 and never["war_age_days"] == 0
    assert never["war_began"] is None and "no war_began" in printed and "never" in printed
    h = early["horizon_days"]
    assert early["lognormal"]["p"] == pytest.approx(lognormal_cdf(h, 90)[-1])
    assert never["lognormal"]["p"] == pytest.approx(lognormal_cdf(h, 0)[-1])
    assert early["lognormal"]["p"] < never["lognormal"]["p"]  # older war, past the hazard peak
    assert early["model"]["pit"] == pytest.approx(pit(np.asarray(early["cdf"]), 58)[0], abs=1e-4)
    tot = data["totals"]
    assert tot["brier_lognormal"] == pytest.approx(
        np.mean([early["lognormal"]["brier"], never["lognormal"]["brier"]])
    )
    assert set(data["coverage"]) == {"model", "base", "lognormal"}
    assert data["coverage"]["model"]["0.95"]["cases"] == 2
    for name in ("calibration", "reliability", "cases"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 10_000
    html = (out / "report.html").read_text()
    assert "Hindcast" in html and html.count("<img") == 3
    assert "lognormal by war age" in html and "0 (war_began not given)" in html
    assert "by resample-move" in html  # the default conditioning at the snapshot
    assert main(["report", str(out)]) == 0  # sim report re-renders a hindcast folder
    # the model against each base rate, paired over the two cases
    vs = data["skill"]["scores"]["lognormal"]["log"]
    assert vs["diff"] == pytest.approx(
        np.mean([c["model"]["log"] - c["lognormal"]["log"] for c in (early, never)])
    )
    assert "sim − lognormal, paired over 2 cases" in printed
    auc = data["skill"]["discrimination"]["auc"]["model"]
    assert auc["se"] is None  # one case with a ceasefire and one without: no spread
    pe, pn = early["model"]["p"], never["model"]["p"]  # "early" had the ceasefire
    assert auc["auc"] == (1.0 if pe > pn else 0.0 if pe < pn else 0.5)
    assert "Is sim better than the base rates?" in html


def test_a_case_without_a_readable_record_is_refused_before_running(tmp_path: Path, capsys):
    s = toy()
    f = tmp_path / "x.yaml"
    f.write_text(yaml.safe_dump(s))
    assert main(["hindcast", str(f), "-n", "50", "--out", str(tmp_path / "o")]) == 2
    assert "does not say" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def _known_verdict(folder: Path) -> tuple[dict, Path]:
    """A case whose record has the verdict on a plan put on the snapshot day (known that
    day), and no ceasefire by the horizon: its mapping and its file."""
    s = toy()
    s["name"] = "known verdict"
    s["proposals"] = [
        {"name": "plan", "by": "m", "on": "2025-01-01", "terms": {"land": 3, "guarantees": 0.8}}
    ]
    s["observations"] = [
        {"on": "2025-01-01", "source": "r", "proposal": {"name": "plan", "rejected_by": "a"}},
        {"by": "2025-12-30", "source": "r", "ceasefire": False},
    ]
    f = folder / "case.yaml"
    f.write_text(yaml.safe_dump(s, sort_keys=False))
    return s, f


def test_a_forecast_is_conditioned_on_what_was_on_the_record_at_the_snapshot(tmp_path: Path):
    # the verdict on a plan put on the snapshot day was known that day: the forecast keeps only
    # the replicates where A turned it down, and nothing later in the record weighs in
    # (weighting one run: its estimate is exact arithmetic on the plain run's replicates; the
    # default, resample-move, is checked against weighting in tests/test_resample.py)
    s, f = _known_verdict(tmp_path)
    hc = sim_hindcast([str(f)], replicates=800, seed=4, resample=False, min_futures=0)
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


def test_a_forecast_resting_on_few_futures_is_flagged_in_the_output_and_the_page(
    tmp_path: Path, capsys
):
    """Weighting one run of 150: the snapshot-day verdict keeps the replicates where A turned
    the plan down, an effective sample under FEW_FUTURES; the same case with 3,000 keeps more
    than FEW_FUTURES and is not flagged (so the flag follows the sample, not the case)."""
    _, f = _known_verdict(tmp_path)
    out = tmp_path / "few"
    args = ["hindcast", str(f), "-n", "150", "--seed", "4", "--weighting", "--min-futures", "0"]
    assert main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    data = json.loads((out / "hindcast.json").read_text())
    e = data["cases"][0]["known_at_snapshot"]["ess"]
    assert 0 < e < FEW_FUTURES
    assert "Forecasts resting on few futures" in printed and "known verdict (" in printed
    assert few_futures(data["cases"]) == [("known verdict", pytest.approx(e))]
    assert "Forecasts resting on few futures" in (out / "report.html").read_text()
    many = sim_hindcast([str(f)], replicates=3000, seed=4, resample=False)
    assert many.cases[0]["known_at_snapshot"]["ess"] >= FEW_FUTURES
    assert few_futures(many.cases) == []


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


def _three_cases(folder: Path) -> list[str]:
    """The known verdict (conditioned at the snapshot), a war with a ceasefire on day 58, and
    one with none by the horizon."""
    files = [str(_known_verdict(folder)[1])]
    for name, obs in (
        ("early", [{"by": "2025-02-27", "source": "r", "ceasefire": False}, {"on": "2025-02-28", "source": "r", "ceasefire": True}]),
        ("never", [{"by": "2025-12-30", "source": "r", "ceasefire": False}]),
    ):  # fmt: skip
        s = toy()
        s["name"], s["observations"], s["war_began"] = name, obs, "2024-10-03"
        f = folder / f"{name}.yaml"
        f.write_text(yaml.safe_dump(s, sort_keys=False))
        files.append(str(f))
    return files


def test_cases_run_side_by_side_when_that_takes_fewer_rounds_of_chunks():
    assert side_by_side(31, 1000, 2)  # 16 rounds of one chunk instead of 31
    assert side_by_side(31, 4096, 2)
    assert not side_by_side(31, 8192, 2)  # 16 x 2 rounds, or 31 x 1 in turn
    assert side_by_side(31, 3 * 4096, 2)  # 16 x 3, or 31 x 2 (one worker idle in each 2nd)
    assert not side_by_side(2, 3 * 4096, 4)  # 1 x 3, or 2 x 1
    assert not side_by_side(1, 1000, 4) and not side_by_side(31, 1000, 1)
    assert not side_by_side(31, 65 * 4096, 10**6)  # streamed to disk: in turn
    assert not side_by_side(31, 0, 2) and not side_by_side(31, True, 2)  # the run refuses them


def test_cases_side_by_side_give_the_rows_and_runs_of_cases_in_turn(tmp_path: Path):
    files = _three_cases(tmp_path)
    assert side_by_side(len(files), 200, 2)  # workers=2 below runs the cases side by side
    got, calls = {}, {}
    for w in (1, 2):
        calls[w] = []

        def progress(done: int, total: int, w: int = w) -> None:
            calls[w].append((done, total))

        got[w] = sim_hindcast(
            files, 200, 3, w, progress=progress, overrides=["actors.a.cost=0.0009"]
        )
    assert calls[1] == calls[2] == [(1, 3), (2, 3), (3, 3)]
    one, two = got[1], got[2]
    assert [c["name"] for c in two.cases] == ["known verdict", "early", "never"]
    assert one.cases == two.cases  # P, scores, CDFs, what was known at the snapshot: bit for bit
    assert two.cases[0]["known_at_snapshot"]["observations"] == 1
    when = {"created_utc", "wall_seconds"}  # when it ran and for how long
    assert _without(one.meta, when) == _without(two.meta, when)
    assert list(one.runs) == list(two.runs) == ["case", "early", "never"]
    for name, r in one.runs.items():
        q = two.runs[name]
        assert r.outcomes.equals(q.outcomes) and r.series.equals(q.series) and r.traces == q.traces
        assert (r.weights is None) == (q.weights is None) == (name != "case")
        if r.weights is not None:
            assert np.array_equal(r.weights, q.weights)
        assert _without(r.meta, when) == _without(q.meta, when)
        assert q.meta["overrides"] == ["actors.a.cost=0.0009"]
    a, b = (got[w].save(tmp_path / f"w{w}", report=False) for w in (1, 2))
    assert (a / "hindcast.csv").read_bytes() == (b / "hindcast.csv").read_bytes()
    for name in one.runs:
        x, y = (sim.Results.load(f / "runs" / name) for f in (a, b))
        assert x.outcomes.equals(y.outcomes) and x.series.equals(y.series)
        assert _without(x.meta, when) == _without(y.meta, when)
        assert _without(x.summary(), when) == _without(y.summary(), when)


def _without(d: dict, keys: set[str]) -> dict:
    return {k: v for k, v in d.items() if k not in keys}


def test_a_large_case_streamed_to_disk_is_scored_from_its_conditioned_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # runs of more than MEMORY_CHUNKS chunks keep their outcomes in a temporary folder removed
    # with their Results: the run conditioned at the snapshot must keep it while it is read
    _, f = _known_verdict(tmp_path)
    memory = sim_hindcast([str(f)], replicates=300, seed=4)
    monkeypatch.setattr(runner, "MEMORY_CHUNKS", 0)
    disk = sim_hindcast([str(f)], replicates=300, seed=4)
    run = disk.runs["case"]
    assert run.weights is not None and run._frame is None and run._path is not None
    assert disk.cases == memory.cases
    spill = run._path.parent
    assert spill.is_dir()
    del disk, run
    gc.collect()
    assert not spill.exists()  # removed once no Results reads it


def test_an_interrupted_hindcast_resumes_without_the_cases_it_had_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    import sim.studies.hindcast as hc

    files = _three_cases(tmp_path)
    common = [*files, "-n", "200", "--seed", "3", "--quiet"]
    ref, out = tmp_path / "ref", tmp_path / "hc"
    assert main(["hindcast", *common, "--out", str(ref)]) == 0
    real, calls = hc.run_case, []

    def interrupted(job):
        calls.append(job[0].name)
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C during the third case
        return real(job)

    monkeypatch.setattr(hc, "run_case", interrupted)
    assert main(["hindcast", *common, "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "2 finished case(s) kept" in err and f"sim hindcast --resume {out}" in err
    assert not (out / "hindcast.csv").exists()  # nothing half-written
    assert main(["hindcast", *common, "--out", str(out)]) == 2  # not over it without --resume
    assert "--resume" in capsys.readouterr().err
    assert main(["hindcast", "--resume", str(out), "-n", "300"]) == 2  # settings are the folder's
    assert "leave out -n" in capsys.readouterr().err
    calls.clear()
    monkeypatch.setattr(hc, "run_case", lambda job: (calls.append(job[0].name), real(job))[1])
    assert main(["hindcast", "--resume", str(out), "--quiet"]) == 0
    assert calls == ["never"]  # only the case that had not finished
    assert (out / "hindcast.csv").read_bytes() == (ref / "hindcast.csv").read_bytes()
    for name in ("case", "early", "never"):
        x, y = (sim.Results.load(f / "runs" / name) for f in (ref, out))
        assert x.outcomes.equals(y.outcomes)
    assert not (tmp_path / ".hc.cases").exists()  # the finished cases are gone with the run
    assert main(["hindcast", "--resume", str(out)]) == 2  # nothing left to continue
    assert "no interrupted hindcast" in capsys.readouterr().err
