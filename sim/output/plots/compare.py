"""Figures of a comparison: the paired differences with intervals, and the overlaid curves."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from .style import BLUE, GREY, ORANGE, axes_or_new, date_axis, new_figure, styled

__all__ = ["plot_curves", "plot_differences"]


def _rows(data: dict[str, Any]) -> list[tuple[str, str, float, float | None, float | None, str]]:
    """(panel, label, diff, lo, hi, unit) for every difference worth a row."""
    out = []
    for d in data["differences"]:
        lab = textwrap.fill(str(d["label"]), 28)
        for key, panel in (
            ("p_ceasefire", "ΔP(ceasefire by horizon)"),
            ("p_in_force_at_horizon", "ΔP(in force at horizon)"),
        ):
            e = d[key]
            if e["diff"] is not None:
                out.append(
                    (
                        panel,
                        lab,
                        100 * e["diff"],
                        None if e["ci_low"] is None else 100 * e["ci_low"],
                        None if e["ci_high"] is None else 100 * e["ci_high"],
                        "pts",
                    )
                )
        m = d["median_days"]
        if m["diff"] is not None:
            out.append(
                ("Δ median days to ceasefire", lab, m["diff"], m["ci_low"], m["ci_high"], "days")
            )
    return out


def plot_differences(data: dict[str, Any], ax: Axes | None = None) -> Axes:
    """One panel per measure; each variant a point with its 95% interval; zero marked."""
    rows = _rows(data)
    panels = list(dict.fromkeys(r[0] for r in rows)) or ["ΔP(ceasefire by horizon)"]
    variants = list(dict.fromkeys(r[1] for r in rows))
    base = data["scenarios"][0]["label"]
    if ax is not None:
        axes = [ax]
        panels = panels[:1]
    else:
        fig = new_figure((4.0 * len(panels), 1.6 + 0.6 * max(len(variants), 1)))
        axes = list(np.atleast_1d(fig.subplots(1, len(panels), sharey=True)))
    return _draw(axes, panels, variants, rows, base)


@styled
def _draw(
    axes: list[Axes], panels: list[str], variants: list[str], rows: list[Any], base: str
) -> Axes:
    y = {v: len(variants) - 1 - i for i, v in enumerate(variants)}
    for ax, panel in zip(axes, panels, strict=True):
        for _, lab, diff, lo, hi, unit in (r for r in rows if r[0] == panel):
            err = None if lo is None or hi is None else [[diff - lo], [hi - diff]]
            ax.errorbar([diff], [y[lab]], xerr=err, fmt="o", color=BLUE, capsize=4)
            ax.annotate(
                f"{diff:+.1f} {unit}",
                (diff, y[lab]),
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
        ax.axvline(0, color=GREY, lw=1, ls="--")
        ax.set_title(textwrap.fill(panel, 30), fontsize=10)
        ax.set_yticks(list(y.values()), list(y.keys()))
        ax.set_ylim(-0.7, len(variants) - 0.3)
        ax.set_xlabel("points" if "ΔP" in panel else "days")
        ax.grid(axis="y", visible=False)
    axes[0].figure.suptitle(
        f"Paired differences from {base} (95% intervals, common random numbers)",
        fontsize=11,
        fontweight="bold",
        x=0.01,
        ha="left",
    )
    return axes[0]


@styled
def plot_curves(labels: list[str], results: list[Any], ax: Axes | None = None) -> Axes:
    """Cumulative P(ceasefire by date) of every scenario, overlaid, each with its band."""
    ax = axes_or_new(ax, (8.0, 4.5))
    colors = [BLUE, ORANGE, "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", GREY]
    for k, (lab, r) in enumerate(zip(labels, results, strict=True)):
        days = np.arange(0, r.horizon_days + 1)
        p, lo, hi = r.ceasefire_km().incidence_at(days)
        x = np.datetime64(r.start, "D") + days.astype("timedelta64[D]")
        c = colors[k % len(colors)]
        ax.fill_between(x, lo, hi, step="post", alpha=0.15, color=c, lw=0)
        ax.step(x, p, where="post", color=c, lw=2, label=lab)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("P(ceasefire by this date)")
    date_axis(ax)
    ax.set_title("Probability of a ceasefire over time, by scenario (95% bands)")
    ax.legend(loc="upper left", fontsize=9)
    return ax
