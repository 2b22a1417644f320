"""-n auto --precision: chunks are added until the interval is narrow enough, and the result
is the fixed-size run of the final size."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from oracle_scenarios import toy

import sim
from sim.cli import main
from sim.studies.precision import half_width, paired_half_width

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def toy_scenario() -> sim.Scenario:
    return sim.load_scenario(toy())


def test_auto_run_meets_the_precision_and_equals_the_fixed_run(toy_scenario):
    auto = sim.run(toy_scenario, seed=5, chunk_size=500, precision=0.02, trace=3)
    h = half_width(auto.ceasefire_flags())
    assert h <= 0.02
    assert auto.n % 500 == 0 and auto.n > 500  # grew past one chunk, in whole chunks
    fixed = sim.run(toy_scenario, replicates=auto.n, seed=5, chunk_size=500, trace=3)
    pd.testing.assert_frame_equal(auto.outcomes, fixed.outcomes)
    pd.testing.assert_frame_equal(auto.series, fixed.series)
    assert auto.traces == fixed.traces
    assert auto.meta["diagnostics"] == fixed.meta["diagnostics"]


def test_auto_run_stops_at_the_cap(toy_scenario):
    r = sim.run(toy_scenario, seed=5, chunk_size=500, precision=0.001, max_replicates=1200)
    assert r.n == 1200
    assert half_width(r.ceasefire_flags()) > 0.001


def test_paired_half_width_is_the_normal_interval_of_the_differences():
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.random(10_000) < 0.5
    b = a ^ (rng.random(10_000) < 0.1)  # 10% of pairs differ
    sd = (b.astype(float) - a.astype(float)).std(ddof=1)
    assert paired_half_width(a, b) == pytest.approx(1.96 * sd / 100, rel=1e-3)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--precision", "0.01"], "need -n auto"),
        (["-n", "100", "--max-replicates", "5000"], "need -n auto"),
    ],
)
def test_precision_options_need_n_auto(argv, message, tmp_path, capsys):
    code = main(
        ["run", str(ROOT / "scenarios" / "baseline.yaml"), *argv, "--out", str(tmp_path / "x")]
    )
    assert code == 2
    assert message in capsys.readouterr().err


def test_auto_sweep_grows_each_point_to_the_precision(tmp_path, capsys):
    from sim.cli.sweep import sweep_table_text
    from sim.studies.sweep import sweep

    base = str(ROOT / "scenarios" / "baseline.yaml")
    res = sweep(
        base,
        ["pressures.sanctions.level=0,1"],
        seed=4,
        out=tmp_path / "s",
        precision=0.02,
        figures=False,
    )
    for row, st in zip(res.table.to_dict("records"), res.points, strict=True):
        e = st["p_ceasefire"]
        assert (e["ci_high"] - e["ci_low"]) / 2 <= 0.02
        assert row["replicates"] == st["replicates"] and st["replicates"] % 4096 == 0
    assert res.manifest["replicates"] == "auto" and res.manifest["precision"] == 0.02
    assert "replicates" in sweep_table_text(res).splitlines()[0]
    # The point is the fixed-size run of its final size.
    s = sim.load_scenario(base, ["pressures.sanctions.level=1"])
    fixed = sim.run(s, replicates=int(res.points[1]["replicates"]), seed=4).summary()
    assert fixed["p_ceasefire"] == res.points[1]["p_ceasefire"]
