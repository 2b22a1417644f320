"""Plots: each plot_x(results, ax=None) returns a labelled Axes; figures are saved as PNG and SVG."""

from __future__ import annotations

import sys
import warnings

import matplotlib.dates as mdates
import numpy as np
import pytest
from conftest import make_results
from figure_bounds import texts_outside
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim.output import plots
from sim.output.plots.hindcast import case_grid, plot_case_curves
from sim.output.plots.style import figure_bytes


def _texts(ax: Axes) -> str:
    """Every piece of text drawn on the axes' figure (tick labels, annotations, titles)."""
    return " ".join(t.get_text() for t in ax.figure.findobj(Text))


def _tick_labels_overlap(ax: Axes) -> bool:
    ax.figure.canvas.draw()
    r = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(r) for t in ax.get_xticklabels() if t.get_text()]
    return any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


@pytest.mark.parametrize(
    "fn",
    [
        plots.plot_ceasefire_curve,
        plots.plot_control_fan,
        plots.plot_obstruction,
        plots.plot_durability,
    ],
)
def test_plot_draws_on_the_given_axes_and_returns_it(fn, synthetic_results):
    fig = Figure()
    ax = fig.add_subplot()
    assert fn(synthetic_results, ax=ax) is ax
    assert ax.get_title(loc="left")
    assert ax.has_data()


def test_plots_make_their_own_figure_without_pyplot(synthetic_results):
    ax = plots.plot_ceasefire_curve(synthetic_results)
    assert isinstance(ax.figure, Figure)
    pyplot = sys.modules.get("matplotlib.pyplot")
    assert pyplot is None or pyplot.get_fignums() == []


def test_ceasefire_curve_ends_at_the_summary_probability(synthetic_results):
    ax = plots.plot_ceasefire_curve(synthetic_results)
    agreed, in_force = ax.get_lines()[:2]
    p = synthetic_results.summary()["p_ceasefire"]["estimate"]
    assert agreed.get_ydata()[-1] == pytest.approx(p)
    assert in_force.get_ydata()[-1] == pytest.approx(
        synthetic_results.series["p_in_force"].iloc[-1]
    )
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    assert ax.get_ylim() == (0, 1)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "95% confidence band" in labels and "ceasefire in force" in labels
    assert not _tick_labels_overlap(ax)


def test_terms_panel_uses_real_units_and_labels_the_ends(synthetic_results):
    ax = plots.plot_terms(synthetic_results, "neutrality")
    assert ax.get_xlim() == (0, 1)
    assert "← aligned" in _texts(ax) and "neutral →" in _texts(ax)
    ax = plots.plot_terms(synthetic_results, "territory")
    assert ax.get_xlim() == (0, 30)
    assert ax.get_xlabel() == "territory (% of A's land held by B)"
    assert "←" not in _texts(ax)  # numeric ends say nothing the axis does not
    heights = [p.get_height() for p in ax.patches]
    assert sum(heights) == pytest.approx(1.0)  # shares of agreements
    with pytest.raises(ValueError, match="no issue 'water'"):
        plots.plot_terms(synthetic_results, "water")


def test_terms_grid_has_one_visible_panel_per_issue(synthetic_results):
    fig = plots.plot_terms_grid(synthetic_results)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in visible] == [
        "Agreed terms: territory held by B",
        "Agreed terms: A's alignment",
    ]


def test_terms_without_any_agreement_say_so():
    r = make_results(n=40)
    r.outcomes["ceasefire"] = False
    ax = plots.plot_terms(r, "territory")
    assert "no ceasefire was agreed" in _texts(ax)


def test_control_fan_band_brackets_the_centre(synthetic_results):
    ax = plots.plot_control_fan(synthetic_results)
    (line,) = ax.get_lines()
    s = synthetic_results.series
    np.testing.assert_allclose(line.get_ydata(), s["control_mean"])
    assert np.all(s["control_p10"] <= s["control_mean"]) and np.all(
        s["control_mean"] <= s["control_p90"]
    )
    lo, hi = ax.get_ylim()  # zoomed to the band, inside the issue's range, which is named
    assert 0 <= lo <= s["control_p10"].min() and s["control_p90"].max() <= hi <= 30
    assert hi - lo < 30
    assert "% of A's land held by B" in ax.get_ylabel().replace("\n", " ")
    assert "full range 0–30" in ax.get_ylabel()
    assert not _tick_labels_overlap(ax)


def test_control_fan_without_front_line_says_so():
    ax = plots.plot_control_fan(make_results(n=40, front_line=False))
    assert "no front line" in _texts(ax)
    assert not ax.get_lines()


def test_obstruction_bars_are_shares_by_actor_name(synthetic_results):
    ax = plots.plot_obstruction(synthetic_results)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    widths = dict(zip(labels, (p.get_width() for p in ax.patches), strict=True))
    o = synthetic_results.outcomes
    assert widths["Russia obstructed most often"] == pytest.approx(
        (o["obstructed_by"] == "russia").mean()
    )
    assert widths["no threat carried out"] == pytest.approx((o["threats_fired"] == 0).mean())
    assert "threats in play: cut aid; raise sanctions" in ax.get_xlabel()


def test_obstruction_prefers_named_threat_columns(synthetic_results):
    synthetic_results.outcomes["fired.cut aid"] = np.arange(500) % 4 == 0
    ax = plots.plot_obstruction(synthetic_results)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "threat carried out: cut aid" in labels and "no threat carried out" not in labels


def test_no_threat_bars_for_a_scenario_without_threats(synthetic_results):
    synthetic_results.meta["threats"] = []
    ax = plots.plot_obstruction(synthetic_results)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert not [x for x in labels if "threat" in x]


def test_durability_curve_starts_at_one_and_falls(synthetic_results):
    ax = plots.plot_durability(synthetic_results)
    y = ax.get_lines()[0].get_ydata()
    assert y[0] == 1.0 and y[-1] < 0.5
    assert np.all(np.diff(y) <= 0)
    assert "censored at the horizon" in ax.get_xlabel()


def test_durability_without_ceasefires_says_so():
    r = make_results(n=40)
    r.outcomes["ceasefire_day"] = np.nan
    r.outcomes["ceasefire"] = False
    assert "no ceasefire" in _texts(plots.plot_durability(r))


def test_save_figures_writes_png_and_svg_for_each_figure(synthetic_results, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pngs = plots.save_figures(synthetic_results, tmp_path)
    assert sorted(pngs) == sorted(plots.FIGURES)
    paths = list((tmp_path / "figures").iterdir())
    assert sorted(p.name for p in paths) == sorted(
        f"{n}.{ext}" for n in plots.FIGURES for ext in ("png", "svg")
    )
    for p in paths:
        data = p.read_bytes()
        if p.suffix == ".png":
            assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
            assert data == pngs[p.stem]
        else:
            assert b"<svg" in data[:1000]


def test_figures_are_reproducible_byte_for_byte(synthetic_results):
    fig1 = plots.plot_ceasefire_curve(synthetic_results).figure
    fig2 = plots.plot_ceasefire_curve(synthetic_results).figure
    assert plots.figure_bytes(fig1, "svg") == plots.figure_bytes(fig2, "svg")
    assert plots.figure_bytes(fig1, "png") == plots.figure_bytes(fig2, "png")


def _case(name: str, realised: int | None) -> dict[str, object]:
    cdf = 1.0 - np.exp(-np.arange(365) / 200.0)
    return {"name": name, "cdf": cdf.tolist(), "cdf_lognormal": (0.8 * cdf).tolist(),
            "war_began": "2020-01-01", "war_age_days": 1234, "realised_day": realised}  # fmt: skip


@pytest.mark.parametrize("k", [1, 4, 7, 31])
def test_the_case_grid_keeps_titles_clear_of_the_labels_above_them(k):
    # names that wrap to three lines, plus the war's age: four-line titles, the longest written
    long = "Civil war between the government and the insurgents of the north-eastern provinces (hindcast)"
    fig = plot_case_curves([_case(f"{long} {i}", 100 if i % 2 else None) for i in range(k)])
    figure_bytes(fig)  # wraps what does not fit, as saved
    fig.draw_without_rendering()  # positions at the figure's own dpi, to measure
    axes = [ax for ax in fig.axes if ax.get_visible()]
    _, cols, _ = case_grid(k)
    assert len(axes) == k and max(ax.get_title().count("\n") for ax in axes) == 3
    r = fig.canvas.get_renderer()
    top = fig.texts[0].get_window_extent(r)  # the suptitle
    for i, ax in enumerate(axes):
        title = ax.title.get_window_extent(r)
        below = axes[i + cols] if i + cols < k else None
        if i < cols:
            assert title.y1 < top.y0  # the first row's titles clear the figure's title
        if below is not None:
            label = ax.xaxis.label.get_window_extent(r)
            assert below.title.get_window_extent(r).y1 < label.y0  # clear of the label above
        assert ax.get_window_extent(r).height > 100  # the axes keep most of the panel (px)
    assert texts_outside(fig) == []
