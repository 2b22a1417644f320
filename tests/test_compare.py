"""Paired comparisons on common random numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.compare import compare
from sim.errors import UsageError
from sim.sweep import fast_median

BASE = "scenarios/baseline.yaml"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[1])


def test_russia_playing_for_time_lowers_p_ceasefire_with_a_negative_interval() -> None:
    c = compare([BASE, "scenarios/russian_stalling.yaml"], replicates=800, seed=3)
    (d,) = c.differences()
    p = d["p_ceasefire"]
    assert d["label"] == "russian_stalling" and d["vs"] == "baseline"
    assert p["ci_low"] < p["diff"] < p["ci_high"] < 0
    assert set(d["terms_mean"]) == {"territory", "nato", "security_guarantees", "sanctions_relief"}


def test_a_scenario_compared_with_itself_differs_by_exactly_zero() -> None:
    c = compare([BASE, BASE], replicates=300, seed=1)
    (d,) = c.differences()
    assert d["p_ceasefire"] == {"diff": 0.0, "ci_low": 0.0, "ci_high": 0.0, "n": 300}


def test_paired_interval_is_narrower_than_the_unpaired_one() -> None:
    c = compare([BASE], variants=["actors.russia.stalling.prior=0"], replicates=800, seed=4)
    (d,) = c.differences()
    p = d["p_ceasefire"]
    assert p["diff"] > 0  # no stalling type: more ceasefires
    a, b = (r.summary()["p_ceasefire"] for r in c.results)
    unpaired = 1.96 * np.sqrt(
        a["estimate"] * (1 - a["estimate"]) / 800 + b["estimate"] * (1 - b["estimate"]) / 800
    )
    assert (p["ci_high"] - p["ci_low"]) / 2 < unpaired


def test_fast_median_equals_the_kaplan_meier_median() -> None:
    c = compare(
        [BASE],
        variants=["pressures.sanctions.level=1 actors.russia.stalling.prior=0"],
        replicates=400,
        seed=2,
    )
    for r in c.results:
        days = r.outcomes["ceasefire_day"].to_numpy(float)
        assert fast_median(days, r.horizon_days) == r.ceasefire_km().median()


def test_compare_needs_two_scenarios_or_a_variant() -> None:
    with pytest.raises(UsageError, match="two or more"):
        compare([BASE])
    with pytest.raises(UsageError, match="PATH=VALUE"):
        compare([BASE], variants=["nonsense"])


def test_cli_compare_writes_json_and_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "c"
    rc = main(
        [
            "compare",
            BASE,
            "scenarios/russian_stalling.yaml",
            "-n",
            "300",
            "--seed",
            "2",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    data = json.loads((out / "compare.json").read_text())
    assert data["differences"][0]["p_ceasefire"]["diff"] < 0
    assert (out / "figures" / "compare.png").is_file()
    assert "ΔP(ceasefire)" in capsys.readouterr().out
