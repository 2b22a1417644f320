"""`sim run` and `sim report` driven in-process against the real engine (small replicate counts)."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim import cli
from sim.cli import main
from sim.model.scenario.loader import load_scenario
from sim.output.results import Results
from sim.studies.runner import run

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
N = 200


def call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as e:  # argparse refuses before main's try block
            code = int(e.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli") / "base"
    code, out, err = call(["run", str(BASELINE), "-n", str(N), "--seed", "3", "--out", str(folder)])
    assert code == 0, err
    return folder, out


def test_run_writes_a_complete_results_folder(baseline_run):
    folder, _ = baseline_run
    names = {p.name for p in folder.iterdir()}
    assert names == {
        "summary.json", "meta.json", "outcomes.parquet", "series.parquet",
        "scenario.yaml", "traces.jsonl", "report.html", "figures", ".sim-folder",
    }  # fmt: skip
    assert len(list((folder / "figures").glob("*.png"))) == 5
    assert len(list((folder / "figures").glob("*.svg"))) == 5
    s = json.loads((folder / "summary.json").read_text())
    assert s["replicates"] == N and s["seed"] == 3
    assert (
        0
        <= s["p_ceasefire"]["ci_low"]
        <= s["p_ceasefire"]["estimate"]
        <= s["p_ceasefire"]["ci_high"]
    )
    assert len(s["scenario_sha256"]) == 64
    assert len((folder / "traces.jsonl").read_text().splitlines()) == 20  # --trace default
    assert (folder / "report.html").read_text().count("data:image/png;base64,") == 5


def test_run_prints_the_headline_and_the_folder(baseline_run):
    folder, out = baseline_run
    s = json.loads((folder / "summary.json").read_text())
    assert f"{100 * s['p_ceasefire']['estimate']:.1f}% (95% CI" in out
    assert "median days to ceasefire" in out and "in force at horizon" in out
    assert f"wrote {folder}/" in out


def test_saved_results_load_back_and_reproduce_from_seed(baseline_run):
    folder, _ = baseline_run
    loaded = Results.load(folder)
    # the command line applied the library's calibration: the same numbers from Python
    again = run(load_scenario(BASELINE, sim.library_calibration()), replicates=N, seed=3, trace=20)
    assert loaded.outcomes.equals(again.outcomes)
    assert loaded.series.equals(again.series)
    assert loaded.traces == again.traces
    assert loaded.meta["scenario_sha256"] == again.meta["scenario_sha256"]


def test_report_verb_regenerates_the_report(baseline_run, tmp_path, monkeypatch):
    folder = tmp_path / "copy"
    shutil.copytree(baseline_run[0], folder)
    (folder / "report.html").unlink()
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    code, out, _ = call(["report", str(folder), "--open"])
    assert code == 0
    assert (folder / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert out.strip() == f"wrote {folder / 'report.html'}"
    assert opened == [(folder / "report.html").resolve().as_uri()]


def test_run_refuses_a_non_empty_out_unless_forced(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    args = ["run", str(BASELINE), "-n", "20", "--no-report", "--out", str(out)]
    code, _, err = call(args)
    assert code == 2 and "not empty" in err and "--force" in err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    code, _, err = call([*args, "--force", "--quiet"])  # not a folder sim wrote: kept
    assert code == 2 and "sim did not write" in err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    (out / "notes.txt").unlink()
    assert call([*args, "--quiet"])[0] == 0
    first = (out / "meta.json").read_text()
    code, _, err = call([*args, "--force", "--quiet", "--seed", "5"])  # sim's own: replaced
    assert code == 0, err
    assert (out / "meta.json").read_text() != first


def test_default_folder_is_results_slug_timestamp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = call(["run", str(BASELINE), "-n", "20", "--no-report", "--quiet"])
    assert code == 0, err
    (folder,) = (tmp_path / "results").iterdir()
    assert folder.name.startswith("russia-ukraine-ceasefire-talks-late-april-2025-baseline-")
    assert folder.name.endswith("Z")
    assert out.strip() == str(Path("results") / folder.name)  # --quiet: only the folder


def test_no_report_and_trace_zero_skip_those_files(tmp_path):
    out = tmp_path / "r"
    code, _, err = call(
        ["run", str(BASELINE), "-n", "20", "--no-report", "--trace", "0", "--out", str(out)]
    )
    assert code == 0, err
    assert {p.name for p in out.iterdir()} == {
        "summary.json", "meta.json", "outcomes.parquet", "series.parquet", "scenario.yaml",
        ".sim-folder",
    }  # fmt: skip


def test_set_override_reaches_the_run(tmp_path):
    out = tmp_path / "r"
    args = ["run", str(BASELINE), "--set", "run.replicates=30", "--set", "run.seed=11"]
    code, _, err = call([*args, "--no-report", "--out", str(out)])
    assert code == 0, err
    s = json.loads((out / "summary.json").read_text())
    assert (s["replicates"], s["seed"]) == (30, 11)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-n", "0"], "must be at least 1 (got 0)"),
        (["-n", "-5"], "must be at least 1 (got -5)"),
        (["-n", "abc"], "must be a whole number (got 'abc')"),
        (["--seed", "-1"], "must be at least 0 (got -1)"),
        (["--workers", "0"], "must be at least 1 (got 0)"),
        (["--set", "actors.nobody.patience=0.9"], "actors.nobody.patience"),
        (["--set", "run.replicates=abc"], "expected an integer"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(argv, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = call(["run", str(BASELINE), *argv])
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert out == "" and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("make", ["missing", "directory", "not yaml"])
def test_missing_or_unreadable_scenario_is_exit_2(make, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "scen"
    if make == "directory":
        path.mkdir()
    elif make == "not yaml":
        path.write_bytes(b"\xff\xfe\x00garbage: [")
    code, _, err = call(["run", str(path), "-n", "10"])
    assert code == 2 and "Traceback" not in err
    assert "scen" in err
    assert not (tmp_path / "results").exists()


def test_out_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "taken"
    f.write_text("keep")
    code, _, err = call(["run", str(BASELINE), "-n", "10", "--out", str(f)])
    assert (code, err.strip()) == (2, f"error: --out {str(f)!r} is a file, not a folder")
    assert f.read_text() == "keep"


def test_report_on_a_non_results_folder_is_exit_2(tmp_path):
    code, _, err = call(["report", str(tmp_path)])
    assert code == 2 and "is not a results folder" in err
    assert list(tmp_path.iterdir()) == []
    code, _, err = call(["report", str(tmp_path / "nope")])
    assert code == 2 and "does not exist" in err


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_and_not_when_quiet(monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert cli._progress_bar(quiet=False) == (None, False)
    monkeypatch.setattr("sys.stderr", _Tty())
    assert cli._progress_bar(quiet=True) == (None, False)
    bar, update = cli._progress_bar(quiet=False)
    assert bar is not None and callable(update)
    update(50, 200)
    (task,) = bar.tasks
    assert (task.completed, task.total) == (50, 200)


@pytest.mark.slow
def test_a_killed_run_resumes_from_its_finished_chunks_and_matches_an_uninterrupted_one(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from sim.cli import main
    from sim.output.results import Results

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "run"
    chunks = tmp_path / ".run.chunks"
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "run",
        "tests/data/good/minimal.yaml",  # a chunk in 0.7 s: the baseline took 54 s here
        "-n",
        "40960",
        "--seed",
        "12",
    ]
    cmd += ["--out", str(out), "--quiet", "--no-report", "--trace", "3"]
    proc = subprocess.Popen(
        cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while len(list(chunks.glob("chunk-*.npz"))) < 2:
            assert proc.poll() is None, "the run finished before it could be interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert "sim run --resume" in err
    assert not out.exists()  # nothing that looks like finished results
    kept = {p.name: p.stat().st_mtime_ns for p in chunks.glob("chunk-*.npz")}
    assert 2 <= len(kept) < 10

    assert main(["run", "--resume", str(out), "--quiet", "--no-report"]) == 0
    assert not chunks.exists()  # cleaned up once the results are complete
    straight = tmp_path / "straight"
    args = [
        "run",
        str(root / "tests/data/good/minimal.yaml"),
        "-n",
        "40960",
        "--seed",
        "12",
        "--trace",
        "3",
    ]
    assert main([*args, "--out", str(straight), "--quiet", "--no-report"]) == 0
    a, b = Results.load(out), Results.load(straight)
    pd.testing.assert_frame_equal(a.outcomes, b.outcomes)
    assert a.traces == b.traces


def test_resume_refuses_extra_settings_and_missing_checkpoints(tmp_path, capsys):
    from sim.cli import main

    assert main(["run", "--resume", str(tmp_path / "nothing")]) == 2
    assert "no interrupted run to resume" in capsys.readouterr().err
    assert main(["run", "scenarios/baseline.yaml", "--resume", str(tmp_path / "x")]) == 2
    assert "leave out SCENARIO" in capsys.readouterr().err
