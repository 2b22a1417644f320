"""Figures of a scenario discovery: the coverage/density trade-off and the chosen box."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .style import BLUE, GREY, VERMILION, axes_or_new, note, styled

# ``d`` below is a sim.output.discoveries.Discovery (not imported: that module imports this one).
__all__ = ["plot_box", "plot_tradeoff"]


@styled
def plot_tradeoff(d: Any, ax: Axes | None = None) -> Axes:
    """Coverage against density along PRIM's peeling trajectory; the chosen box marked."""
    ax = axes_or_new(ax, (7.0, 4.5))
    t = d.trajectory
    sc = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=22, zorder=3)
    bar = ax.figure.colorbar(sc, ax=ax, label="inputs restricted")
    bar.locator = MaxNLocator(integer=True)  # a count: whole ticks only, never 2.5
    bar.update_ticks()
    c = d.chosen
    ax.scatter(
        [c["coverage"]],
        [c["density"]],
        s=160,
        facecolors="none",
        edgecolors=VERMILION,
        linewidths=2,
        zorder=4,
        label=f"chosen box ({d.box})",
    )
    ax.axhline(d.base_rate, color=GREY, ls="--", lw=1, label=f"base rate {100 * d.base_rate:.1f}%")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(min(d.base_rate, float(t["density"].min())) - 0.05, 1.02)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("coverage: share of the futures with the outcome that lie in the box")
    ax.set_ylabel("density: share of the box\nwith the outcome")
    ax.set_title(textwrap.fill(f"PRIM trade-off for {d.wording}", 70))
    ax.legend(loc="lower left", fontsize=9)
    return ax


@styled
def plot_box(d: Any, ax: Axes | None = None) -> Axes:
    """Each restricted input: its sampled range (grey) and the box's limits (coloured), in real units."""
    k = len(d.restrictions)
    ax = axes_or_new(ax, (8.0, 1.2 + 0.55 * max(k, 1)))
    ax.set_title(textwrap.fill(f"What must be true for {d.wording}", 70))
    if not k:
        return note(ax, "no input region is markedly richer in this outcome")
    y = np.arange(k)[::-1]
    for yi, r in zip(y, d.restrictions, strict=True):
        span = (r.sampled_hi - r.sampled_lo) or 1.0
        lo = r.lo if r.lo is not None else r.sampled_lo
        hi = r.hi if r.hi is not None else r.sampled_hi
        a, b = (lo - r.sampled_lo) / span, (hi - r.sampled_lo) / span
        ax.barh(yi, 1.0, left=0.0, height=0.5, color=GREY, alpha=0.25)
        ax.barh(yi, b - a, left=a, height=0.5, color=BLUE)
        ax.annotate(
            r.sampled().split(" to ")[0],
            (0, yi),
            xytext=(-3, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=8,
            color=GREY,
        )
        ax.annotate(
            r.sampled().split(" to ")[1],
            (1, yi),
            xytext=(3, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=8,
            color=GREY,
        )
        ax.annotate(r.limits(), ((a + b) / 2, yi + 0.3), ha="center", va="bottom", fontsize=8)
    labels = [textwrap.fill(r.label, 38) for r in d.restrictions]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlim(-0.12, 1.12)
    ax.set_ylim(-0.7, k - 0.1)
    ax.set_xticks([])
    ax.grid(False)
    c = d.chosen
    ax.set_xlabel(
        textwrap.fill(
            f"sampled range of each input (grey) and the box (blue): {100 * c['density']:.0f}% of "
            f"the futures in the box reach it (base {100 * d.base_rate:.0f}%), "
            f"{100 * c['coverage']:.0f}% of those that reach it are in the box",
            120,
        ),
        fontsize=8,
    )
    return ax
