"""Nothing clipped: every text of every figure the verbs save lies inside the figure, long
titles and labels are wrapped (never cut), intervals stop at their support, counts tick as
integers."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
from figure_bounds import texts_outside
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

from sim.output.plots import figure_bytes, make_figures, new_axes
from sim.output.plots.sensitivity import plot_indices

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
def verbs(every_verb: Any) -> tuple[list[tuple[str, Figure]], dict[str, str]]:
    """Every figure the verbs save and what each printed (tests/every_verb.py)."""
    return every_verb.figures, every_verb.printed


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
