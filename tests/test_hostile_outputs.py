"""Hostile output targets and damaged files (issue 11, items 1, 3, 4, 9, 11, 12 and 18):
no data lost, nothing half-written, one clean line with exit status 2."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hostile import MINI, call, read_only, refused, tiny_fs

from sim.model.engine.store import FolderStore

M = str(MINI)
RUN = ["run", M, "-n", "100", "--no-report", "--quiet"]


@pytest.fixture(scope="module")
def results_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("res") / "r"
    assert call([*RUN, "--out", str(out)])[0] == 0
    return out


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# ----------------------------------------------------------------- 1 and 12: --force, --out


def test_1_force_never_replaces_a_folder_sim_did_not_write(tmp_path):
    d = tmp_path / "d"
    (d / "docs").mkdir(parents=True)
    (d / "docs" / "thesis.txt").write_text("years of work")
    refused([*RUN, "--out", str(d), "--force"], "sim did not write", ".sim-folder")
    assert listing(d) == ["docs", "docs/thesis.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]  # no checkpoint left beside


def test_1_force_replaces_a_folder_sim_wrote(tmp_path):
    out = tmp_path / "r"
    assert call([*RUN, "--out", str(out)])[0] == 0
    assert (out / ".sim-folder").is_file()
    (out / "stale.txt").write_text("x")
    assert call([*RUN, "--out", str(out), "--force", "--seed", "4"])[0] == 0
    assert not (out / "stale.txt").exists()
    assert json.loads((out / "summary.json").read_text())["seed"] == 4


@pytest.mark.parametrize("target", [".", "~", "..", "/"])
def test_1_12_the_current_folder_home_and_their_parents_are_refused(tmp_path, monkeypatch, target):
    home = tmp_path / "home"
    work = home / "work"
    work.mkdir(parents=True)
    (work / "notes.txt").write_text("keep")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    out = str(home) if target == "~" else target
    for extra in ([], ["--force"]):
        err = refused([*RUN, "--out", out, *extra], "name a folder of its own")
        assert "ValueError" not in err
    for verb in (["sweep", M, "--vary", "actors.a.support=0.2,0.4"], ["compare", M, M]):
        refused([*verb, "-n", "10", "--out", out], "name a folder of its own")
    assert listing(home) == ["work", "work/notes.txt"]


# ----------------------------------------------------------------- 3 and 4: checkpoints


def interrupt_after_first_chunk(monkeypatch):
    """Make the next in-process run stop (as by Ctrl-C) once its first chunk is saved."""
    put = FolderStore.put

    def put_then_stop(self, out):
        put(self, out)
        raise KeyboardInterrupt

    monkeypatch.setattr(FolderStore, "put", put_then_stop)


def test_3_another_run_never_overwrites_an_interrupted_runs_checkpoint(tmp_path, monkeypatch):
    out = tmp_path / "kA"
    ck = tmp_path / ".kA.chunks"
    interrupt_after_first_chunk(monkeypatch)
    code, _, err = call(["run", M, "-n", "8192", "--seed", "3", "--out", str(out), "--no-report"])
    assert code == 130 and "1 finished chunk(s) kept" in err and f"--resume {out}" in err
    monkeypatch.undo()
    before = {p.name: p.read_bytes() for p in ck.iterdir()}
    refused([*RUN, "--out", str(out)], "holds an interrupted run with other settings", "--resume")
    assert {p.name: p.read_bytes() for p in ck.iterdir()} == before
    assert call(["run", "--resume", str(out), "--quiet", "--no-report"])[0] == 0
    assert json.loads((out / "summary.json").read_text())["replicates"] == 8192
    assert not ck.exists()


def test_3_a_second_run_into_the_same_folder_is_refused_while_the_first_runs(tmp_path):
    from sim.studies.outputs import start_run

    out = tmp_path / "k"
    first = start_run(M, replicates=100, out=out)  # holds the lock, as a running run does
    try:
        options = (first.checkpoint / "options.json").read_bytes()
        refused([*RUN, "--out", str(out), "--seed", "9"], "another 'sim run' is writing into")
        assert (first.checkpoint / "options.json").read_bytes() == options
    finally:
        first.release()


def test_4_an_interrupted_force_run_resumes(tmp_path, monkeypatch):
    out = tmp_path / "of"
    assert call([*RUN, "--out", str(out)])[0] == 0
    interrupt_after_first_chunk(monkeypatch)
    argv = ["run", M, "-n", "8192", "--out", str(out), "--force", "--no-report"]
    code, _, err = call(argv)
    assert code == 130 and f"sim run --resume {out}" in err
    monkeypatch.undo()
    assert call(["run", "--resume", str(out), "--quiet", "--no-report"])[0] == 0
    assert json.loads((out / "summary.json").read_text())["replicates"] == 8192


def test_18_a_failed_run_says_how_to_resume_or_leaves_nothing(tmp_path, monkeypatch):
    put = FolderStore.put
    saved = []

    def disk_fills_up(self, chunk):
        if saved:
            raise OSError(errno.ENOSPC, "No space left on device")
        put(self, chunk)
        saved.append(chunk.index)

    monkeypatch.setattr(FolderStore, "put", disk_fills_up)
    out = tmp_path / "f"
    refused(
        ["run", M, "-n", "8192", "--out", str(out), "--no-report"],
        "no space left on device",
        "1 finished chunk(s) kept in",
        f"'sim run --resume {out}' or remove that folder",
    )

    def no_memory(self, chunk):
        raise MemoryError

    monkeypatch.setattr(FolderStore, "put", no_memory)
    out2 = tmp_path / "g"
    refused(["run", M, "-n", "100", "--out", str(out2), "--no-report"], "out of memory")
    assert not (tmp_path / ".g.chunks").exists() and not out2.exists()  # nothing to keep


def test_9_a_full_disk_while_writing_the_figures_leaves_no_half_folder(tmp_path, monkeypatch):
    def disk_full(results, folder):
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "figures"))

    monkeypatch.setattr("sim.output.plots.save_figures", disk_full)
    out = tmp_path / "r"
    refused(
        ["run", M, "-n", "100", "--out", str(out)],
        f"cannot write results to {str(out)!r}: no space left on device",
        f"--resume {out}",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [".r.chunks"]  # no results, no temp
    monkeypatch.undo()
    assert call(["run", "--resume", str(out), "--quiet"])[0] == 0
    assert (out / "report.html").is_file()


def test_the_one_handler_exit_statuses_and_sim_debug(monkeypatch):
    def broken():
        raise ValueError("a bug\nover two lines")

    monkeypatch.setattr("sim.model.scenario.schema.json_schema", broken)  # what `sim schema` calls
    err = refused(["schema"], "internal error: ValueError: a bug over two lines", code=1)
    assert "SIM_DEBUG=1" in err
    monkeypatch.setenv("SIM_DEBUG", "1")
    code, _, err = call(["schema"])
    assert code == 1 and "Traceback" in err and "internal error" in err
    monkeypatch.delenv("SIM_DEBUG")

    def unreadable():
        raise PermissionError(errno.EACCES, "Permission denied", "/some/file")

    monkeypatch.setattr("sim.model.scenario.schema.json_schema", unreadable)
    assert refused(["schema"]) == "error: permission denied: /some/file"


# ----------------------------------------------------------------- 9: unwritable, full


def test_9_read_only_targets_fail_before_any_computing(tmp_path, results_folder):
    ro = tmp_path / "ro"
    ro.mkdir()
    report = ro / "res"
    shutil.copytree(results_folder, report)
    (report / "report.html").unlink(missing_ok=True)
    sensitivity = ["sensitivity", M, "--method", "morris", "--samples", "2", "-n", "10"]
    with read_only(ro):
        for argv in (
            [*RUN, "--out", str(ro / "x")],
            ["sweep", M, "--vary", "actors.a.support=0.2,0.4", "-n", "10", "--out", str(ro / "s")],
            ["compare", M, "--variant", "actors.a.support=0.3", "-n", "10", "--out", str(ro / "c")],
            [*sensitivity, "--params", "actors.a.support=0.2:0.8", "--out", str(ro / "t")],
        ):
            code, out, err = call(argv)
            assert code == 2 and "cannot write to --out" in err, err
            assert out == "" and len(err.strip().splitlines()) == 1
        refused(["report", str(report)], "cannot write the report into")
        assert sorted(p.name for p in ro.iterdir()) == ["res"]


def test_9_a_full_disk_is_refused_by_the_estimate_or_reported_in_one_line(tmp_path):
    with tiny_fs(tmp_path / "tiny", "1m") as tiny:
        refused(
            ["run", M, "-n", "8192", "--out", str(tiny / "r"), "--no-report"], "of disk is free"
        )
        err = refused(
            ["run", M, "-n", "8192", "--out", str(tiny / "r"), "--no-report", "--allow-large"],
            "no space left on device",
        )
        assert "Traceback" not in err
        assert not (tiny / "r").exists()


# ----------------------------------------------------------------- 11: damaged files


@pytest.mark.parametrize(
    ("content", "message"),
    [("not json", "is damaged"), ('{"seed": 1}', "'replicates' is missing"), ("[]", "JSON object")],
)
def test_11_a_damaged_options_file_is_named(tmp_path, monkeypatch, content, message):
    out = tmp_path / "k"
    interrupt_after_first_chunk(monkeypatch)
    call(["run", M, "-n", "8192", "--out", str(out), "--no-report"])
    monkeypatch.undo()
    (tmp_path / ".k.chunks" / "options.json").write_text(content)
    refused(["run", "--resume", str(out)], ".k.chunks/options.json", message, "remove")


def test_11_damaged_results_files_are_named(tmp_path, results_folder):
    meta = tmp_path / "meta"
    shutil.copytree(results_folder, meta)
    (meta / "meta.json").write_text("{}")
    refused(["report", str(meta)], "meta.json' is damaged ('start' is missing")
    typed = tmp_path / "typed"
    shutil.copytree(results_folder, typed)
    t = pd.read_parquet(typed / "outcomes.parquet")
    t["ceasefire_day"] = t["ceasefire_day"].astype(str)
    t.to_parquet(typed / "outcomes.parquet")
    refused(["report", str(typed)], "outcomes.parquet' is damaged", "'ceasefire_day'")


def test_11_damaged_sweep_files_are_named_or_run_again(tmp_path):
    out = tmp_path / "s"
    argv = ["sweep", M, "--vary", "actors.a.support=0.2,0.4", "-n", "20", "--quiet"]
    assert call([*argv, "--out", str(out)])[0] == 0
    good = json.loads((out / "points" / "0.json").read_text())
    (out / "points" / "0.json").write_text("[]")
    refused(["report", str(out)], "points/0.json' is missing or damaged", "--resume")
    assert call(["sweep", "--resume", str(out), "--quiet"])[0] == 0  # the point is run again
    assert json.loads((out / "points" / "0.json").read_text()) == good
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["vary"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    refused(["sweep", "--resume", str(out)], "manifest.json' is damaged ('vary' is missing")
    refused(["report", str(out)], "manifest.json' is damaged")
