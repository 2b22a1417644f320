"""Figures of a calibration: the score surface over the params, and each case's leave-one-case-out log score next to the base rates.

Both read the plain data of ``calibration.json`` (``CalibrationResults.to_json()``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..formats import value
from .style import BLUE, GREEN, GREY, ORANGE, VERMILION, axes_or_new, new_figure, styled, wrap

__all__ = ["calibrate_figures", "plot_loo_scores", "plot_score_surface"]

Y_LABEL = "mean log score over the cases (nats; lower is better)"
COMPARATORS = {  # key in the summary -> (name, colour, line style)
    "base": ("constant hazard (CoW median)", ORANGE, "--"),
    "lognormal": ("lognormal by war age (CoW)", GREEN, ":"),
}


def _label(data: dict[str, Any], path: str) -> str:
    return str((data["manifest"].get("labels") or {}).get(path, path))


def _xy(data: dict[str, Any], path: str) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([s["values"][path] for s in data["surface"]], dtype=float)
    y = np.array([s["mean_log"] for s in data["surface"]], dtype=float)
    return x, y


@styled
def plot_score_surface(data: dict[str, Any], ax: Axes | None = None) -> Axes:
    """The model's mean log score over the cases at every design point: against the param
    (one param), a heat map (two on a grid), a scatter (two otherwise), or one panel per
    param (more); the fitted point is marked, the base rates are lines."""
    paths = [p["path"] for p in data["manifest"]["params"]]
    if len(paths) == 1:
        return _surface_1d(data, paths[0], axes_or_new(ax, (7.0, 4.5)))
    if len(paths) == 2:
        return _surface_2d(data, paths, axes_or_new(ax, (7.0, 5.5)))
    return _surface_panels(data, paths)


def _surface_1d(data: dict[str, Any], path: str, ax: Axes) -> Axes:
    x, y = _xy(data, path)
    order = np.argsort(x, kind="stable")
    ax.plot(x[order], y[order], color=BLUE, marker="o", label="sim (mean over the cases)")
    best = data["best"]
    ax.scatter([best["values"][path]], [y[best["point"]]], color=VERMILION, marker="*", s=160,
               zorder=4, label="fitted (lowest summed log score)")  # fmt: skip
    for key, (name, colour, ls) in COMPARATORS.items():
        ax.axhline(data["summary"][key]["log"], color=colour, ls=ls, lw=1.2, label=name)
    ax.set_xlabel(_label(data, path))
    ax.set_ylabel(Y_LABEL)
    ax.set_title(f"Score surface: mean hindcast log score against\n{_label(data, path)}")
    ax.legend(loc="best", fontsize=8)
    return ax


def _surface_2d(data: dict[str, Any], paths: list[str], ax: Axes) -> Axes:
    a, b = paths
    xa, z = _xy(data, a)
    xb, _ = _xy(data, b)
    ua, ub = np.unique(xa), np.unique(xb)
    best = data["best"]
    im: Any
    if len(ua) * len(ub) == len(z):  # a full grid: a heat map with the values in the cells
        grid = np.full((len(ub), len(ua)), np.nan)
        for va, vb, v in zip(xa, xb, z, strict=True):
            grid[np.searchsorted(ub, vb), np.searchsorted(ua, va)] = v
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis_r")
        lo, hi = float(np.nanmin(grid)), float(np.nanmax(grid))
        for (i, j), v in np.ndenumerate(grid):
            dark = hi > lo and (v - lo) / (hi - lo) > 0.5  # viridis_r: high scores are dark
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")  # fmt: skip
        ax.set_xticks(range(len(ua)), [value(v) for v in ua])
        ax.set_yticks(range(len(ub)), [value(v) for v in ub])
        bx = np.searchsorted(ua, best["values"][a])
        by = np.searchsorted(ub, best["values"][b])
        ax.scatter([bx], [by], marker="s", s=600, facecolors="none", edgecolors=VERMILION, lw=2)
        ax.grid(False)
    else:
        im = ax.scatter(xa, xb, c=z, cmap="viridis_r", s=40)
        ax.scatter([best["values"][a]], [best["values"][b]], marker="*", s=200, color=VERMILION)
    ax.figure.colorbar(im, ax=ax, label=Y_LABEL)
    ax.set_xlabel(_label(data, a))
    ax.set_ylabel(_label(data, b))
    ax.set_title("Score surface: mean hindcast log score (fitted point marked)")
    return ax


def _surface_panels(data: dict[str, Any], paths: list[str]) -> Axes:
    cols = min(3, len(paths))
    rows = math.ceil(len(paths) / cols)
    fig = new_figure((4 * cols, 3.4 * rows + 0.5))
    axes = fig.subplots(rows, cols, squeeze=False)
    best = data["best"]
    for k, path in enumerate(paths):
        ax = axes[k // cols][k % cols]
        x, y = _xy(data, path)
        ax.scatter(x, y, color=BLUE, s=16)
        ax.scatter([best["values"][path]], [y[best["point"]]], color=VERMILION, marker="*", s=120)
        ax.set_xlabel(_label(data, path), fontsize=8)
        if k % cols == 0:
            ax.set_ylabel("mean log score (nats)", fontsize=8)
    for k in range(len(paths), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    fig.suptitle("Score surface: mean hindcast log score at each design point, per param",
                 fontweight="bold", x=0.01, ha="left")  # fmt: skip
    return axes[0][0]  # type: ignore[no-any-return]


@styled
def plot_loo_scores(data: dict[str, Any], ax: Axes | None = None) -> Axes:
    """Per case: the log score at the point fitted without it (LOO), at the point fitted on
    all the cases (in-sample) and of both base rates."""
    rows = data["loo"]
    ax = axes_or_new(ax, (8.0, 2.2 + 0.55 * len(rows)))
    looks = {
        "loo": ("sim, leave-one-case-out", BLUE),
        "in_sample": ("sim at the fitted point (in-sample)", GREY),
        **{k: (name, colour) for k, (name, colour, _) in COMPARATORS.items()},
    }
    y = np.arange(len(rows))
    h = 0.8 / len(looks)
    for k, (key, (name, colour)) in enumerate(looks.items()):
        v = [r["log"] if key == "loo" else r[key]["log"] for r in rows]
        ax.barh(y + (k - 1.5) * h, v, height=h, color=colour, label=name)
    ax.set_yticks(y, [wrap(r["name"], 30) for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("log score of the case (nats; lower is better)")
    ax.set_ylabel("case")
    ax.set_title("Log score per case: leave-one-case-out, in-sample and the base rates")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, fontsize=8)
    return ax


def calibrate_figures(data: dict[str, Any]) -> dict[str, bytes]:
    """The report's figures as PNG bytes: the score surface and the per-case LOO scores."""
    from .style import figure_bytes

    surface: Figure = plot_score_surface(data).figure  # type: ignore[assignment]
    loo: Figure = plot_loo_scores(data).figure  # type: ignore[assignment]
    return {"surface": figure_bytes(surface), "loo": figure_bytes(loo)}
