"""Figures of a hindcast: calibration over the cases, and each case's forecast against its record."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .style import BLUE, GREY, ORANGE, VERMILION, axes_or_new, new_figure, styled

__all__ = ["plot_calibration", "plot_case_curves"]


@styled
def plot_calibration(cases: list[dict[str, Any]], ax: Axes | None = None) -> Axes:
    """Forecast P(ceasefire by the horizon) against what happened (0 or 1), model and base rate."""
    ax = axes_or_new(ax, (7.0, 4.5))
    ys = np.array(
        [
            0.0 if c["realised_day"] is None or c["realised_day"] >= c["horizon_days"] else 1.0
            for c in cases
        ]
    )
    jitter = np.linspace(-0.04, 0.04, len(cases)) if len(cases) > 1 else np.zeros(1)
    ax.plot([0, 1], [0, 1], color=GREY, lw=1, ls="--", label="perfect calibration")
    ax.scatter(
        [c["model"]["p"] for c in cases], ys + jitter, color=BLUE, s=40, label="sim", zorder=3
    )
    ax.scatter(
        [c["base"]["p"] for c in cases],
        ys - jitter,
        color=ORANGE,
        marker="s",
        s=30,
        label="base rate",
        zorder=3,
    )
    for c, y, j in zip(cases, ys, jitter, strict=True):
        ax.annotate(
            c["name"][:28],
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


def plot_case_curves(cases: list[dict[str, Any]], fig: Figure | None = None) -> Figure:
    """Each case's forecast P(first ceasefire by day d), the base rate's, and the realised day."""
    k = len(cases)
    cols = min(3, k)
    rows = math.ceil(k / cols)
    fig = fig or new_figure((3.4 * cols, 2.6 * rows + 0.6))
    axes = fig.subplots(rows, cols, squeeze=False)
    for i, c in enumerate(cases):
        ax = axes[i // cols][i % cols]
        cdf = np.asarray(c["cdf"])
        d = np.arange(len(cdf))
        ax.plot(d, 100 * cdf, color=BLUE, lw=1.6, label="sim")
        base = 1.0 - np.power(2.0, -(d + 1) / c.get("base_median_days", 139.0))
        ax.plot(d, 100 * base, color=ORANGE, lw=1, ls="--", label="base rate")
        real = c["realised_day"]
        if real is not None and real < len(cdf):
            ax.axvline(real, color=VERMILION, lw=1.2, label="ceasefire in force")
        else:
            ax.text(
                0.98,
                0.05,
                "none by the horizon",
                transform=ax.transAxes,
                ha="right",
                fontsize=7,
                color=VERMILION,
            )
        ax.set_title(c["name"][:40], fontsize=9)
        ax.set_ylim(0, 100)
        ax.set_xlabel("days after the snapshot", fontsize=8)
        ax.set_ylabel("P(ceasefire by day), %", fontsize=8)
        ax.tick_params(labelsize=7)
        if i == 0:
            ax.legend(fontsize=7, loc="upper left")
    for j in range(k, rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    fig.suptitle("Each case: the forecast against the record", fontweight="bold", x=0.01, ha="left")
    return fig
