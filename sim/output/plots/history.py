"""The figure of what history taught: prior against posterior for the inputs the record moved most."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ...errors import UsageError
from ..labels import input_label
from .style import BLUE, GREY, ORANGE, axes_or_new, date_axis, new_figure, styled, wrap

__all__ = ["plot_forecast_path", "plot_posterior"]

MOVERS = 6  # inputs shown


def _is_latent(x: np.ndarray) -> bool:
    """Whether an input is a latent type: every value drawn (NaN aside) is 0 or 1."""
    return set(np.unique(x[~np.isnan(x)])) <= {0.0, 1.0}


def _latent_bars(ax: Axes, row: dict[str, Any]) -> None:
    """A latent type's shares of no and yes, before and given the record, side by side."""
    ax.bar(
        [0, 1],
        [1 - row["prior"]["mean"], row["prior"]["mean"]],
        width=0.35,
        color=BLUE,
        alpha=0.5,
        label="before",
    )
    ax.bar(
        [0.35, 1.35],
        [1 - row["posterior"]["mean"], row["posterior"]["mean"]],
        width=0.35,
        color=ORANGE,
        label="given the record",
    )
    ax.set_xticks([0.17, 1.17], ["no", "yes"])
    ax.set_ylabel("share", fontsize=8)


def _densities(ax: Axes, x: np.ndarray, weights: np.ndarray) -> None:
    """An input's draws (filled histogram) and the same draws weighted by the record (outline)."""
    ok = ~np.isnan(x)
    bins: Any = np.histogram_bin_edges(x[ok], bins=30)  # matplotlib takes the array as is
    ax.hist(x[ok], bins=bins, density=True, color=BLUE, alpha=0.45, label="before")
    ax.hist(
        x[ok],
        bins=bins,
        weights=weights[ok],
        density=True,
        histtype="step",
        color=ORANGE,
        lw=1.6,
        label="given the record",
    )
    ax.set_ylabel("density", fontsize=8)


def _mover(ax: Axes, row: dict[str, Any], results: Any, legend: bool) -> None:
    """One panel: an input the record moved, before and after the evidence."""
    x = np.asarray(results.column(row["input"]), dtype=float)
    latent = _is_latent(x)
    if latent:
        _latent_bars(ax, row)
    else:
        _densities(ax, x, results.weights)
    ax.set_title(wrap(input_label(row["input"], results.meta), 40), fontsize=9)
    ax.set_xlabel("stalling type?" if latent else "value (the scenario's units)", fontsize=8)
    ax.tick_params(labelsize=7)
    if legend:
        ax.legend(fontsize=7)


def plot_posterior(results: Any) -> Figure:
    """For a run conditioned on the record (``Results.condition``): prior (the run's draws) and
    posterior (weighted by the record) of the inputs the evidence moved most."""
    table = results.summary().get("posterior") or []
    if results.weights is None or not table:
        raise UsageError(
            "plot_posterior needs a run conditioned on observations (Results.condition)"
        )
    rows = table[:MOVERS]
    k = max(len(rows), 1)
    cols = min(3, k)
    nrows = math.ceil(k / cols)
    fig = new_figure((3.3 * cols, 2.5 * nrows + 0.6))
    axes = fig.subplots(nrows, cols, squeeze=False)
    for i, row in enumerate(rows):
        _mover(axes[i // cols][i % cols], row, results, legend=i == 0)
    for j in range(len(rows), nrows * cols):
        axes[j // cols][j % cols].set_visible(False)
    fig.suptitle(
        "What the record taught: inputs before and after the evidence",
        fontweight="bold",
        x=0.01,
        ha="left",
    )
    return fig


@styled
def plot_forecast_path(results: Any, ax: Axes | None = None) -> Axes:
    """P(ceasefire by the horizon) conditioned on the record as of each date
    (``Results.forecast_path``), with its 95% interval; the effective sample size is written
    at each point."""
    ax = axes_or_new(ax)
    path, horizon = results.forecast_path(), results.horizon
    cond = results.meta.get("conditioning")
    end = min(dt.date.fromisoformat(cond["as_of"]), horizon) if cond else horizon
    ok = [p for p in path if p["consistent"] and p["estimate"] is not None]
    ok = ok + ok[-1:]  # the last forecast holds to the as-of date (nothing is known after it)
    days = [p["as_of"] for p in ok[:-1]] + [end.isoformat()]
    x = np.array(days, dtype="datetime64[D]")
    est = np.array([100 * p["estimate"] for p in ok])
    lo = np.array([100 * p["ci_low"] for p in ok])
    hi = np.array([100 * p["ci_high"] for p in ok])
    ax.fill_between(x, lo, hi, step="post", color=BLUE, alpha=0.2, label="95% interval")
    ax.step(x, est, where="post", color=BLUE, lw=2, label="forecast given the record")
    last = None
    for d, e, p in zip(x[:-1], est[:-1], ok[:-1], strict=True):
        if last is not None and (d - last).astype(int) < 10:
            continue  # labels of dates close together would overlap
        last = d
        ax.annotate(
            f"{p['ess']:,.0f}", (d, e), textcoords="offset points", xytext=(2, 5), fontsize=7,
            color=GREY,
        )  # fmt: skip
    for p in path:
        if not p["consistent"]:
            ax.axvline(
                float(mdates.date2num(dt.date.fromisoformat(p["as_of"]))),  # type: ignore[no-untyped-call]
                color=ORANGE,
                ls=":",
                lw=1,
            )
    if cond:
        ax.axvline(x[-1], color=GREY, lw=1, ls="--")
        ax.annotate(f"as of {end.isoformat()}", (x[-1], 97), xytext=(-3, 0), textcoords="offset points",
                    ha="right", va="top", fontsize=8, color=GREY)  # fmt: skip
    ax.set_xlim(mdates.date2num(results.start), mdates.date2num(horizon))  # type: ignore[no-untyped-call]  # not past it
    ax.set_ylim(0, 100)
    ax.set_xlabel("as of (date of the latest evidence used)")
    ax.set_ylabel(f"P(ceasefire by {horizon.isoformat()}) (%)")
    ax.set_title("The forecast as the record comes in (numbers: effective sample size)", loc="left")
    date_axis(ax)
    ax.legend(loc="best", fontsize=8)
    return ax
