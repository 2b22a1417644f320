"""Small frictions of a first afternoon (issue 21): progress bars name what they count, results
objects print in a few lines, the ``wrote`` line lists every file written."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile import BASELINE, MINI, call

import sim
import sim.cli.calibrate
import sim.cli.compare
import sim.cli.history
import sim.cli.run
import sim.cli.sweep
from sim.cli.options import progress_bar

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "scenarios" / "history" / "gaza_2012.yaml"
PRIOR, SANCTIONS = "actors.russia.stalling.prior", "pressures.sanctions.cost"


class _Asked(Exception):
    """Raised by the stand-in progress bar: the verb stops where its bar would start."""


@pytest.mark.parametrize(
    ("module", "argv", "unit"),
    [
        (sim.cli.run, ["run", str(MINI), "-n", "100"], "replicates"),
        (sim.cli.compare, ["compare", str(MINI), str(BASELINE), "-n", "100"], "replicates"),
        (sim.cli.sweep, ["sweep", str(MINI), "--vary", "actors.a.support=0:1:3"], "sweep points"),
        (
            sim.cli.compare,
            ["sensitivity", str(BASELINE), "--method", "morris"],
            "sensitivity points",
        ),
        (sim.cli.history, ["hindcast", str(CASE), "-n", "100"], "hindcast cases"),
        (
            sim.cli.calibrate,
            ["calibrate", str(CASE), "--param", "negotiation.lookahead_days=30:90:2"],
            "case runs",
        ),
    ],
)
def test_each_verb_names_what_its_progress_bar_counts(monkeypatch, tmp_path, module, argv, unit):
    asked: list[str] = []

    def bar(quiet: bool, unit: str = "replicates"):
        asked.append(unit)
        raise _Asked

    monkeypatch.setattr(module, "progress_bar", bar)
    call([*argv, "--out", str(tmp_path / "out")])
    assert asked == [unit]


def test_the_bar_shows_its_unit(monkeypatch):
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    bar, update = progress_bar(quiet=False, unit="hindcast cases")
    assert [t.description for t in bar.tasks] == ["hindcast cases"]
    update(3, 31)
    assert (bar.tasks[0].completed, bar.tasks[0].total) == (3, 31)


def test_results_objects_print_in_a_few_lines(tmp_path):
    w = sim.sweep(
        str(MINI), ["actors.a.support=0.2:0.8:3"], replicates=100, seed=1, out=tmp_path / "w"
    )
    c = sim.compare([str(MINI)], variants=["actors.a.support=0.3"], replicates=100, seed=1)
    k = sim.sensitivity(
        str(BASELINE), method="morris", samples=2, replicates=50, params=[PRIOR, SANCTIONS]
    )
    h = sim.hindcast([str(CASE)], replicates=100)
    for obj, needle in (
        (k, "(morris) of 'Russia–Ukraine ceasefire talks, late April 2025 (baseline)': 2 inputs"),
        (h, "<HindcastResults: 1 case, 100 replicates each"),
        (w, "3 points, grid over actors.a.support (0.2 to 0.8)"),
        (c, "2 scenarios (base, actors.a.support=0.3), 100 replicates each"),
        (sim.run(sim.load_scenario(MINI), replicates=100, seed=1), "100 replicates, seed 1"),
    ):
        text = repr(obj)
        assert str(obj) == text
        assert len(text.splitlines()) <= 3 and len(text) < 400, text
        assert needle in text


def test_a_resumed_run_keeps_the_overrides_its_headline_names(tmp_path):
    from sim.model.scenario.loader import overrides_of
    from sim.studies.outputs import plan_run, resume_run

    out = tmp_path / "run"
    job = plan_run(str(MINI), ["actors.b.optimism=0.2"], replicates=100, seed=1, out=out)
    job.begin()
    job.release()  # as if interrupted before any chunk finished
    again = resume_run(out)
    try:
        assert overrides_of(again.scenario) == ("actors.b.optimism=0.2",)
    finally:
        again.release()
