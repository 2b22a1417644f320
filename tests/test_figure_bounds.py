"""Nothing clipped: every text of every figure the verbs save lies inside the figure, long
titles and labels are wrapped (never cut), intervals stop at their support, counts tick as
integers."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
from figure_bounds import texts_outside
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

from sim.cli import main
from sim.output.plots import figure_bytes, make_figures, new_axes
from sim.output.plots.sensitivity import plot_indices

ROOT = Path(__file__).resolve().parents[1]
BASE = str(ROOT / "scenarios" / "baseline.yaml")
HISTORY = ROOT / "scenarios" / "history"
LONG = "What drives median days to a ceasefire: top 15 of 55 inputs, " * 3


def test_a_title_and_label_longer_than_the_figure_are_wrapped_not_cut():
    ax = new_axes()
    ax.set_title(LONG)
    ax.set_xlabel("Morris μ*: mean absolute change in median days to a ceasefire (days), " * 2)
    assert texts_outside(ax.figure) != []  # as drawn, they run off the figure
    figure_bytes(ax.figure)
    assert texts_outside(ax.figure) == []
    assert ax.get_title().replace("\n", " ") == LONG.strip()  # every word kept
    assert ax.get_title().count("\n") >= 2


def test_every_figure_of_a_run_lies_inside_its_bounds(synthetic_results):
    for name, fig in make_figures(synthetic_results).items():
        figure_bytes(fig)
        assert texts_outside(fig) == [], name


class _Morris:
    """The part of SensitivityResults that plot_indices reads."""

    method, key = "morris", "mu_star"
    variance: ClassVar[dict[str, Any]] = {}

    def __init__(self) -> None:
        self.indices = pd.DataFrame(
            {
                "output": ["median_days"] * 3,
                "input": ["Russia: red line 'territory below 22.5' penalty " * 2, "b", "c"],
                "mu_star": [20.0, 5.0, 1.0],
                "mu_star_conf": [70.0, 2.0, 3.0],
            }
        )

    def top(self, output: str, k: int) -> pd.DataFrame:
        return self.indices.head(k)


def test_morris_error_bars_stop_at_zero_and_keep_the_upper_end():
    ax = plot_indices(_Morris(), "median_days")
    bars = next(c for c in ax.containers if isinstance(c, BarContainer))
    segments = bars.errorbar.lines[2][0].get_segments()
    lows = sorted(float(min(s[:, 0])) for s in segments)
    highs = sorted(float(max(s[:, 0])) for s in segments)
    assert min(lows) == 0.0  # 20 - 70 clipped at zero, not -50
    assert highs == [4.0, 7.0, 90.0]
    figure_bytes(ax.figure)
    assert texts_outside(ax.figure) == []


@pytest.fixture(scope="module")
def verbs(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[list[tuple[str, Figure]], dict[str, str]]:
    """Every figure the verbs save, recorded as savefig is called, and what each printed."""
    d = tmp_path_factory.mktemp("verbs")
    seen: list[tuple[str, Figure]] = []
    original = Figure.savefig
    now = {"verb": ""}

    def record(self: Figure, *args: Any, **kwargs: Any) -> None:
        seen.append((now["verb"], self))
        original(self, *args, **kwargs)

    cases = [str(HISTORY / "kargil_1999.yaml"), str(HISTORY / "korea_1951.yaml")]
    runs = {
        "run": ["run", BASE, "-n", "400", "--out", str(d / "run"), "--quiet"],
        "discover": ["discover", str(d / "run"), "--min-mass", "0.1"],
        "compare": ["compare", BASE, str(ROOT / "scenarios" / "us_walks_away.yaml"), "-n", "200",
                    "--out", str(d / "compare"), "--quiet"],
        "sweep": ["sweep", BASE, "--vary", "pressures.sanctions.level=0:1:2", "-n", "100",
                  "--out", str(d / "sweep"), "--quiet"],
        "sweep report": ["report", str(d / "sweep")],
        "sensitivity": ["sensitivity", BASE, "--method", "morris", "--samples", "2", "-n", "40",
                        "--params", "actors.russia.stalling.prior,pressures.sanctions.level,"
                        "actors.russia.red_lines.1.penalty", "--out", str(d / "sens"), "--quiet",
                        # deals many enough in 40 replicates for the outputs to vary
                        "--set", "negotiation.hidden_obstacles=false"],
        "as-of": ["run", str(HISTORY / "russia_ukraine_2025.yaml"), "-n", "4096", "--seed", "7",
                  "--as-of", "2025-07-01", "--out", str(d / "asof"), "--quiet"],
        "hindcast": ["hindcast", *cases, "-n", "200", "--out", str(d / "hindcast"), "--quiet"],
        "calibrate": ["calibrate", *cases, "--param", "negotiation.lookahead_days=30:330:2",
                      "-n", "100", "--out", str(d / "calibrate"), "--quiet"],
    }  # fmt: skip
    printed: dict[str, str] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Figure, "savefig", record)
        for verb, argv in runs.items():
            now["verb"] = verb
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                assert main([a for a in argv if a != "--quiet"]) == 0, argv
            printed[verb] = out.getvalue()
    return seen, printed


@pytest.fixture(scope="module")
def saved_figures(verbs: Any) -> list[tuple[str, Figure]]:
    return verbs[0]


@pytest.mark.slow
def test_what_every_verb_prints_fits_100_columns(verbs: Any):
    printed = verbs[1]
    assert set(printed) >= {"run", "compare", "sensitivity", "hindcast", "calibrate"}
    wide = {  # but the line naming the folder written, as long as its path
        v: [x for x in text.splitlines() if len(x) > 100 and not x.startswith("wrote ")]
        for v, text in printed.items()
    }
    assert {v: lines for v, lines in wide.items() if lines} == {}
    assert "red line 'territory below 22.5' penalty" in printed["sensitivity"]


@pytest.mark.slow
def test_every_figure_every_verb_saves_lies_inside_its_bounds(saved_figures):
    verbs = {verb for verb, _ in saved_figures}
    assert verbs >= {"run", "discover", "compare", "sweep", "sensitivity", "as-of", "hindcast",
                     "calibrate"}  # fmt: skip
    outside = {f"{verb} #{i}": texts_outside(fig) for i, (verb, fig) in enumerate(saved_figures)}
    assert {k: v for k, v in outside.items() if v} == {}


@pytest.mark.slow
def test_a_colour_bar_of_a_count_ticks_at_whole_numbers(saved_figures):
    bars = [
        ax
        for verb, fig in saved_figures
        if verb == "discover"
        for ax in fig.axes
        if ax.get_ylabel() == "inputs restricted"
    ]
    assert bars
    for ax in bars:
        ticks = ax.get_yticks()
        lo, hi = ax.get_ylim()
        shown = ticks[(ticks >= lo) & (ticks <= hi)]
        assert len(shown) >= 1 and np.allclose(shown, np.round(shown))
