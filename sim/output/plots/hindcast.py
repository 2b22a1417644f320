"""Figures of a hindcast: calibration over the cases (per case, binned, PIT), and each case's forecast against its record."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..skill import happened
from .style import BLUE, GREEN, GREY, ORANGE, VERMILION, axes_or_new, new_figure, styled, wrap

__all__ = [
    "hindcast_figures",
    "plot_calibration",
    "plot_case_curves",
    "plot_pit",
    "plot_reliability",
    "reliability_bins",
]

# forecaster key in a case's row -> (name in the figures, colour, marker)
LOOKS = {
    "model": ("sim", BLUE, "o"),
    "base": ("constant hazard (CoW median)", ORANGE, "s"),
    "lognormal": ("lognormal by war age (CoW)", GREEN, "^"),
}
EDGES = np.linspace(0.0, 1.0, 6)  # forecast probability bins of the reliability diagram


def _outcomes(cases: list[dict[str, Any]]) -> np.ndarray:
    """1 where a ceasefire came by the horizon, else 0."""
    return np.array([1.0 if happened(c) else 0.0 for c in cases])


def _present(cases: list[dict[str, Any]]) -> list[str]:
    """The forecasters every case was scored for (older hindcasts have no lognormal)."""
    return [f for f in LOOKS if cases and all(f in c for c in cases)]


def reliability_bins(
    p: np.ndarray, y: np.ndarray, edges: np.ndarray = EDGES
) -> list[dict[str, float]]:
    """Forecasts binned by probability (the last bin closed): per non-empty bin the number of
    cases, their mean forecast, the share with the event and its Wilson 95% interval."""
    from ..stats import wilson

    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    out = []
    for b in range(len(edges) - 1):
        m = idx == b
        if m.any():
            share, low, high = wilson(int(y[m].sum()), int(m.sum()))
            mean_p, n = float(p[m].mean()), int(m.sum())
            edge = {"lo": float(edges[b]), "hi": float(edges[b + 1])}
            out.append({**edge, "n": n, "mean_p": mean_p, "share": share, "low": low, "high": high})
    return out


@styled
def plot_calibration(cases: list[dict[str, Any]], ax: Axes | None = None) -> Axes:
    """Forecast P(ceasefire by the horizon) against what happened (0 or 1), per case, for the
    model and the base rates."""
    ax = axes_or_new(ax, (7.0, 4.5))
    ys = _outcomes(cases)
    jitter = np.linspace(-0.04, 0.04, len(cases)) if len(cases) > 1 else np.zeros(1)
    ax.plot([0, 1], [0, 1], color=GREY, lw=1, ls="--", label="perfect calibration")
    for i, f in enumerate(_present(cases)):
        name, colour, marker = LOOKS[f]
        shift = (1 - i) * jitter  # model above, lognormal below the line of its outcome
        ps = [c[f]["p"] for c in cases]
        ax.scatter(ps, ys + shift, color=colour, marker=marker, s=36, label=name, zorder=3)
    for c, y, j in zip(cases, ys, jitter, strict=True):
        ax.annotate(
            wrap(c["name"], 30),
            (c["model"]["p"], y + j),
            fontsize=7,
            xytext=(4, 2),
            textcoords="offset points",
        )
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.15, 1.15)
    ax.set_yticks([0, 1], ["no ceasefire\nby the horizon", "ceasefire\nby the horizon"])
    ax.set_xticks(np.linspace(0, 1, 6), [f"{int(100 * x)}%" for x in np.linspace(0, 1, 6)])
    ax.set_xlabel("forecast P(ceasefire by the horizon), %")
    ax.set_ylabel("what happened")
    ax.set_title("Hindcast calibration: forecasts against the record")
    ax.legend(loc="center right", fontsize=8)
    return ax


@styled
def plot_reliability(cases: list[dict[str, Any]], ax: Axes | None = None) -> Axes:
    """Reliability diagram: cases binned by forecast P(ceasefire by the horizon); per bin the
    share with a ceasefire (Wilson 95% bars) against the mean forecast, with the count."""
    ax = axes_or_new(ax, (6.0, 4.5))
    ys = _outcomes(cases)
    ax.plot([0, 100], [0, 100], color=GREY, lw=1, ls="--", label="perfect reliability")
    for i, f in enumerate(_present(cases)):
        name, colour, marker = LOOKS[f]
        bins = reliability_bins(np.array([c[f]["p"] for c in cases]), ys)
        x = np.array([100 * b["mean_p"] for b in bins]) + (i - 1) * 0.8  # keep bars apart
        y, lo, hi = (np.array([100 * b[k] for b in bins]) for k in ("share", "low", "high"))
        err = np.vstack([y - lo, hi - y])
        ax.errorbar(
            x, y, yerr=err, color=colour, marker=marker, ls="-", lw=1, capsize=3, label=name
        )
        for xi, yi, b in zip(x, y, bins, strict=True):
            ax.annotate(f"n={b['n']}", (xi, yi), fontsize=7, color=colour, xytext=(4, -10),
                        textcoords="offset points")  # fmt: skip
    ax.set_xlim(-3, 103)
    ax.set_ylim(-3, 103)
    ax.set_xlabel("forecast P(ceasefire by the horizon), mean in the bin, %")
    ax.set_ylabel("cases with a ceasefire by the horizon, %")
    ax.set_title("Reliability: binned forecasts against outcomes")
    ax.legend(loc="upper left", fontsize=7)
    return ax


@styled
def plot_pit(cases: list[dict[str, Any]], ax: Axes | None = None) -> Axes:
    """Histogram of the mid-PIT of the realised day over the cases, per forecaster (a
    calibrated forecaster's PIT is spread evenly over 0-1)."""
    ax = axes_or_new(ax, (6.0, 4.5))
    present = _present(cases)
    width = 0.2 / (len(present) + 1)
    for i, f in enumerate(present):
        name, colour, _ = LOOKS[f]
        counts, _ = np.histogram([c[f]["pit"] for c in cases], bins=EDGES)
        ax.bar(EDGES[:-1] + (i + 1) * width, counts, width=width, color=colour, label=name)
    ax.axhline(len(cases) / (len(EDGES) - 1), color=GREY, ls="--", lw=1, label="even (calibrated)")
    ax.set_xticks(EDGES)
    ax.set_xlabel("PIT of the realised day (mid-PIT, 0-1)")
    ax.set_ylabel("cases")
    ax.set_title("PIT of the realised ceasefire day")
    ax.legend(loc="upper center", fontsize=7)
    return ax


# The case grid's layout in inches, fixed rather than solved: every panel is the same, and a
# constrained layout of a library's 173 panels took 5 of the 11 s the figure took to draw.
PANEL = (3.4, 2.6)  # a panel's cell: the axes and the room for its labels
ROOM = {"left": 0.6, "right": 0.15, "top": 1.25, "bottom": 0.45}  # the figure's margins
# between panels: across, the next panel's y label and ticks; down, this panel's x label and
# the next one's title (up to four lines)
GAP = (0.75, 1.1)


def case_grid(k: int) -> tuple[int, int, dict[str, float]]:
    """(rows, cols, gridspec parameters) of the grid of ``k`` case panels, laid out in inches
    (``PANEL``, ``ROOM``, ``GAP``) for a figure of PANEL[0] cols by PANEL[1] rows + 0.6 inches."""
    cols = min(3 if k <= 30 else 4, k)  # a library of 52 cases: 13 rows rather than 18
    rows = math.ceil(k / cols)
    width, height = PANEL[0] * cols, PANEL[1] * rows + 0.6
    ax_w = (width - ROOM["left"] - ROOM["right"] - (cols - 1) * GAP[0]) / cols
    ax_h = (height - ROOM["top"] - ROOM["bottom"] - (rows - 1) * GAP[1]) / rows
    grid = {"left": ROOM["left"] / width, "right": 1.0 - ROOM["right"] / width}
    grid |= {"top": 1.0 - ROOM["top"] / height, "bottom": ROOM["bottom"] / height}
    return rows, cols, grid | {"wspace": GAP[0] / ax_w, "hspace": GAP[1] / ax_h}


def plot_case_curves(cases: list[dict[str, Any]], fig: Figure | None = None) -> Figure:
    """Each case's forecast P(first ceasefire by day d), the base rates' and the realised day,
    one panel a case on a grid laid out in inches (``case_grid``; a figure passed in is laid
    out the same way, its layout engine turned off)."""
    k = len(cases)
    rows, cols, grid = case_grid(k)
    fig = fig or new_figure((PANEL[0] * cols, PANEL[1] * rows + 0.6))
    fig.set_layout_engine("none")
    axes = fig.subplots(rows, cols, squeeze=False, gridspec_kw=grid)
    for i, c in enumerate(cases):
        ax = axes[i // cols][i % cols]
        cdf = np.asarray(c["cdf"])
        d = np.arange(len(cdf))
        ax.plot(d, 100 * cdf, color=BLUE, lw=1.6, label=LOOKS["model"][0])
        base = 1.0 - np.power(2.0, -(d + 1) / c.get("base_median_days", 139.0))
        ax.plot(d, 100 * base, color=ORANGE, lw=1, ls="--", label="constant hazard")
        age = c.get("war_age_days", 0)
        if "cdf_lognormal" in c:
            logn = 100 * np.asarray(c["cdf_lognormal"])
            ax.plot(d, logn, color=GREEN, lw=1, ls=":", label="lognormal by war age")
        _mark_outcome(ax, c["realised_day"], len(cdf))
        old = f"war {age} days old" if c.get("war_began") else "war's start not given"
        ax.set_title(f"{wrap(c['name'], 44)}\n({old})", fontsize=8)
        ax.set_ylim(0, 100)
        ax.set_xlabel("days after the snapshot", fontsize=8)
        ax.set_ylabel("P(ceasefire by day), %", fontsize=8)
        ax.tick_params(labelsize=7)
        if i == 0:
            ax.legend(fontsize=6, loc="upper left")
    for j in range(k, rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    fig.suptitle(
        "Each case: the forecasts against the record", fontweight="bold", x=0.01, ha="left"
    )
    return fig


def _mark_outcome(ax: Axes, real: int | None, horizon_days: int) -> None:
    if real is not None and real < horizon_days:
        ax.axvline(real, color=VERMILION, lw=1.2, label="ceasefire in force")
    else:
        ax.text(0.98, 0.05, "none by the horizon", transform=ax.transAxes, ha="right",
                fontsize=7, color=VERMILION)  # fmt: skip


def hindcast_figures(cases: list[dict[str, Any]]) -> dict[str, bytes]:
    """The hindcast report's figures as PNG bytes: calibration (per case), reliability (binned,
    with the PIT histogram beside it) and the cases' curves."""
    from .style import figure_bytes

    calib = new_figure((7.0, 4.5))
    plot_calibration(cases, ax=calib.add_subplot())
    rel = new_figure((11.0, 4.5))
    left, right = rel.subplots(1, 2)
    plot_reliability(cases, ax=left)
    plot_pit(cases, ax=right)
    return {
        "calibration": figure_bytes(calib),
        "reliability": figure_bytes(rel),
        "cases": figure_bytes(plot_case_curves(cases)),
    }
