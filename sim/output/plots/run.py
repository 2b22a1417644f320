"""Figures of a run: plot_*(results, ax=None) -> Axes on pyplot-free Agg figures, and save_figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from ..formats import value
from .style import (
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    STYLE,
    VERMILION,
    SimFigure,
    axes_or_new,
    date_axis,
    figure_bytes,
    note,
    styled,
    wrap,
)

if TYPE_CHECKING:
    from ..results import Results

__all__ = [
    "FIGURES",
    "make_figures",
    "plot_ceasefire_curve",
    "plot_control_fan",
    "plot_durability",
    "plot_obstruction",
    "plot_terms",
    "plot_terms_grid",
    "save_figures",
]


def _dates(start: dt.date, days: np.ndarray) -> np.ndarray:
    return np.datetime64(start, "D") + days.astype("timedelta64[D]")


def _end_labels(facts: dict[str, Any]) -> tuple[str, str] | None:
    """The issue's end labels when they say more than the range numbers."""
    ends, rng = facts.get("ends"), facts.get("range")
    if not ends or len(ends) != 2:
        return None
    if rng and [str(e) for e in ends] == [f"{float(v):g}" for v in rng]:
        return None
    return str(ends[0]), str(ends[1])


# ----------------------------------------------------------------------------- plots


@styled
def plot_ceasefire_curve(results: Results, ax: Axes | None = None) -> Axes:
    """Cumulative P(ceasefire agreed) by date with its Kaplan–Meier band, and P(in force)."""
    ax = axes_or_new(ax)
    h = results.horizon_days
    days = np.arange(0, h + 1)
    km = results.ceasefire_km()
    p, lo, hi = km.incidence_at(days)
    x = _dates(results.start, days)
    level = round(100 * km.level)
    ax.fill_between(
        x, lo, hi, step="post", color=BLUE, alpha=0.2, lw=0, label=f"{level}% confidence band"
    )
    ax.step(x, p, where="post", color=BLUE, lw=2, label="ceasefire agreed by this date")
    s = results.series
    if "p_in_force" in s and "date" in s and len(s):
        ax.step(
            pd.to_datetime(s["date"]).to_numpy(),
            s["p_in_force"].to_numpy(dtype=float),
            where="post",
            color=ORANGE,
            lw=1.8,
            ls="--",
            label="ceasefire in force",
        )
    _base_rate_line(results, ax)
    ax.set_ylim(0, 1)
    ax.set_xlim(x[0], x[-1])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("probability (share of replicates)")
    date_axis(ax)
    ax.set_title("Probability of a ceasefire over time")
    ax.legend(loc="upper left", title=f"{results.n:,} replicates", alignment="left")
    return ax


def _base_rate_line(results: Results, ax: Axes) -> None:
    """The outside view (sim/output/baserate.py): the share of wars as old as this one that
    have ended by each date, when the scenario says when its war began."""
    from ..baserate import base_rate_curve

    cond = results.meta.get("conditioning") or {}
    curve = base_rate_curve(results.meta, results.start, results.horizon, cond.get("as_of"))
    if curve is not None:
        ax.plot(
            curve[0], curve[1], color=GREEN, lw=1.5, ls=":",
            label="base rate: wars this old that have ended (Correlates of War)",
        )  # fmt: skip


@styled
def plot_terms(results: Results, issue: str, ax: Axes | None = None) -> Axes:
    """Distribution of the agreed terms on one issue (real units, ends labelled)."""
    ax = axes_or_new(ax)
    facts = results.issues().get(issue)
    if facts is None:
        raise ValueError(f"no issue {issue!r} in these results (have {sorted(results.issues())})")
    unit = str(facts.get("unit") or "")
    desc = str(facts.get("description") or issue)
    rng = facts.get("range")
    ends = _end_labels(facts)
    col = f"terms.{issue}"
    agreed = results.ceasefire_flags()
    x = np.asarray(results.column(col), dtype=float)[agreed] if results.has(col) else []
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    _fitted_title(ax, f"Agreed terms: {desc}")
    if x.size == 0:
        return note(ax, "no ceasefire was agreed in any replicate")
    lo, hi = (float(rng[0]), float(rng[1])) if rng else (float(x.min()), float(x.max()))
    if hi <= lo:
        hi = lo + 1.0
    bins = np.linspace(lo, hi, 31).tolist()
    weights = np.full(x.size, 1.0 / x.size)
    ax.hist(x, bins=bins, weights=weights, color=GREEN, alpha=0.8, edgecolor="white", lw=0.5)
    med = float(np.median(x))
    ax.axvline(med, color="black", lw=1.2, ls="--")
    right = (med - lo) / (hi - lo) > 0.7  # keep the label inside the axes
    ax.annotate(
        f"median {value(med)}",
        (med, 1),
        xycoords=("data", "axes fraction"),
        xytext=(-4 if right else 4, -4),
        textcoords="offset points",
        ha="right" if right else "left",
        va="top",
        fontsize=9,
    )
    ax.set_xlim(lo, hi)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel(f"share of {x.size:,} agreements")
    words = issue.replace("_", " ")
    ax.set_xlabel(f"{words} ({unit})" if unit else words)
    if ends:
        # The ends' meanings as tick labels of a top axis, so they never collide with
        # the x label or the title.
        top = ax.secondary_xaxis("top")
        top.set_xticks([lo, hi], [f"← {wrap(ends[0], 26)}", f"{wrap(ends[1], 26)} →"])
        top.tick_params(length=0, labelsize=8, labelcolor=GREY)
        first, last = top.get_xticklabels()
        first.set_horizontalalignment("left")
        last.set_horizontalalignment("right")
    return ax


def _fitted_title(ax: Axes, text: str) -> None:
    """A title wrapped to the width of the axes (as many lines as it needs)."""
    fig = ax.get_figure(root=True)
    width_in = ax.get_position().width * (fig.get_figwidth() if isinstance(fig, Figure) else 8.0)
    chars = max(20, int(width_in * 72 / (11 * 0.62)))  # ~0.62 em per character at 11 pt
    ax.set_title(wrap(text, chars), fontsize=11)


def plot_terms_grid(results: Results, fig: Figure | None = None) -> Figure:
    """One plot_terms panel per issue, two columns, on a new (or the given) Figure."""
    issues = list(results.issues())
    ncols = 1 if len(issues) <= 1 else 2
    nrows = max(1, -(-len(issues) // ncols))
    with matplotlib.rc_context(STYLE):
        if fig is None:
            fig = SimFigure(figsize=(5.0 * ncols, 3.6 * nrows), layout="constrained")
            FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax, issue in zip(axes, issues, strict=False):
            plot_terms(results, issue, ax=ax)
        for ax in axes[len(issues) :]:
            ax.set_visible(False)
        if not issues:
            note(axes[0], "this scenario has no issues")
    return fig


@styled
def plot_control_fan(results: Results, ax: Axes | None = None) -> Axes:
    """Front line over time: median (or mean) with the 10–90% band across replicates."""
    ax = axes_or_new(ax)
    issue = results.meta.get("front_line_issue")
    s = results.series
    ax.set_title("Front line over time")
    cols = {"control_p10", "control_p90"}
    if not issue or not cols <= set(s.columns) or s["control_p10"].isna().all():
        return note(ax, "no front line in this scenario")
    facts = results.issues().get(issue, {})
    unit = str(facts.get("unit") or "")
    x = pd.to_datetime(s["date"]).to_numpy()
    centre, centre_label = (
        ("control_p50", "median") if "control_p50" in s else ("control_mean", "mean")
    )
    ax.fill_between(
        x,
        s["control_p10"].to_numpy(dtype=float),
        s["control_p90"].to_numpy(dtype=float),
        color=VERMILION,
        alpha=0.2,
        lw=0,
        label="10–90% of replicates",
    )
    ax.plot(x, s[centre].to_numpy(dtype=float), color=VERMILION, lw=2, label=centre_label)
    # Zoomed to the data (a line at 19-20 on a 0-30 scale would be flat); the issue's full
    # range goes on the axis label.
    lo = float(np.nanmin(s["control_p10"].to_numpy(dtype=float)))
    hi = float(np.nanmax(s["control_p90"].to_numpy(dtype=float)))
    pad = max(0.1 * (hi - lo), 1e-3 * max(abs(hi), 1.0))
    rng = facts.get("range")
    if rng:
        lo, hi = max(lo - pad, float(rng[0])), min(hi + pad, float(rng[1]))
    else:
        lo, hi = lo - pad, hi + pad
    ax.set_ylim(lo, hi)
    ends = _end_labels(facts)
    label = f"{issue} ({unit})" if unit else issue
    if rng:
        span = f"full range {float(rng[0]):g}–{float(rng[1]):g}"
        label += f"\n{span}: {ends[0]} ↔ {ends[1]}" if ends else f"\n{span}"
    elif ends:
        label += f"\n{ends[0]} ↔ {ends[1]}"
    ax.set_ylabel(wrap(label, 45), fontsize=9)
    date_axis(ax)
    ax.legend(loc="upper left")
    return ax


@styled
def plot_obstruction(results: Results, ax: Axes | None = None) -> Axes:
    """Who obstructed most often (turned down a mediator's offer the other side accepted,
    more often than the other side did), and how often each threat was carried out."""
    ax = axes_or_new(ax)
    n = max(results.n, 1)
    labels: list[str] = []
    values: list[float] = []
    colors: list[str] = []
    if results.has("obstructed_by"):
        who = pd.Series(results.column("obstructed_by")).fillna("").astype(str)
        for actor, k in who[who != ""].value_counts().items():
            labels.append(f"{results.actor_name(str(actor))} obstructed most often")
            values.append(int(k) / n)
            colors.append(VERMILION)
        labels.append("no obstruction")
        values.append(float((who == "").sum()) / n)
        colors.append(GREY)
    fired_cols = [c for c in results.columns if c.startswith("fired.")]
    threats = results.meta.get("threats")
    if fired_cols:
        for c in fired_cols:
            labels.append(wrap(f"threat carried out: {c[6:]}", 38))
            flags = pd.Series(results.column(c)).astype("boolean").fillna(False)
            values.append(float(flags.to_numpy(dtype=bool).mean()))
            colors.append(BLUE)
    elif results.has("threats_fired") and (
        threats or (threats is None and np.nansum(results.column("threats_fired")) > 0)
    ):
        t = pd.Series(results.column("threats_fired")).fillna(0).astype(int).to_numpy()
        for k, lab in ((0, "no threat carried out"), (1, "1 threat carried out")):
            labels.append(lab)
            values.append(float((t == k).mean()))
            colors.append(BLUE)
        labels.append("2 or more threats carried out")
        values.append(float((t >= 2).mean()))
        colors.append(BLUE)
    ax.set_title("Who obstructed most often, and threats carried out")
    if not labels:
        return note(ax, "no obstruction or threat data in these results")
    y = np.arange(len(labels))[::-1]
    ax.barh(y, values, color=colors, height=0.65)
    for yi, v in zip(y, values, strict=True):
        ax.annotate(
            f"{100 * v:.1f}%",
            (v, yi),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
        )
    ax.set_yticks(y, labels)
    ax.set_xlim(0, min(1.0, max(values) * 1.18 + 0.02))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(axis="y", visible=False)
    xlabel = "share of replicates"
    names = results.meta.get("threats") or []
    if names and not fired_cols:  # without per-threat columns, at least name the threats
        xlabel += "\n" + wrap("threats in play: " + "; ".join(map(str, names)), 80)
    ax.set_xlabel(xlabel)
    return ax


@styled
def plot_durability(results: Results, ax: Axes | None = None) -> Axes:
    """How long ceasefires hold: Kaplan–Meier survival from agreement to breakdown."""
    ax = axes_or_new(ax)
    ax.set_title("How long ceasefires hold")
    km = results.durability_km()
    if km.n == 0:
        return note(ax, "no ceasefire was agreed in any replicate")
    last = float(km.times.max()) if km.times.size else 1.0
    days = np.arange(0, int(np.ceil(last)) + 1)
    s, lo, hi = km.survival_at(days)
    ax.fill_between(
        days,
        lo,
        hi,
        step="post",
        color=GREEN,
        alpha=0.2,
        lw=0,
        label=f"{round(100 * km.level)}% confidence band",
    )
    ax.step(days, s, where="post", color=GREEN, lw=2, label="share of ceasefires still holding")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, max(days[-1], 1))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
    ax.set_xlabel("days since the ceasefire was agreed (censored at the horizon)")
    ax.set_ylabel("still holding")
    med = km.median()
    title = f"{km.n:,} ceasefires, {km.events:,} broke down; median "
    title += f"{med:.0f} days" if med is not None else "not reached"
    ax.legend(loc="lower left", title=title, alignment="left")
    return ax


# ----------------------------------------------------------------------------- files


def make_figures(results: Results) -> dict[str, Figure]:
    """Every standard figure of a run, by file stem."""
    return {
        "ceasefire_curve": plot_ceasefire_curve(results).figure,  # type: ignore[dict-item]
        "terms": plot_terms_grid(results),
        "control_fan": plot_control_fan(results).figure,  # type: ignore[dict-item]
        "obstruction": plot_obstruction(results).figure,  # type: ignore[dict-item]
        "durability": plot_durability(results).figure,  # type: ignore[dict-item]
    }


FIGURES = ("ceasefire_curve", "terms", "control_fan", "obstruction", "durability")


def save_figures(results: Results, folder: str | Path) -> dict[str, bytes]:
    """Write figures/<name>.png and .svg under ``folder``; return the PNG bytes by name."""
    out = Path(folder) / "figures"
    out.mkdir(parents=True, exist_ok=True)
    pngs = {}
    for name, fig in make_figures(results).items():
        pngs[name] = figure_bytes(fig, "png")
        (out / f"{name}.png").write_bytes(pngs[name])
        (out / f"{name}.svg").write_bytes(figure_bytes(fig, "svg"))
    return pngs
