"""What makes a hindcast faster without changing it: the costliest cases start first, and a case
kept by the checkpoint is copied into the output instead of being written again."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.io.folders import read_marker
from sim.io.readback import copy_sealed, sealed_problem
from sim.studies import cells
from sim.studies.hindcast_runs import case_cost, longest_first

ROOT = Path(__file__).resolve().parents[1]
CYPRUS = ROOT / "scenarios" / "history" / "cyprus_1974.yaml"


def test_the_costliest_cases_come_first_and_ties_keep_their_order():
    assert longest_first([1.0, 5.0, 3.0, 5.0]) == [1, 3, 2, 0]
    assert longest_first([]) == []


def test_daily_talks_and_more_issues_cost_more():
    daily = sim.load_scenario(CYPRUS)  # talks can meet every day, three issues
    weekly = sim.load_scenario(CYPRUS, ["negotiation.every_days=7", "proposals.1.every_days=7"])
    assert case_cost(daily) > 5 * case_cost(weekly)
    assert case_cost(daily) == pytest.approx(2 * 365 * 3)  # the talks and one standing call


def test_cases_side_by_side_start_costliest_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from sim.studies.hindcast import hindcast

    files = [ROOT / "scenarios" / "history" / f for f in ("korea_1951.yaml", "cyprus_1974.yaml")]
    real, order = cells.run_jobs, []

    def spy(fn, jobs, *a, **kw):
        order.extend(job[0].name for job in jobs.values())
        return real(fn, jobs, *a, **kw)

    monkeypatch.setattr(cells, "run_jobs", spy)
    res = hindcast([str(f) for f in files], replicates=64, seed=2, workers=2)
    assert order == [sim.load_scenario(files[1]).name, sim.load_scenario(files[0]).name]
    assert [c["file"] for c in res.cases] == [str(f) for f in files]  # rows in the given order


def test_a_sealed_folder_is_copied_whole_and_a_changed_one_not_at_all(tmp_path: Path):
    r = sim.run(sim.load_scenario(CYPRUS), replicates=64, seed=1, workers=1, progress=False)
    src = r.save(tmp_path / "run")
    assert copy_sealed(src, tmp_path / "copy")
    for f in src.iterdir():
        assert (tmp_path / "copy" / f.name).read_bytes() == f.read_bytes()
    with open(src / "summary.json", "a", encoding="utf-8") as f:
        f.write(" ")
    assert not copy_sealed(src, tmp_path / "copy2")
    assert not (tmp_path / "copy2").exists()
    assert not copy_sealed(tmp_path / "missing", tmp_path / "copy3")


def test_the_cli_hindcast_output_holds_each_case_run_as_sealed(tmp_path: Path):
    out = tmp_path / "hc"
    files = [str(ROOT / "scenarios" / "history" / "korea_1951.yaml")]
    assert main(["hindcast", *files, "-n", "64", "--seed", "2", "--quiet", "--out", str(out)]) == 0
    run = out / "runs" / "korea_1951"
    files_sealed = read_marker(run)["files"]
    assert {"summary.json", "meta.json", "outcomes.parquet"} <= set(files_sealed)
    assert all(sealed_problem(run, n) == "" for n in files_sealed)
    assert sim.Results.load(run).n == 64
