"""sim calibrate: the score table, the fit and leave-one-case-out checked by hand on the table,
resume, refusals, and --calibration applied by sim hindcast and sim run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from oracle_scenarios import toy

import sim
from sim.cli import main
from sim.model.scenario.calibration import read_calibration
from sim.studies.calibrate.design import parse_param, point_overrides
from sim.studies.calibrate.fit import best_point, fit_data, loo_points

N = 200
PARAM = "pressures.learning.rate=0.014:0.022:3"  # the toy's own rate is 0.02
VALUES = [0.014, 0.018, 0.022]
RECORDS = {
    "early": [
        {"by": "2025-02-27", "source": "r", "ceasefire": False},
        {"on": "2025-02-28", "source": "r", "ceasefire": True},
    ],
    "late": [
        {"by": "2025-08-30", "source": "r", "ceasefire": False},
        {"on": "2025-09-01", "source": "r", "ceasefire": True},
    ],
    "never": [{"by": "2025-12-30", "source": "r", "ceasefire": False}],
}


def write_cases(folder: Path) -> list[str]:
    """Three tiny cases: the toy war with three records (a ceasefire early, late, none)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, obs in RECORDS.items():
        s = toy()
        s["name"] = name
        s["observations"] = obs
        f = folder / f"{name}.yaml"
        f.write_text(yaml.safe_dump(s, sort_keys=False))
        files.append(str(f))
    return files


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Path]:
    root = tmp_path_factory.mktemp("calibrate")
    cases = write_cases(root / "cases")
    out = root / "fit"
    argv = ["calibrate", *cases, "--param", PARAM, "-n", str(N), "--seed", "1", "--out", str(out)]
    # the toy wars as written: with the library's numbers (learning from the front from a prior
    # of the war's age) the learning rate fitted here does nothing
    assert main([*argv, "--quiet", "--calibration", "none"]) == 0
    return cases, out


def test_the_score_table_has_one_row_per_point_and_case(fitted):
    cases, out = fitted
    t = pd.read_csv(out / "scores.csv")
    assert len(t) == 3 * 3 and t.equals(pd.read_parquet(out / "scores.parquet"))
    assert sorted(t["pressures.learning.rate"].unique()) == VALUES
    assert set(t["case"]) == set(RECORDS)
    m = t.pivot(index="point", columns="case", values="log_model")
    assert m.shape == (3, 3) and np.isfinite(m.to_numpy()).all()
    # the base rates do not depend on the point
    assert t.groupby("case")["log_base"].nunique().eq(1).all()
    assert t.groupby("case")["log_lognormal"].nunique().eq(1).all()
    # each cell is the case run and scored as sim hindcast does, at that point
    h = sim.hindcast([cases[0]], N, 1, overrides=["pressures.learning.rate=0.018"])
    cell = t[(t["case"] == "early") & (t["point"] == 1)].iloc[0]
    assert cell["p_model"] == pytest.approx(h.cases[0]["model"]["p"])
    assert cell["log_model"] == pytest.approx(h.cases[0]["model"]["log"])


def test_the_fit_is_the_argmin_of_the_summed_log_score(fitted):
    _, out = fitted
    t = pd.read_csv(out / "scores.csv")
    sums = t.groupby("point")["log_model"].sum()
    assert sums.nunique() > 1  # the points score differently: the argmin is a real choice
    best = int(sums.idxmin())
    data = json.loads((out / "calibration.json").read_text())
    assert data["best"]["point"] == best
    value = VALUES[best]
    assert data["best"]["values"] == {"pressures.learning.rate": value}
    assert read_calibration(out / "calibration.yaml") == [f"pressures.learning.rate={value}"]
    prov = yaml.safe_load((out / "calibration.yaml").read_text())["provenance"]
    assert prov["replicates"] == N and prov["seed"] == 1 and len(prov["cases"]) == 3
    assert prov["loo"]["log"] == pytest.approx(data["summary"]["loo"]["log"], abs=1e-6)


def test_leave_one_case_out_is_the_argmin_without_the_case(fitted):
    _, out = fitted
    t = pd.read_csv(out / "scores.csv")
    loo = pd.read_csv(out / "loo.csv").set_index("case")
    m = t.pivot(index="point", columns="case", values="log_model")
    for case in RECORDS:
        others = m.drop(columns=case).sum(axis=1)
        point = int(others.idxmin())
        assert loo.loc[case, "point"] == point
        assert loo.loc[case, "log"] == pytest.approx(m.loc[point, case])
        assert loo.loc[case, "pressures.learning.rate"] == VALUES[point]
    data = json.loads((out / "calibration.json").read_text())
    assert data["summary"]["loo"]["log"] == pytest.approx(loo["log"].mean())
    html = (out / "report.html").read_text()
    assert "Leave-one-case-out" in html and html.count("<img") == 2
    # the leave-one-case-out forecasts against the base rates, paired over the three cases
    vs = loo["log"] - t.drop_duplicates("case").set_index("case").loc[loo.index, "log_lognormal"]
    diff = f"{vs.mean():+.3f} (se {vs.std(ddof=1) / np.sqrt(3):.3f})".replace("-", "−")
    assert "against the base rates, paired over the cases" in html and diff in html


def test_fit_and_loo_on_a_hand_matrix():
    m = np.array([[1.0, 5.0, 0.0], [2.0, 2.0, 2.0], [0.0, 0.0, 9.0]])  # points x cases
    assert best_point(m) == 0  # sums 6, 6, 9: the first of equals
    # without case 0: 5, 4, 9; without case 1: 1, 4, 9; without case 2: 6, 4, 0
    assert loo_points(m) == [1, 0, 2]


def test_resume_reruns_only_the_missing_case_run_and_gives_the_same_table(fitted, tmp_path, capsys):
    cases, out = fitted
    again = tmp_path / "again"
    shutil.copytree(out, again)
    gone = again / "cells" / "1" / "late" / "cell.json"  # one case run's cell
    shutil.rmtree(gone.parent)
    others = {p: p.stat().st_mtime_ns for p in (again / "cells").rglob("*.json")}
    assert main(["calibrate", "--resume", str(again)]) == 0
    err = capsys.readouterr().err
    assert "1 to run (8 done already)" in err and "plan:" in err
    assert gone.is_file()
    assert all(p.stat().st_mtime_ns == t for p, t in others.items())
    pd.testing.assert_frame_equal(
        pd.read_csv(again / "scores.csv"), pd.read_csv(out / "scores.csv")
    )
    shutil.rmtree(gone.parent)
    res = sim.calibrate(resume=again)  # the API: the same, counting the runs it did
    assert res.ran == 1 and res.table().shape[0] == 9
    # a different calibration is refused, and an existing --out without --force too
    assert main(["calibrate", *cases, "--param", "pressures.learning.rate=0:1:4",
                 "--resume", str(again)]) == 2  # fmt: skip
    assert main(["calibrate", *cases, "--param", PARAM, "-n", "10", "--out", str(again)]) == 2
    assert "--resume" in capsys.readouterr().err


@pytest.mark.parametrize(
    "param, says",
    [
        ("negotiation.lookahead_dayz=10:30:3", "cannot take the point"),
        ("nowhere.at_all=0:1:3", "no such path"),
        ("actors.a.role=0:1:3", "not a numeric field"),
        ("negotiation.lookahead_days=-10:30:3", "must be > 0"),
        ("negotiation.lookahead_days=30", "--param"),
    ],
)
def test_a_bad_param_is_refused_before_anything_is_written(fitted, tmp_path, capsys, param, says):
    cases, _ = fitted
    out = tmp_path / "o"
    argv = ["calibrate", *cases, "--param", param, "-n", "50", "--out", str(out), "--quiet"]
    assert main(argv) == 2
    assert says in capsys.readouterr().err
    assert not out.exists()


def test_parse_param_defaults_and_refusals():
    assert parse_param("negotiation.lookahead_days=30:330").steps == 5
    assert parse_param("negotiation.lookahead_days=30:330", "lhs").steps is None
    assert point_overrides({"a.b": 30.0, "c": 0.25}) == ["a.b=30", "c=0.25"]
    with pytest.raises(sim.UsageError, match="LO must be below HI"):
        parse_param("x=1:1:3")
    with pytest.raises(sim.UsageError, match="at least two CASE"):
        sim.calibrate(["one.yaml"], ["x=0:1:3"])


def test_calibration_on_hindcast_and_run_applies_the_fitted_numbers(fitted, tmp_path):
    cases, out = fitted
    t = pd.read_csv(out / "scores.csv")
    best = json.loads((out / "calibration.json").read_text())["best"]["point"]
    cal = str(out / "calibration.yaml")
    with_cal = tmp_path / "cal"
    argv = ["hindcast", cases[0], "-n", str(N), "--quiet", "--calibration", cal]
    assert main([*argv, "--out", str(with_cal)]) == 0
    p_plain = sim.hindcast([cases[0]], N, 1).cases[0]["model"]["p"]
    got = json.loads((with_cal / "hindcast.json").read_text())
    fitted_p = t[(t["case"] == "early") & (t["point"] == best)]["p_model"].iloc[0]
    assert got["cases"][0]["model"]["p"] == pytest.approx(fitted_p)
    assert got["cases"][0]["model"]["p"] != pytest.approx(p_plain)  # the toy's rate is 0.02
    assert got["meta"]["overrides"] == read_calibration(cal)
    # sim run: the calibration first, the user's --set after it (and winning)
    run = ["run", cases[0], "-n", "300", "--no-report", "--quiet", "--calibration", cal]
    assert main([*run, "--out", str(tmp_path / "r1")]) == 0
    assert main([*run, "--set", "pressures.learning.rate=0", "--out", str(tmp_path / "r2")]) == 0
    rate = [
        yaml.safe_load((tmp_path / r / "scenario.yaml").read_text())["pressures"]["learning"][
            "rate"
        ]
        for r in ("r1", "r2")
    ]
    assert rate == [VALUES[best], 0]
    assert (
        main(["hindcast", cases[0], "--calibration", cases[0], "--out", str(tmp_path / "x")]) == 2
    )


def test_the_python_api_runs_in_memory_and_saves_a_folder_sim_report_renders(fitted, tmp_path):
    cases, out = fitted
    res = sim.calibrate(cases[:2], [PARAM], replicates=N, seed=1)
    assert res.folder is None and res.ran == 6
    assert res.matrix("log").shape == (3, 2)
    assert set(res.best) == {"pressures.learning.rate"}
    assert list(res.loo["case"]) == ["early", "late"]
    assert list(res.summary()["forecaster"])[2:] == [
        "constant hazard (CoW median)",
        "lognormal by war age (CoW)",
    ]
    folder = res.save(tmp_path / "saved")
    assert (folder / ".sim-folder").is_file() and (folder / "calibration.yaml").is_file()
    (folder / "report.html").unlink()
    assert main(["report", str(folder)]) == 0 and (folder / "report.html").is_file()
    with pytest.raises(sim.UsageError, match="not empty"):
        res.save(out)


def test_an_existing_out_is_replaced_only_with_force_and_only_if_sim_wrote_it(fitted, tmp_path):
    cases, _ = fitted
    out = tmp_path / "fit"
    argv = ["calibrate", *cases[:2], "--param", "pressures.learning.rate=0.014,0.022"]
    argv += ["-n", "50", "--out", str(out), "--quiet", "--no-report"]
    assert main(argv) == 0 and (out / ".sim-folder").is_file()
    (out / "stale.txt").write_text("from before")
    assert main(argv) == 2 and (out / "stale.txt").is_file()  # not empty: refused
    assert main([*argv, "--force"]) == 0  # sim wrote it: started again
    assert not (out / "stale.txt").exists() and len(list((out / "cells").rglob("*.json"))) == 4
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    assert main([*argv[:5], "-n", "50", "--out", str(mine), "--force", "--quiet"]) == 2
    assert (mine / "notes.txt").read_text() == "keep" and len(list(mine.iterdir())) == 1


def _row(log: float) -> dict:
    s = {"p": 0.5, "brier": 0.25, "log": log, "crps_days": 1.0, "pit": 0.5}
    s["covered"] = {lv: True for lv in ("0.5", "0.8", "0.95")}
    return {"name": "c", "outcome": "x", "model": s, "base": dict(s), "lognormal": dict(s)}


def test_the_fit_says_when_the_cases_cannot_tell_the_points_apart():
    manifest = {
        "params": [{"path": "a", "lo": 1.0, "hi": 3.0}],
        "points": [{"a": 1.0}, {"a": 2.0}, {"a": 3.0}],
        "cases": [{"key": "x"}, {"key": "y"}],
    }

    def warnings(logs: list[float]) -> list[str]:
        rows = {(i, j): _row(logs[i]) for i in range(3) for j in range(2)}
        return fit_data(manifest, rows)["warnings"]

    assert "means nothing" in warnings([1.0, 1.0, 1.0])[0]  # a flat surface
    assert "high end of the range of a (3)" in warnings([3.0, 2.0, 1.0])[0]
    assert "2 points score within" in warnings([1.0, 1.001, 2.0])[0]  # 0.001 nats apart
    assert warnings([1.0, 2.0, 3.0]) == [
        "the fit lies at the low end of the range of a (1): widen it"
    ]


CALIBRATION = "sim/model/scenario/history_library.yaml"


def test_hindcast_loo_prints_the_calibrations_leave_one_out_scores_and_runs_nothing(
    tmp_path, monkeypatch, capsys
):
    prov = yaml.safe_load(Path(CALIBRATION).read_text())["provenance"]
    cases = sorted(str(p) for p in Path("scenarios/history").glob("*.yaml"))
    changed = tmp_path / "kargil_1999.yaml"  # the same case with one number changed
    changed.write_text(
        Path("scenarios/history/kargil_1999.yaml")
        .read_text()
        .replace("name: Kargil conflict, 12 June 1999 (hindcast)", "name: Kargil, edited")
    )
    unknown = tmp_path / "not_calibrated.yaml"
    shutil.copy("scenarios/history/korea_1951.yaml", unknown)
    ran = []
    monkeypatch.setattr("sim.studies.hindcast.hindcast", lambda *a, **k: ran.append(a))
    before = sorted(Path("results").glob("*")) if Path("results").is_dir() else []
    assert main(["hindcast", *cases, "--calibration", CALIBRATION, "--loo"]) == 0
    out = capsys.readouterr().out
    mean = f"Brier {prov['loo']['brier']:.3f}, log {prov['loo']['log']:.2f}"
    assert f"sim (leave-one-case-out) {mean}" in out
    assert "constant hazard Brier 0.353" in out and "lognormal by war age Brier 0.225" in out
    assert "sim (leave-one-case-out) minus lognormal by war age, paired over 173 case(s)" in out
    assert "(changed)" not in out
    others = [c for c in cases if "kargil" not in c][:3]
    assert (
        main(
            ["hindcast", *others, str(changed), str(unknown), "--calibration", CALIBRATION, "--loo"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Kargil, edited (changed)" in out
    assert "not in the calibration (no score): not_calibrated" in out
    assert "over the 4 case(s)" in out
    assert not ran  # nothing run, nothing written
    assert (sorted(Path("results").glob("*")) if Path("results").is_dir() else []) == before


def test_hindcast_loo_needs_a_calibration_file_with_leave_one_out_scores(tmp_path, capsys):
    case = "scenarios/history/kargil_1999.yaml"
    assert main(["hindcast", case, "--loo", "--calibration", "none"]) == 2
    assert "give --calibration FILE" in capsys.readouterr().err
    bare = tmp_path / "bare.yaml"
    bare.write_text("set:\n- structure.obstacle_scale=2\n")
    assert main(["hindcast", case, "--loo", "--calibration", str(bare)]) == 2
    assert "records no leave-one-case-out scores" in capsys.readouterr().err


def test_a_cell_is_scored_as_hindcast_scores_the_case_conditioned_by_resample_move():
    from sim.studies.calibrate import run_cell

    kargil = "scenarios/history/kargil_1999.yaml"  # two offers refused on the snapshot day
    cell = run_cell((kargil, [], 100, 1, 139.0))
    row = sim.hindcast([kargil], replicates=100, seed=1).cases[0]
    weighted = sim.hindcast([kargil], replicates=100, seed=1, resample=False).cases[0]
    assert cell["model"] == row["model"]
    assert cell["model"]["p"] != weighted["model"]["p"]  # the conditioning tells them apart


def test_a_folder_begun_when_cells_were_weighted_is_not_resumed(fitted, tmp_path, capsys):
    _, out = fitted
    old = tmp_path / "old"
    shutil.copytree(out, old)
    m = json.loads((old / "manifest.json").read_text())
    del m["conditioning"]  # as folders written before cells were conditioned by resample-move
    (old / "manifest.json").write_text(json.dumps(m))
    assert main(["calibrate", "--resume", str(old)]) == 2
    err = capsys.readouterr().err
    assert "weighting" in err and "resample-move" in err and "new calibration" in err


def test_a_fit_on_top_of_fixed_numbers_runs_every_cell_with_them_and_writes_them_first(
    fitted, tmp_path, capsys
):
    cases, _ = fitted
    fixed = "actors.a.cost=0.0009"
    out = tmp_path / "on_top"
    argv = ["calibrate", *cases, "--param", "pressures.learning.rate=0.014,0.022", "-n", "100"]
    argv += ["--calibration", "none"]  # the toy wars' numbers as written, then --set
    assert main([*argv, "--set", fixed, "--out", str(out), "--quiet"]) == 0
    sets = yaml.safe_load((out / "calibration.yaml").read_text())["set"]
    assert sets[0] == fixed and sets[1].startswith("pressures.learning.rate=")
    assert json.loads((out / "manifest.json").read_text())["fixed"] == [fixed]
    table = pd.read_csv(out / "scores.csv")
    row = table[(table["case"] == "early") & (table["point"] == 1)].iloc[0]
    point = f"pressures.learning.rate={row['pressures.learning.rate']:g}"
    alone = sim.hindcast([cases[0]], replicates=100, seed=1, overrides=[fixed, point])
    assert alone.cases[0]["model"]["p"] == pytest.approx(row["p_model"], abs=1e-12)
    # a number both fixed and fitted is refused; so is resuming with other fixed numbers
    both = [*argv, "--set", "pressures.learning.rate=0.02", "--out", str(tmp_path / "x")]
    assert main(both) == 2
    assert "also a --param" in capsys.readouterr().err
    again = tmp_path / "again"
    shutil.copytree(out, again)
    shutil.rmtree(again / "cells" / "1")
    assert main(["calibrate", "--resume", str(again), "--set", "actors.a.cost=0.001"]) == 2
    assert "fixed differs" in capsys.readouterr().err


def test_a_fit_on_top_of_a_calibration_file_writes_its_numbers_as_plain_text(fitted, tmp_path):
    """The numbers of --calibration carry their file and line for error messages; the
    calibration.yaml written on top of them holds them as text (they once stopped the write)."""
    cases, _ = fitted
    cal = tmp_path / "first.yaml"
    cal.write_text("set:\n- actors.a.cost=0.0009\n")
    out = tmp_path / "on_file"
    argv = ["calibrate", *cases, "--param", "pressures.learning.rate=0.014,0.022", "-n", "100"]
    assert main([*argv, "--calibration", str(cal), "--out", str(out), "--quiet"]) == 0
    written = yaml.safe_load((out / "calibration.yaml").read_text())
    assert written["set"][0] == "actors.a.cost=0.0009"
    assert written["provenance"]["fixed"] == ["actors.a.cost=0.0009"]


def test_a_case_that_does_not_use_a_value_is_run_once_for_the_points_differing_in_it(
    tmp_path, capsys
):
    """The interstate scale does nothing in a civil war: its cells at both values are one run
    (the same compiled model), each cell still saved, and a resume finds them all."""
    from sim.studies.calibrate import run_cell
    from sim.studies.calibrate.design import run_identity

    files = []
    for name, kind in (
        ("between", "interstate"),
        ("civil", "intrastate"),
        ("civil2", "intrastate"),
    ):
        s = toy()
        s["name"], s["conflict_type"] = name, kind
        s["observations"] = RECORDS["late"]
        f = tmp_path / f"{name}.yaml"
        f.write_text(yaml.safe_dump(s, sort_keys=False))
        files.append(str(f))
    scale = "structure.interstate_unkept_scale"
    ident = {
        (f, v): run_identity(sim.load_scenario(f, ["durability.unkept=0.6", f"{scale}={v}"]))
        for f in files
        for v in (0.5, 1)
    }
    assert ident[files[0], 0.5] != ident[files[0], 1]
    assert ident[files[1], 0.5] == ident[files[1], 1] != ident[files[2], 1]
    out = tmp_path / "fit"
    argv = ["calibrate", *files, "--param", f"{scale}=0.5,1", "--set", "durability.unkept=0.6"]
    res = sim.calibrate(
        files, [f"{scale}=0.5,1"], replicates=100, seed=1, out=out, fixed=["durability.unkept=0.6"]
    )
    assert res.ran == 4  # 2 points x 3 cases, the civil wars' second points shared
    table = res.table()
    for case in ("between", "civil"):
        for point in (0, 1):
            row = table[(table["case"] == case) & (table["point"] == point)].iloc[0]
            sets = ["durability.unkept=0.6", f"{scale}={row[scale]:g}"]
            alone = run_cell((files[["between", "civil"].index(case)], sets, 100, 1, 139.0))
            assert row["p_model"] == alone["model"]["p"]
    between = table[table["case"] == "between"]["p_model"].tolist()
    assert between[0] != between[1]  # the scale is used in the war between states
    # a resume that has lost a shared cell copies it from the cell it shares a run with
    before = (out / "scores.csv").read_text()
    shutil.rmtree(out / "cells" / "1" / "civil")
    assert main([*argv[:1], "--resume", str(out), "--no-report"]) == 0
    err = capsys.readouterr().err
    assert "0 to run (5 done already) (1 more the same run" in err
    assert (out / "cells" / "1" / "civil" / "cell.json").is_file()
    assert (out / "scores.csv").read_text() == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "set:\n- structure.obstacle_scale=2\n- structure.nope=1\n",
            ":3:3: structure.nope: unknown key 'nope'",
        ),
        (
            "set:\n- structure.obstacle_scale=abc\n",
            ":2:3: structure.obstacle_scale: expected a number (got 'abc')",
        ),
        (
            "# fitted\nset:\n  - structure.obstacle_scale=-5\n",
            ":3:5: structure.obstacle_scale: must be > 0.0 (got -5)",
        ),
        ("set:\n- a=1\n: : :\n", ":3:1: not valid YAML"),
    ],
)
def test_a_bad_calibration_entry_is_reported_at_its_file_line_and_column(
    tmp_path, capsys, text, expected
):
    """A number of a calibration file was reported as if typed with --set; it names the file,
    line and column of its entry, and nothing is written."""
    cal = tmp_path / "cal.yaml"
    cal.write_text(text)
    out = tmp_path / "out"
    argv = ["run", "scenarios/history/cyprus_1974.yaml", "-n", "32", "--quiet", "--no-report"]
    assert main([*argv, "--calibration", str(cal), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{cal}{expected}" in err, err
    assert "--set" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
