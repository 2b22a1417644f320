"""Sweeps: designs, bad input, comparative direction, checkpoints and resume, executors."""

from __future__ import annotations

import importlib
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.errors import ScenarioError, UsageError

sw = importlib.import_module("sim.studies.sweep")  # the module (sim.sweep is also the function)

BASE = "scenarios/baseline.yaml"
PRIOR = "actors.russia.stalling.prior"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[1])


def test_grid_design_is_the_full_factorial_in_order() -> None:
    pts = sw.design_points([sw.parse_vary("a=0:1:3"), sw.parse_vary("b=5,7")], "grid")
    assert len(pts) == 6
    assert pts[0] == {"a": 0.0, "b": 5.0}
    assert pts[1] == {"a": 0.0, "b": 7.0}
    assert pts[-1] == {"a": 1.0, "b": 7.0}


def test_lhs_design_has_k_points_one_per_stratum() -> None:
    pts = sw.design_points([sw.parse_vary("a=2:4")], "lhs", samples=10, seed=3)
    xs = sorted(p["a"] for p in pts)
    assert len(xs) == 10 and 2 <= xs[0] and xs[-1] <= 4
    assert [int((x - 2) / 0.2) for x in xs] == list(range(10))  # Latin: one per tenth
    assert pts == sw.design_points([sw.parse_vary("a=2:4")], "lhs", samples=10, seed=3)


def test_sobol_design_needs_a_power_of_two_and_suggests_the_nearest() -> None:
    pts = sw.design_points([sw.parse_vary("a=0:1"), sw.parse_vary("b=0:1")], "sobol", samples=8)
    assert len(pts) == 8 and all(len(p) == 2 for p in pts)
    with pytest.raises(UsageError, match=r"power of two \(got 6; nearest is 4\)"):
        sw.design_points([sw.parse_vary("a=0:1")], "sobol", samples=6)
    with pytest.raises(UsageError, match="nearest is 16"):
        sw.design_points([sw.parse_vary("a=0:1")], "sobol", samples=13)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("a=1:0:3", "LO must not exceed HI"),
        ("a=0:1:1", "STEPS must be at least 2"),
        ("a=0:x:3", "expected LO:HI:STEPS"),
        ("a=1,b", "values must be numbers"),
        ("a", "expects PATH=LO:HI:STEPS"),
    ],
)
def test_bad_vary_specs_are_refused_with_the_rule(spec: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        sw.parse_vary(spec)


def test_a_grid_without_steps_is_refused() -> None:
    with pytest.raises(UsageError, match="grid needs LO:HI:STEPS"):
        sw.design_points([sw.parse_vary("a=0:1")], "grid")


def test_a_more_patient_russia_lowers_p_ceasefire(tmp_path: Path) -> None:
    # with the front moving its way, a patient Russia waits for better terms (docs/model.md)
    res = sw.sweep(
        BASE,
        ["actors.russia.patience=0.999017:0.999904:3"],
        replicates=2000,
        seed=11,
        out=tmp_path / "s",
        figures=False,
    )
    p = res.table["p_ceasefire"].to_list()
    assert p[0] > p[1] > p[2]
    # common random numbers: the runs differ only through Russia's patience
    assert p[0] - p[2] > 3 * np.sqrt(p[0] * (1 - p[0]) / 2000)
    t = res.table
    assert (t["p_ceasefire_ci_low"] <= t["p_ceasefire"]).all()
    assert (t["p_ceasefire"] <= t["p_ceasefire_ci_high"]).all()
    assert {
        "terms_mean.territory",
        "p_in_force_at_horizon",
        "p_truce",
        "median_days_to_ceasefire",
    } <= set(t.columns)


def test_a_distribution_parameter_can_be_swept(tmp_path: Path) -> None:
    res = sw.sweep(
        BASE,
        ["actors.russia.capability.pert.1=1.3,1.9"],
        replicates=300,
        seed=2,
        out=tmp_path / "s",
    )
    assert res.table["actors.russia.capability.pert.1"].to_list() == [1.3, 1.9]
    assert (tmp_path / "s" / "figures" / "sweep.png").is_file()


def test_common_random_numbers_make_equal_points_equal_unless_independent(tmp_path: Path) -> None:
    crn = sw.sweep(
        BASE,
        [f"{PRIOR}=0.4,0.4"],
        design="grid",
        replicates=200,
        seed=5,
        out=tmp_path / "a",
        figures=False,
    )
    assert crn.table["p_ceasefire"].nunique() == 1
    ind = sw.sweep(
        BASE,
        [f"{PRIOR}=0.4,0.4"],
        replicates=200,
        seed=5,
        out=tmp_path / "b",
        independent=True,
        figures=False,
    )
    # independent points draw different numbers: their statistics differ (any one of them, such
    # as P(ceasefire) over 200 replicates, can coincide by chance, all of them together cannot)
    stats = ["p_ceasefire", "p_in_force_at_horizon", "p_truce", "median_days_to_ceasefire"]
    assert (ind.table[stats].nunique() == 2).any()
    assert crn.table[stats].nunique().max() == 1


def test_bad_paths_fail_before_anything_is_written(tmp_path: Path) -> None:
    out = tmp_path / "s"
    with pytest.raises(ScenarioError, match="nope"):
        sw.sweep(BASE, ["actors.russia.nope=0:1:2"], replicates=10, out=out)
    with pytest.raises(UsageError, match="not a numeric field"):
        sw.sweep(BASE, ["name=0:1:2"], replicates=10, out=out)
    with pytest.raises(ScenarioError, match=r"must be in \[0, 1\]"):
        sw.sweep(BASE, [f"{PRIOR}=0:2:3"], replicates=10, out=out)
    assert not out.exists()


def _run_and_interrupt(out: Path, monkeypatch: pytest.MonkeyPatch, after: int) -> None:
    real = sw.run_point
    calls = {"n": 0}

    def flaky(job):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > after:
            raise KeyboardInterrupt
        return real(job)

    monkeypatch.setattr(sw, "run_point", flaky)
    with pytest.raises(KeyboardInterrupt):
        sw.sweep(BASE, [f"{PRIOR}=0:1:4"], replicates=200, seed=3, out=out, figures=False)
    monkeypatch.setattr(sw, "run_point", real)


def test_resume_after_an_interrupt_runs_only_missing_points_and_matches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = sw.sweep(
        BASE, [f"{PRIOR}=0:1:4"], replicates=200, seed=3, out=tmp_path / "full", figures=False
    )
    part = tmp_path / "part"
    _run_and_interrupt(part, monkeypatch, after=2)
    assert sorted(p.name for p in (part / "points").iterdir()) == ["0.json", "1.json"]
    assert not (part / "sweep.parquet").exists()
    ran: list[int] = []
    real = sw.run_point
    monkeypatch.setattr(sw, "run_point", lambda job: ran.append(1) or real(job))
    resumed = sw.sweep(BASE, resume=part, seed=3, figures=False)  # vary etc. from the manifest
    assert len(ran) == 2
    a = pd.read_parquet(tmp_path / "full" / "sweep.parquet")
    b = pd.read_parquet(part / "sweep.parquet")
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(full.table, resumed.table)


def test_a_deleted_point_file_is_recomputed_identically(tmp_path: Path) -> None:
    out = tmp_path / "s"
    sw.sweep(BASE, [f"{PRIOR}=0:1:3"], replicates=200, seed=3, out=out, figures=False)
    before = (out / "sweep.parquet").read_bytes()
    (out / "points" / "1.json").unlink()
    (out / "sweep.parquet").unlink()
    sw.sweep(BASE, [f"{PRIOR}=0:1:3"], replicates=200, seed=3, resume=out, figures=False)
    assert (out / "sweep.parquet").read_bytes() == before


def test_resume_refuses_another_seed_or_scenario(tmp_path: Path) -> None:
    out = tmp_path / "s"
    sw.sweep(BASE, [f"{PRIOR}=0:1:2"], replicates=50, seed=3, out=out, figures=False)
    with pytest.raises(sw.ResumeMismatch, match="seed 3, not 4"):
        sw.sweep(BASE, resume=out, seed=4)
    with pytest.raises(sw.ResumeMismatch, match="another scenario"):
        sw.sweep("scenarios/us_walks_away.yaml", resume=out, seed=3)
    with pytest.raises(sw.ResumeMismatch, match="vary differs"):
        sw.sweep(BASE, [f"{PRIOR}=0:1:3"], replicates=50, seed=3, resume=out)
    assert json.loads((out / "manifest.json").read_text())["seed"] == 3


def test_a_local_pool_gives_the_same_table_as_one_process(tmp_path: Path) -> None:
    one = sw.sweep(
        BASE, [f"{PRIOR}=0:1:3"], replicates=150, seed=9, out=tmp_path / "a", figures=False
    )
    two = sw.sweep(
        BASE,
        [f"{PRIOR}=0:1:3"],
        replicates=150,
        seed=9,
        out=tmp_path / "b",
        workers=2,
        figures=False,
    )
    pd.testing.assert_frame_equal(one.table, two.table)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_cli_sweep_reports_bad_input_in_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = [
        ["--vary", f"{PRIOR}=1:0:3"],
        ["--vary", f"{PRIOR}=0:1:1"],
        ["--vary", "actors.russia.nope=0:1:2"],
        ["--vary", "name=0:1:2"],
        ["--design", "sobol", "--samples", "6", "--vary", f"{PRIOR}=0:1"],
    ]
    for extra in cases:
        assert main(["sweep", BASE, "-n", "10", "--out", str(tmp_path / "x"), *extra]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1, err
    assert not (tmp_path / "x").exists()


def test_unreachable_scheduler_fails_fast_with_a_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t0 = time.monotonic()
    rc = main(
        [
            "sweep",
            BASE,
            "-n",
            "10",
            "--vary",
            f"{PRIOR}=0:1:2",
            "--out",
            str(tmp_path / "x"),
            "--scheduler",
            f"tcp://127.0.0.1:{_closed_port()}",
        ]
    )
    assert rc == 2
    assert time.monotonic() - t0 < 15
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_cli_sweep_writes_the_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "s"
    assert (
        main(
            [
                "sweep",
                BASE,
                "--vary",
                f"{PRIOR}=0,1",
                "--vary",
                "pressures.sanctions.level=0.3,0.9",
                "-n",
                "100",
                "--seed",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert {"manifest.json", "points", "sweep.parquet", "figures"} <= {
        p.name for p in out.iterdir()
    }
    assert len(pd.read_parquet(out / "sweep.parquet")) == 4
    assert "wrote" in capsys.readouterr().out


def _sweep_cmd(out: Path, replicates: int) -> list[str]:
    return [
        *(sys.executable, "-m", "sim", "sweep", BASE),
        *("--vary", f"{PRIOR}=0:1:8", "-n", str(replicates), "--seed", "5"),
        *("--workers", "1", "--out", str(out), "--quiet"),
    ]


def _start_and_kill(out: Path, replicates: int, timeout_s: float = 60.0) -> bool:
    """Start a real sweep, SIGKILL it once 2..7 of its 8 points are on disk; False if the
    sweep got past that window before a poll saw it (too fast to catch)."""
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen(
        _sweep_cmd(out, replicates),
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            n = len(list((out / "points").glob("*.json")))
            if 2 <= n < 8:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=10)
                return True
            if proc.poll() is not None:  # finished (too fast to catch) or failed
                assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
                return False
            if n >= 8:
                return False
            time.sleep(0.01)
        pytest.fail(f"no sweep points appeared within {timeout_s:.0f} s")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()


@pytest.mark.slow
def test_a_killed_sweep_process_resumes_to_the_uninterrupted_table(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    for replicates in (300, 1500, 6000):  # more replicates if the sweep is too fast to catch
        part = tmp_path / f"part-{replicates}"
        if _start_and_kill(part, replicates):
            break
    else:
        pytest.fail("the sweep finished before it could be interrupted")

    # Killed mid-way: no table yet, and every committed point file is whole.
    assert not (part / "sweep.parquet").exists()
    finished = sorted((part / "points").glob("*.json"))
    assert 2 <= len(finished) < 8
    for f in finished:
        rec = json.loads(f.read_text(encoding="utf-8"))
        assert rec["point"] == int(f.stem) and "p_ceasefire" in rec["stats"]
    before = {f.name: (f.stat().st_mtime_ns, f.read_bytes()) for f in finished}

    # --resume alone: scenario, overrides, seed, design and -n all come from the manifest.
    resume = [sys.executable, "-m", "sim", "sweep", "--resume", str(part), "--quiet"]
    done = subprocess.run(resume, cwd=root, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    full = tmp_path / "full"
    done = subprocess.run(
        _sweep_cmd(full, replicates), cwd=root, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr

    assert (part / "sweep.parquet").read_bytes() == (full / "sweep.parquet").read_bytes()
    pd.testing.assert_frame_equal(
        pd.read_parquet(part / "sweep.parquet"), pd.read_parquet(full / "sweep.parquet")
    )
    assert len(list((part / "points").glob("*.json"))) == 8
    # The points finished before the kill were kept, not run again.
    after = {
        n: ((part / "points" / n).stat().st_mtime_ns, (part / "points" / n).read_bytes())
        for n in before
    }
    assert after == before


def test_sweep_table_says_not_reached_instead_of_nan(tmp_path: Path) -> None:
    from sim.cli.sweep import sweep_table_text
    from sim.studies.sweep import SweepResults

    table = pd.DataFrame(
        {
            "point": [0, 1],
            PRIOR: [0.0, 1.0],
            "p_ceasefire": [0.6, 0.3],
            "p_ceasefire_ci_low": [0.55, 0.25],
            "p_ceasefire_ci_high": [0.65, 0.35],
            "median_days_to_ceasefire": [120.0, float("nan")],
        }
    )
    text = sweep_table_text(SweepResults(table, {"vary": [{"path": PRIOR}]}))
    assert "nan" not in text.lower()
    assert text.splitlines()[2].rstrip().endswith("not reached")
    assert "60.0%" in text and "55.0–65.0%" in text


def test_a_sweep_table_over_long_paths_fits_100_columns_with_the_paths_above() -> None:
    from sim.cli.sweep import sweep_table_text
    from sim.studies.sweep import SweepResults

    paths = [PRIOR, "actors.russia.capability.pert.1", "pressures.learning.rate.pert.1"]
    table = pd.DataFrame(
        {
            "point": [0, 1],
            **{p: [0.0125, 1.0] for p in paths},
            "p_ceasefire": [0.6, 0.3],
            "p_ceasefire_ci_low": [0.55, 0.25],
            "p_ceasefire_ci_high": [0.65, 0.35],
            "median_days_to_ceasefire": [120.0, 90.0],
        }
    )
    text = sweep_table_text(SweepResults(table, {"vary": [{"path": p} for p in paths]}))
    lines = text.splitlines()
    assert max(map(len, lines)) <= 100
    assert all(p in " ".join(lines[:2]).replace("\n", " ") for p in paths)  # in full above
    head = lines[2].split()
    assert "capability.pert.1" in head and "rate.pert.1" in head  # short, yet told apart
    assert lines[3].split()[0] == "0.0125"
