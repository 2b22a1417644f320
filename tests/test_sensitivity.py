"""Sensitivity analysis (SALib) over named or uncertain inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.errors import UsageError
from sim.model.scenario.loader import load_scenario
from sim.studies.sensitivity import sensitivity, uncertain_inputs

BASE = "scenarios/baseline.yaml"
PRIOR = "actors.russia.stalling.prior"
LEVEL = "pressures.sanctions.level"


PATIENCE = "actors.russia.patience"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[1])


def test_sobol_returns_first_order_and_total_indices_for_named_params() -> None:
    r = sensitivity(BASE, samples=8, params=[PRIOR, f"{LEVEL}=0.3:0.9"], replicates=150, seed=1)
    assert len(r.points) == 8 * (2 + 2)
    t = r.indices
    assert set(t["output"]) == {"p_ceasefire", "median_days"}
    assert set(t["param"]) == {PRIOR, LEVEL}
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(t.columns)
    p = t[t["output"] == "p_ceasefire"].set_index("param")
    assert np.isfinite(p[["S1", "ST"]].to_numpy()).all()
    assert p.loc[PRIOR, "ST"] > 0
    v = r.variance["p_ceasefire"]
    assert (
        v["total"] > 0
        and 0 < v["chance"]
        and v["chance_share"] == pytest.approx(v["chance"] / v["total"])
    )
    assert r.inputs[1].lo == 0.3 and r.inputs[1].hi == 0.9


def test_morris_ranks_russian_patience_above_a_nearly_dead_input() -> None:
    # Russia's casualty sensitivity barely moves P(ceasefire) over its range; how long Russia
    # can wait (its patience, with the front moving its way) moves it by tens of points.
    dead = "pressures.domestic.russia.casualty_sensitivity"
    r = sensitivity(
        BASE,
        method="morris",
        samples=4,
        params=[PATIENCE, dead],
        replicates=200,
        seed=3,
    )
    p = r.indices[r.indices["output"] == "p_ceasefire"].set_index("param")
    assert p.loc[PATIENCE, "mu_star"] > p.loc[dead, "mu_star"]
    # Sorted by μ* within each output, labelled for people, the top K kept.
    for o in ("p_ceasefire", "median_days"):
        mu = r.indices[r.indices["output"] == o]["mu_star"].to_numpy()
        mu = mu[~np.isnan(mu)]  # the median day is undefined where P stays under one half
        assert (np.diff(mu) <= 0).all()
    top = r.top("p_ceasefire", 1)
    assert list(top["param"]) == [PATIENCE] and top["input"].iloc[0].startswith("Russia: patience")


def test_a_warning_when_intervals_are_wider_than_the_indices() -> None:
    import pandas as pd

    r = sensitivity(BASE, method="morris", samples=2, params=[PRIOR, LEVEL], replicates=50, seed=1)
    r.indices = pd.DataFrame(
        [
            {
                "output": "p_ceasefire",
                "param": PRIOR,
                "mu_star": 0.2,
                "mu_star_conf": 0.05,
                "sigma": 0,
            },
            {
                "output": "p_ceasefire",
                "param": LEVEL,
                "mu_star": 0.01,
                "mu_star_conf": 0.03,
                "sigma": 0,
            },
        ]
    )
    # only p_ceasefire, varying (an output constant over the points has a warning of its own)
    r.variance = {"p_ceasefire": {"total": 0.01, "chance": 0.001, "chance_share": 0.1}}
    (w,) = r.warnings()
    assert w.startswith("p_ceasefire: 1 of 2 inputs") and "--samples" in w
    r.indices.loc[1, "mu_star_conf"] = 0.005
    assert r.warnings() == []


def test_default_inputs_are_the_scenarios_distributions_between_percentiles() -> None:
    s = load_scenario(BASE)
    ins = {i.path: i for i in uncertain_inputs(s)}
    assert PRIOR in ins and "run.seed" not in ins
    assert 0 < ins[PRIOR].lo < ins[PRIOR].hi < 1
    assert ins[PRIOR].value(0.0) == pytest.approx(ins[PRIOR].lo)


def test_bad_sensitivity_requests_are_refused() -> None:
    with pytest.raises(UsageError, match="power of two"):
        sensitivity(BASE, samples=6, params=[PRIOR])
    with pytest.raises(UsageError, match="no numeric field"):
        sensitivity(BASE, samples=4, params=["actors.russia.nope"])
    with pytest.raises(UsageError, match="LO < HI"):
        sensitivity(BASE, samples=4, params=[f"{LEVEL}=0.9:0.1"])


def test_cli_sensitivity_writes_indices_and_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "s"
    rc = main(
        [
            "sensitivity",
            BASE,
            "--method",
            "morris",
            "--samples",
            "2",
            "--params",
            PRIOR,
            "--set",  # the war's hidden obstacles make deals rare at 100 replicates
            "negotiation.hidden_obstacles=false",
            "-n",
            "100",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    assert (out / "sensitivity.json").is_file() and (out / "indices.csv").is_file()
    assert (out / "figures" / "sensitivity_p_ceasefire.png").is_file()
    assert (out / "report.html").is_file()
    captured = capsys.readouterr()
    assert "chance" in captured.out
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0 and (out / "report.html").is_file()


def test_cli_sensitivity_prints_its_plan_and_saves_under_results_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = str(Path(BASE).resolve())
    monkeypatch.chdir(tmp_path)
    argv = ["sensitivity", base, "--method", "morris", "--samples", "2", "--params", PRIOR]
    assert main([*argv, "-n", "60"]) == 0
    captured = capsys.readouterr()
    assert (
        "plan: morris over 1 inputs: 4 points x 60 replicates = 240 replicates; about"
        in captured.err
    )
    (folder,) = (tmp_path / "results").iterdir()
    assert folder.name.startswith(
        "russia-ukraine-ceasefire-talks-late-april-2025-baseline-sensitivity-"
    )
    assert (folder / "sensitivity.json").is_file()


def test_an_interrupted_study_resumes_without_the_points_it_had_finished(
    tmp_path, monkeypatch, capsys
):
    import sim.studies.sensitivity as sens
    from sim.cli import main

    scenario = "scenarios/baseline.yaml"
    common = [scenario, "--method", "morris", "--samples", "2", "-n", "40", "--seed", "5"]
    common += ["--params", "pressures.sanctions.cost,actors.russia.patience", "--quiet"]
    ref, out = tmp_path / "ref", tmp_path / "s"
    assert main(["sensitivity", *common, "--out", str(ref)]) == 0
    real, calls = sens.run_point, []

    def interrupted(point):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt  # Ctrl-C during the fourth of six points
        return real(point)

    monkeypatch.setattr(sens, "run_point", interrupted)
    assert main(["sensitivity", *common, "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "3 finished point(s) kept" in err and f"sim sensitivity --resume {out}" in err
    assert not (out / "sensitivity.json").exists()
    assert main(["sensitivity", "--resume", str(out), "--samples", "4"]) == 2
    assert "leave out --samples" in capsys.readouterr().err
    calls.clear()
    monkeypatch.setattr(sens, "run_point", lambda point: (calls.append(1), real(point))[1])
    assert main(["sensitivity", "--resume", str(out)]) == 0
    assert len(calls) == 3  # only the points that had not finished
    assert (out / "indices.csv").read_bytes() == (ref / "indices.csv").read_bytes()
    assert not (tmp_path / ".s.points").exists()
    assert main(["sensitivity", "--resume", str(out)]) == 2  # nothing left to continue
