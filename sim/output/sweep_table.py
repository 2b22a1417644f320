"""A sweep's results: one table row per point (varied values, then statistics), its figure, reading a folder back."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import UsageError
from .formats import value
from .sweep_manifest import MANIFEST, POINTS_DIR, manifest_problem, read_json, read_point

__all__ = ["SweepResults", "build_table", "load_sweep", "plot_sweep", "save_sweep_figure"]


@dataclass
class SweepResults:
    """A sweep: one row per point in ``table`` (varied values then statistics), plus its manifest."""

    table: pd.DataFrame
    manifest: dict[str, Any]
    points: list[dict[str, Any]] = field(default_factory=list)
    folder: Path | None = None

    @property
    def paths(self) -> list[str]:
        return [v["path"] for v in self.manifest["vary"]]

    def __repr__(self) -> str:
        """A few lines (the table and points are long: see ``.table``)."""
        m, t = self.manifest, self.table
        varied = ", ".join(f"{v['path']} ({v['lo']:g} to {v['hi']:g})" for v in m["vary"])
        p = t["p_ceasefire"].dropna() if "p_ceasefire" in t else pd.Series(dtype=float)
        span = f"{100 * p.min():.1f}% to {100 * p.max():.1f}%" if len(p) else "n/a"
        return (
            f"<SweepResults of {m.get('scenario')!r}: {len(t)} points, {m['design']} over "
            f"{varied}\n  P(ceasefire) from {span}; see .table, .plot(); folder {self.folder}>"
        )

    def plot(self, ax: Any = None) -> Any:
        """One path: P(ceasefire) with its band; two: heatmap; more: partial-dependence grid."""
        ranges = {v["path"]: (float(v["lo"]), float(v["hi"])) for v in self.manifest["vary"]}
        return plot_sweep(self.table, self.paths, ax, self.manifest.get("labels"), ranges)


def _row(values: dict[str, float], st: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = dict(values)
    for key in ("p_ceasefire", "p_in_force_at_horizon", "p_truce"):
        e = st.get(key) or {}
        row[key] = e.get("estimate")
        row[f"{key}_ci_low"] = e.get("ci_low")
        row[f"{key}_ci_high"] = e.get("ci_high")
    row["median_days_to_ceasefire"] = st.get("median_days_to_ceasefire")
    row["replicates"] = st.get("replicates")
    for issue, t in (st.get("terms") or {}).items():
        row[f"terms_mean.{issue}"] = t.get("mean")
    row["threats_fired"] = st.get("threats_fired")
    return row


def build_table(points: list[dict[str, float]], stats: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [{"point": i, **_row(p, s)} for i, (p, s) in enumerate(zip(points, stats, strict=True))]
    df = pd.DataFrame(rows)
    for c in df.columns:
        if c != "point":
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df


def load_sweep(folder: str | os.PathLike[str]) -> SweepResults:
    """Read a finished sweep folder (manifest, points, sweep.parquet)."""
    p = Path(folder)
    if not (p / MANIFEST).is_file() or not (p / "sweep.parquet").is_file():
        raise UsageError(
            f"{str(p)!r} is not a finished sweep folder (needs {MANIFEST} and sweep.parquet)"
        )
    manifest = read_json(p / MANIFEST)
    problem = manifest_problem(manifest)
    if problem:
        raise UsageError(f"sweep manifest {str(p / MANIFEST)!r} is damaged ({problem})")
    try:
        table = pd.read_parquet(p / "sweep.parquet")
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read {str(p / 'sweep.parquet')!r}: {e}") from None
    if len(table) != len(manifest["points"]):
        raise UsageError(
            f"{str(p / 'sweep.parquet')!r} has {len(table)} rows for "
            f"{len(manifest['points'])} points; rerun the sweep with --resume {p}"
        )
    stats = [read_point(p, i) for i in range(len(table))]
    from ..io.readback import check_sealed

    for name in (MANIFEST, "sweep.parquet", *(f"{POINTS_DIR}/{i}.json" for i in range(len(table)))):
        check_sealed(p, name)  # each the file this sweep wrote, not another's
    return SweepResults(table=table, manifest=manifest, points=stats, folder=p)


Y = "p_ceasefire"  # the statistic a sweep's figure shows


@dataclass(frozen=True)
class _Panels:
    """What the panels of one sweep figure share: the table, names and ranges, the % format."""

    table: pd.DataFrame
    labels: dict[str, str]
    ranges: dict[str, tuple[float, float]]
    pct: Any  # one PercentFormatter, shared by every panel

    def name(self, p: str) -> str:
        """The path's name for people."""
        return self.labels.get(p, p)

    def keep_range(self, a: Any, p: str, axis: str = "x") -> None:
        """Keep an axis to the design's range of ``p`` (else the range swept)."""
        lo, hi = self.ranges.get(p, (float(self.table[p].min()), float(self.table[p].max())))
        if hi > lo:
            (a.set_xlim if axis == "x" else a.set_ylim)(lo, hi)


def _one_path(f: _Panels, p: str, ax: Any) -> Any:
    """P(ceasefire) against one path, with its 95% band."""
    from .plots import new_axes

    if ax is None:
        ax = new_axes((7, 4.5))
    t = f.table.groupby(p, as_index=False)[[Y, f"{Y}_ci_low", f"{Y}_ci_high"]].mean()
    t = t.sort_values(p)
    ax.fill_between(t[p], t[f"{Y}_ci_low"], t[f"{Y}_ci_high"], alpha=0.25, label="95% CI")
    ax.plot(t[p], t[Y], marker="o", label="P(ceasefire by the horizon)")
    ax.set_xlabel(f.name(p))
    ax.set_ylabel("P(ceasefire by the horizon)")
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(f.pct)
    f.keep_range(ax, p)
    ax.set_title(_fill(f"P(ceasefire by the horizon) as {f.name(p)} varies"))
    ax.legend(loc="best")
    return ax


def _heatmap(f: _Panels, a: str, b: str, ax: Any) -> Any:
    """A full grid over two paths as a heatmap, each cell's P written in it."""
    grid = f.table.pivot_table(index=b, columns=a, values=Y, aggfunc="mean")
    z = grid.to_numpy()
    im = ax.imshow(z, origin="lower", aspect="auto", vmin=0, vmax=1, cmap="viridis")
    for (i, j), v in np.ndenumerate(z):
        ax.text(
            j,
            i,
            f"{100 * v:.0f}%",
            ha="center",
            va="center",
            fontsize=8,
            color="white" if v < 0.6 else "black",
        )
    ax.set_xticks(range(len(grid.columns)), [value(float(v)) for v in grid.columns])
    ax.set_yticks(range(len(grid.index)), [value(float(v)) for v in grid.index])
    ax.grid(False)
    return im


def _two_paths(f: _Panels, a: str, b: str, ax: Any) -> Any:
    """P(ceasefire) over two paths: a heatmap of a full grid, else a scatter."""
    from .plots import new_axes

    t = f.table
    if ax is None:
        ax = new_axes((7, 5.5))
    if t[a].nunique() * t[b].nunique() == len(t):
        im = _heatmap(f, a, b, ax)
    else:
        im = ax.scatter(t[a], t[b], c=t[Y], vmin=0, vmax=1, cmap="viridis", s=30)
        f.keep_range(ax, a)
        f.keep_range(ax, b, "y")
    ax.figure.colorbar(im, ax=ax, label="P(ceasefire by the horizon)", format=f.pct)
    ax.set_xlabel(f.name(a))
    ax.set_ylabel(_fill(f.name(b), 40))
    ax.set_title(_fill(f"P(ceasefire by the horizon) over {f.name(a)} and {f.name(b)}"))
    return ax


def _partial_dependence(f: _Panels, p: str, a: Any) -> None:
    """P(ceasefire) averaged over the other paths, against ``p`` (in deciles when sampled)."""
    x = f.table[p]
    if x.nunique() > 12:  # LHS/Sobol: partial dependence in deciles of the path
        bins = pd.qcut(x, 10, duplicates="drop")
        t = f.table.groupby(bins, observed=True).agg(x=(p, "mean"), y=(Y, "mean"))
    else:
        t = f.table.groupby(p).agg(x=(p, "mean"), y=(Y, "mean"))
    a.plot(t["x"], t["y"], marker="o")
    a.set_xlabel(_fill(f.name(p), 40), fontsize=8)
    a.set_ylim(0, 1)
    a.yaxis.set_major_formatter(f.pct)
    f.keep_range(a, p)


def _many_paths(f: _Panels, paths: list[str]) -> Any:
    """A grid of panels, one per path, each averaged over the others; the first Axes."""
    from .plots import new_figure

    k = len(paths)
    cols = min(3, k)
    rows = math.ceil(k / cols)
    fig = new_figure((4 * cols, 3.4 * rows + 0.4))
    axes = fig.subplots(rows, cols, squeeze=False)
    for j, p in enumerate(paths):
        a = axes[j // cols][j % cols]
        _partial_dependence(f, p, a)
        if j % cols == 0:
            a.set_ylabel("P(ceasefire), averaged")
    for j in range(k, rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    fig.suptitle(
        "P(ceasefire by the horizon) against each varied input, averaged over the others",
        fontsize=11,
        fontweight="bold",
        x=0.01,
        ha="left",
    )
    return axes[0][0]


def plot_sweep(
    table: pd.DataFrame,
    paths: list[str],
    ax: Any = None,
    labels: dict[str, str] | None = None,
    ranges: dict[str, tuple[float, float]] | None = None,
) -> Any:
    """P(ceasefire) against the varied paths; returns the Axes (the first, for a grid).

    ``labels`` name the paths for people; ``ranges`` are the design's (lo, hi), which the
    axes keep to. One path: the curve with its band; two: a heatmap of the grid (values
    in the cells) or a scatter; more: the average over the others against each path.
    """
    import matplotlib
    from matplotlib.ticker import PercentFormatter

    from .plots.style import STYLE

    f = _Panels(table, labels or {}, ranges or {}, PercentFormatter(1.0, decimals=0))
    with matplotlib.rc_context(STYLE):
        if len(paths) == 1:
            return _one_path(f, paths[0], ax)
        if len(paths) == 2:
            return _two_paths(f, paths[0], paths[1], ax)
        return _many_paths(f, paths)


def _fill(text: str, width: int = 70) -> str:
    import textwrap

    return textwrap.fill(text, width)


def save_sweep_figure(res: SweepResults, folder: Path) -> Path:
    from .plots import save_png

    return save_png(res.plot().figure, folder / "sweep.png")
