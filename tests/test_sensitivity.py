"""Sensitivity analysis (SALib) over named or uncertain inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.errors import UsageError
from sim.scenario.loader import load_scenario
from sim.sensitivity import sensitivity, uncertain_inputs

BASE = "scenarios/baseline.yaml"
PRIOR = "actors.russia.stalling.prior"
LEVEL = "pressures.sanctions.level"


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


def test_morris_ranks_the_stalling_prior_above_a_dead_input() -> None:
    # sanctions cost barely moves P(ceasefire) over ±20%; the stalling prior does.
    r = sensitivity(
        BASE,
        method="morris",
        samples=4,
        params=[PRIOR, "durability.dissatisfaction"],
        replicates=200,
        seed=3,
    )
    p = r.indices[r.indices["output"] == "p_ceasefire"].set_index("param")
    assert p.loc[PRIOR, "mu_star"] > p.loc["durability.dissatisfaction", "mu_star"]


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
            "-n",
            "100",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    assert (out / "sensitivity.json").is_file() and (out / "indices.csv").is_file()
    assert (out / "figures" / "sensitivity_p_ceasefire.png").is_file()
    assert "chance" in capsys.readouterr().out
