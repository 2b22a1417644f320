"""Output folders across verbs and what is read back from them (issue 20): tampered files,
another run's files, another verb's folder, hindcast case names, sweep --resume, advice
that works, default names, failed writes and system folders. Each ends in one clean line
with exit status 2 or a correct result, and nothing lost."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from hostile import MINI, call, refused
from oracle_scenarios import toy
from test_hostile_outputs import interrupt_after_first_chunk

import sim
from sim.cli import main
from sim.output.results import NotAResultsFolder

M = str(MINI)
RUN = ["run", M, "-n", "100", "--no-report", "--quiet"]
VARY = ["--vary", "actors.a.support=0.2,0.4"]


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """One folder of each kind the tests tamper with or aim other verbs at (each test copies)."""
    root = tmp_path_factory.mktemp("kinds")
    made = {k: root / k for k in ("run", "run9", "compare", "sweep", "hindcast")}
    assert call([*RUN, "--out", str(made["run"])])[0] == 0
    assert call([*RUN, "--seed", "9", "--out", str(made["run9"])])[0] == 0
    cmp = ["compare", M, "--variant", "pressures.sanctions.level=0.9", "-n", "50", "--quiet"]
    assert call([*cmp, "--out", str(made["compare"])])[0] == 0
    assert call(["sweep", M, *VARY, "-n", "20", "--quiet", "--out", str(made["sweep"])])[0] == 0
    case = root / "never.yaml"
    case.write_text(yaml.safe_dump(_case("never", False), sort_keys=False))
    hc = ["hindcast", str(case), "-n", "50", "--quiet", "--out", str(made["hindcast"])]
    assert call(hc)[0] == 0
    return made


def _case(name: str, early: bool) -> dict:
    s = toy()
    s["name"] = name
    s["observations"] = (
        [
            {"by": "2025-02-27", "source": "r", "ceasefire": False},
            {"on": "2025-02-28", "source": "r", "ceasefire": True},
        ]
        if early
        else [{"by": "2025-12-30", "source": "r", "ceasefire": False}]
    )
    return s


def _copy(folders: dict[str, Path], kind: str, tmp_path: Path) -> Path:
    out = tmp_path / kind
    shutil.copytree(folders[kind], out)
    return out


def _edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


# ----------------------------------------------------------------- 1: tampered folders


@pytest.mark.parametrize("days", [-5, 0, 30_000_000])
def test_1_a_meta_json_horizon_out_of_range_is_refused_by_field(folders, tmp_path, days):
    out = _copy(folders, "run", tmp_path)
    _edit_json(out / "meta.json", lambda m: m.update(horizon_days=days))
    refused(["report", str(out)], "meta.json' is damaged", "'horizon_days' must be from 1 to")
    assert not (out / "report.html").exists()


def test_1_a_meta_json_horizon_that_disagrees_with_its_dates_is_refused(folders, tmp_path):
    out = _copy(folders, "run", tmp_path)
    _edit_json(out / "meta.json", lambda m: m.update(horizon_days=30, round_days=31))
    refused(["report", str(out)], "'horizon_days' is 30 but the dates are 364 days apart")
    _edit_json(out / "meta.json", lambda m: m.update(horizon_days=364, round_days=0))
    refused(["report", str(out)], "'round_days' must be from 1 to the horizon")


def test_1_a_compare_json_without_scenarios_is_refused_by_field(folders, tmp_path):
    out = _copy(folders, "compare", tmp_path)
    _edit_json(out / "compare.json", lambda d: d.update(scenarios=[]))
    err = refused(["report", str(out)], "compare.json", "field 'scenarios'", "at least 1")
    assert f"folder {str(out)!r}" in err
    _edit_json(out / "compare.json", lambda d: d.update(scenarios=[{"label": "x"}]))
    refused(["report", str(out)], "field 'scenarios[0].p_ceasefire': missing")


def test_1_a_hindcast_json_with_an_empty_case_is_refused_by_field(folders, tmp_path):
    out = _copy(folders, "hindcast", tmp_path)
    _edit_json(out / "hindcast.json", lambda d: d.update(cases=[{}]))
    refused(["report", str(out)], "hindcast.json", "field 'cases[0].name': missing")
    _edit_json(out / "hindcast.json", lambda d: d.update(cases="none"))
    refused(["report", str(out)], "field 'cases': must be a list")


# ----------------------------------------------------------------- 2: the folder's hashes


def test_2_another_runs_outcomes_copied_into_a_folder_are_refused(folders, tmp_path):
    out = _copy(folders, "run", tmp_path)
    marker = json.loads((out / ".sim-folder").read_text())
    assert set(marker["files"]) >= {"meta.json", "outcomes.parquet", "series.parquet"}
    assert call(["report", str(out)])[0] == 0  # the folder as sim wrote it
    shutil.copyfile(folders["run9"] / "outcomes.parquet", out / "outcomes.parquet")
    refused(["report", str(out)], "file outcomes.parquet does not match the folder's manifest")
    with pytest.raises(NotAResultsFolder, match=r"outcomes\.parquet does not match"):
        sim.Results.load(out)


def test_2_an_edited_compare_or_hindcast_json_is_refused(folders, tmp_path):
    cmp = _copy(folders, "compare", tmp_path)
    _edit_json(cmp / "compare.json", lambda d: d["scenarios"][0]["p_ceasefire"].update(estimate=1))
    refused(["report", str(cmp)], "file compare.json does not match the folder's manifest")
    hc = _copy(folders, "hindcast", tmp_path)
    _edit_json(hc / "hindcast.json", lambda d: d["cases"][0].update(name="edited"))
    refused(["report", str(hc)], "file hindcast.json does not match the folder's manifest")
    run = hc / "runs" / "never"  # each case's run is a results folder with its own hashes
    assert json.loads((run / ".sim-folder").read_text())["files"]["outcomes.parquet"]


# ----------------------------------------------------------------- 3: a folder per verb


@pytest.mark.parametrize("kind", ["run", "sweep"])
def test_3_compare_and_sensitivity_never_write_into_another_verbs_folder(folders, tmp_path, kind):
    out = _copy(folders, kind, tmp_path)
    before = {p: (out / p).read_bytes() for p in listing(out) if (out / p).is_file()}
    what = "results" if kind == "run" else "sweep"
    cmp = ["compare", M, "--variant", "pressures.sanctions.level=0.9", "-n", "20"]
    refused([*cmp, "--out", str(out)], f"is a {what} folder", "even with --force")
    sens = ["sensitivity", M, "--method", "morris", "--samples", "2", "-n", "20"]
    refused([*sens, "--out", str(out)], f"is a {what} folder")
    assert {p: (out / p).read_bytes() for p in listing(out) if (out / p).is_file()} == before


def test_3_force_never_replaces_another_verbs_folder(folders, tmp_path):
    cmp = _copy(folders, "compare", tmp_path)
    refused([*RUN, "--out", str(cmp), "--force"], "is a compare folder (written by 'sim compare')")
    assert json.loads((cmp / ".sim-folder").read_text())["kind"] == "compare"
    run = _copy(folders, "run", tmp_path)
    case = tmp_path / "never.yaml"
    case.write_text(yaml.safe_dump(_case("never", False)))
    refused(["hindcast", str(case), "-n", "20", "--out", str(run), "--force"], "results folder")
    assert (run / "outcomes.parquet").is_file() and not (run / "hindcast.json").exists()


# ----------------------------------------------------------------- 4: hindcast case names


def test_4_hindcast_case_runs_get_unique_safe_folders(tmp_path):
    (tmp_path / "hc").mkdir()
    (tmp_path / "hc2").mkdir()
    first, second, dots = (
        tmp_path / "hc" / "korea.yaml",
        tmp_path / "hc2" / "korea.yaml",
        tmp_path / "..yaml",
    )
    first.write_text(yaml.safe_dump(_case("early one", True), sort_keys=False))
    second.write_text(yaml.safe_dump(_case("never one", False), sort_keys=False))
    dots.write_text(yaml.safe_dump(_case("dots", False), sort_keys=False))
    out = tmp_path / "out"
    argv = ["hindcast", str(first), str(second), str(dots), "-n", "50", "--quiet"]
    code, _, err = call([*argv, "--out", str(out)])
    assert code == 0, err
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["case", "korea", "korea-2"]
    names = {p.name: sim.Results.load(p).meta["scenario"] for p in (out / "runs").iterdir()}
    assert names == {"korea": "early one", "korea-2": "never one", "case": "dots"}
    assert not (out / "runs" / "meta.json").exists()
    cases = json.loads((out / "hindcast.json").read_text())["cases"]
    assert [c["run"] for c in cases] == ["runs/korea", "runs/korea-2", "runs/case"]


def test_4_the_same_case_file_twice_is_refused_before_running(tmp_path):
    f = tmp_path / "korea.yaml"
    f.write_text(yaml.safe_dump(_case("k", False)))
    same = tmp_path / "." / "korea.yaml"
    refused(
        ["hindcast", str(f), str(same), "-n", "20", "--out", str(tmp_path / "o")],
        "is given twice",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["korea.yaml"]


# ----------------------------------------------------------------- 5: sweep --resume


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--design", "lhs", "--samples", "8"], "--design, --samples"),
        (["--independent"], "--independent"),
        (["--set", "actors.a.support=0.5"], "--set"),
        (["-n", "40", "--seed", "0"], "-n, --seed"),
        ([M], "SCENARIO"),
    ],
)
def test_5_sweep_resume_refuses_new_settings_like_run_resume(folders, tmp_path, extra, named):
    out = _copy(folders, "sweep", tmp_path)
    manifest = (out / "manifest.json").read_bytes()
    refused(
        ["sweep", "--resume", str(out), *extra], "continues a sweep with its own settings", named
    )
    assert (out / "manifest.json").read_bytes() == manifest


def test_5_sweep_resume_holds_a_lock_and_a_stale_lock_is_no_obstacle(folders, tmp_path):
    from sim.io.locks import hold_lock

    out = _copy(folders, "sweep", tmp_path)
    (out / "points" / "1.json").unlink()  # an interrupted sweep: one point to run again
    held = hold_lock(out, "test holds it")  # as a first resumer running does
    try:
        refused(
            ["sweep", "--resume", str(out), "--quiet"],
            "another 'sim sweep' is writing into",
            f"locked by pid {os.getpid()}",
        )
        assert not (out / "points" / "1.json").exists()  # the second did not run the point
    finally:
        held.close()
    (out / ".lock").write_text("999999999\n")  # left by a process that died: not held
    assert call(["sweep", "--resume", str(out), "--quiet"])[0] == 0
    assert (out / "points" / "1.json").read_bytes() == (
        folders["sweep"] / "points" / "1.json"
    ).read_bytes()


# ----------------------------------------------------------------- 6: advice that works


def test_6_no_consistent_replicate_does_not_suggest_resume(tmp_path):
    s = toy()
    s["observations"] = [
        {"on": "2025-02-01", "source": "x", "front_line": {"between": [99.0, 100.0]}}
    ]
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(s))
    out = str(tmp_path / "o")
    argv = ["run", str(f), "--as-of", "2025-02-01", "--out", out, "--no-report"]
    err = refused([*argv, "-n", "300"], "no replicate is consistent", "more replicates")
    assert "--resume" not in err
    # the advice works: nothing is kept, so a new run with other settings is not refused for
    # leftover chunks (here it is refused again only for its evidence)
    err = refused([*argv, "-n", "400"], "no replicate is consistent")
    assert "holds an interrupted run" not in err
    assert not (tmp_path / ".o.chunks").exists()


def test_6_a_checkpoint_of_another_run_does_not_suggest_resume(tmp_path, monkeypatch):
    out = tmp_path / "k"
    interrupt_after_first_chunk(monkeypatch)
    assert call(["run", M, "-n", "8192", "--out", str(out), "--no-report"])[0] == 130
    monkeypatch.undo()
    _edit_json(tmp_path / ".k.chunks" / "manifest.json", lambda m: m.update(version="0.0.1"))
    err = refused(["run", "--resume", str(out)], "belongs to another run", "--force")
    assert "sim run --resume" not in err
    assert call([*RUN, "--out", str(out), "--force"])[0] == 0  # the advice works
    assert json.loads((out / "summary.json").read_text())["replicates"] == 100


# ----------------------------------------------------------------- 7: default names


def test_7_runs_started_in_the_same_second_get_their_own_folders(tmp_path, monkeypatch):
    import sim.studies.outputs as outputs

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(outputs, "default_folder", lambda name: Path("results") / "same")
    first = outputs.start_run(M, replicates=100)  # running: holds its name
    second = outputs.start_run(M, replicates=100)
    try:
        assert (first.out.name, second.out.name) == ("same", "same-2")
        assert first.checkpoint != second.checkpoint
    finally:
        first.release()
        second.release()
    shutil.rmtree(tmp_path / "results")
    for _ in range(2):  # one after the other: the second sees the first's folder
        assert call(["run", M, "-n", "50", "--no-report", "--quiet"])[0] == 0
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["same", "same-2"]


# ----------------------------------------------------------------- 8: failed writes


def test_8_stdout_to_a_full_device_is_named_and_the_folder_is_whole(tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    out = tmp_path / "r"
    err = io.StringIO()
    with open("/dev/full", "w") as full:
        with contextlib.redirect_stdout(full), contextlib.redirect_stderr(err):
            code = main([*RUN, "--out", str(out)])
        with contextlib.suppress(OSError):
            full.close()
    assert code == 2
    line = err.getvalue().strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line
    assert "cannot write to standard output (/dev/full): no space left on device" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no temporary left beside
    assert sim.Results.load(out).n == 100  # complete, and it verifies against its hashes


def test_8_a_deleted_current_folder_is_named(tmp_path, monkeypatch):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    monkeypatch.setenv("PWD", str(gone))
    gone.rmdir()
    refused(["run", M, "-n", "20"], f"the current folder {str(gone)!r} cannot be read", "deleted")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# ----------------------------------------------------------------- 9: system folders


def test_9_an_out_through_a_symlink_into_a_system_folder_is_refused(tmp_path):
    link = tmp_path / "link"
    link.symlink_to("/etc")
    err = refused([*RUN, "--out", str(link / "simtest")], "inside the system folder /etc")
    assert "resolves to '/etc/simtest'" in err
    assert not Path("/etc/simtest").exists()
    assert not any(p.name.startswith(".simtest") for p in Path("/etc").iterdir())
    for argv in (
        ["sweep", M, *VARY, "-n", "10", "--out", "/usr/local/simtest"],
        [
            "compare",
            M,
            "--variant",
            "pressures.sanctions.level=0.9",
            "-n",
            "10",
            "--out",
            "/dev/full",
        ],
        ["sensitivity", M, "-n", "10", "--out", "/var/lib/simtest"],
        ["hindcast", M, "-n", "10", "--out", "/boot/simtest"],
    ):
        refused(argv, "inside the system folder")
    assert not Path("/usr/local/simtest").exists() and not Path("/var/lib/simtest").exists()


def test_9_a_default_folder_under_a_system_folder_is_refused(monkeypatch):
    monkeypatch.chdir("/etc")
    existed = Path("/etc/results").exists()
    for argv in (["run", M, "-n", "10"], ["sweep", M, *VARY, "-n", "10"]):
        refused(argv, "output folder 'results/", "inside the system folder /etc")
    assert Path("/etc/results").exists() == existed
