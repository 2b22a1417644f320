"""The figure of a sensitivity study: the top inputs' indices with intervals, human labels."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from .style import BLUE, ORANGE, axes_or_new, note, styled

__all__ = ["OUTPUT_NAMES", "plot_indices"]

OUTPUT_NAMES = {
    "p_ceasefire": "P(ceasefire by the horizon)",
    "median_days": "median days to a ceasefire",
}


def _clipped_at_zero(value: np.ndarray, half: np.ndarray) -> np.ndarray:
    """Asymmetric error bars (2, n) of value ± half with the lower end clipped at zero: μ* is a
    mean absolute change and a Sobol index a share of variance, so neither goes below zero."""
    value = np.nan_to_num(np.asarray(value, dtype=float))
    half = np.nan_to_num(np.asarray(half, dtype=float))
    return np.vstack([np.minimum(half, np.maximum(value, 0.0)), half])


def _sobol_bars(ax: Axes, t: Any, y: np.ndarray) -> None:
    """Total (ST) and first-order (S1) bars side by side, their intervals clipped at zero."""
    for shift, key, colour, name in ((0.2, "ST", BLUE, "total effect (ST)"),
                                     (-0.2, "S1", ORANGE, "first order (S1)")):  # fmt: skip
        v, half = t[key].to_numpy(), t[f"{key}_conf"].to_numpy()
        ax.barh(y + shift, v, height=0.4, xerr=_clipped_at_zero(v, half), color=colour,
                label=name, error_kw={"lw": 0.8})  # fmt: skip


@styled
def plot_indices(
    r: Any, output: str = "p_ceasefire", ax: Axes | None = None, top: int = 15
) -> Axes:
    """Bars of the ``top`` inputs of a SensitivityResults, largest total effect on top."""
    t = r.top(output, top).iloc[::-1]
    ax = axes_or_new(ax, (8.0, 0.38 * max(len(t), 1) + 1.8))
    what = OUTPUT_NAMES.get(output, output)
    n_in = int((r.indices["output"] == output).sum())
    shown = f"top {len(t)} of {n_in} inputs" if len(t) < n_in else f"{n_in} inputs"
    ax.set_title(textwrap.fill(f"What drives {what}: {shown}", 70))
    if t.empty or t[r.key].isna().all():
        return note(ax, f"{what} did not vary across the points")
    y = np.arange(len(t))
    labels = [textwrap.fill(str(x), 45) for x in t["input"]]
    if r.method == "sobol":
        _sobol_bars(ax, t, y)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel(f"share of the variance of {what} (Sobol index, 95% interval)")
    else:
        mu, conf = t["mu_star"].to_numpy(), t["mu_star_conf"].to_numpy()
        ax.barh(
            y,
            mu,
            xerr=_clipped_at_zero(mu, conf),
            color=BLUE,
            label="μ* (mean |effect|)",
            error_kw={"lw": 0.8},
        )
        if output == "p_ceasefire":
            ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            ax.set_xlabel(f"Morris μ*: mean absolute change in {what} (points), 95% interval")
        else:
            ax.set_xlabel(f"Morris μ*: mean absolute change in {what} (days), 95% interval")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.grid(axis="y", visible=False)
    share = r.variance.get(output, {}).get("chance_share")
    title = (
        None
        if share is None or not np.isfinite(share)
        else (f"chance is {100 * share:.1f}% of the spread between points")
    )
    ax.legend(loc="lower right", fontsize=8, title=title, title_fontsize=8)
    return ax
