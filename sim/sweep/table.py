"""A sweep's results: one table row per point (varied values, then statistics), its figure, reading a folder back."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import UsageError
from .manifest import MANIFEST, manifest_problem, read_json, read_point

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

    def plot(self, ax: Any = None) -> Any:
        """One path: P(ceasefire) with its band; two: heatmap; more: partial-dependence grid."""
        return plot_sweep(self.table, self.paths, ax=ax)


def _row(values: dict[str, float], st: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = dict(values)
    for key in ("p_ceasefire", "p_in_force_at_horizon", "p_truce"):
        e = st.get(key) or {}
        row[key] = e.get("estimate")
        row[f"{key}_ci_low"] = e.get("ci_low")
        row[f"{key}_ci_high"] = e.get("ci_high")
    row["median_days_to_ceasefire"] = st.get("median_days_to_ceasefire")
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
    return SweepResults(table=table, manifest=manifest, points=stats, folder=p)


def plot_sweep(table: pd.DataFrame, paths: list[str], ax: Any = None) -> Any:
    """P(ceasefire) against the varied paths; returns the Axes (the first, for a grid)."""
    from ..plots import new_axes, new_figure

    y = "p_ceasefire"
    if len(paths) == 1:
        if ax is None:
            ax = new_axes((6, 4))
        t = table.groupby(paths[0], as_index=False)[[y, f"{y}_ci_low", f"{y}_ci_high"]].mean()
        t = t.sort_values(paths[0])
        ax.fill_between(
            t[paths[0]], t[f"{y}_ci_low"], t[f"{y}_ci_high"], alpha=0.25, label="95% CI"
        )
        ax.plot(t[paths[0]], t[y], marker="o", label="P(ceasefire by horizon)")
        ax.set_xlabel(paths[0])
        ax.set_ylabel("P(ceasefire by horizon)")
        ax.set_ylim(0, 1)
        ax.legend(loc="best")
        return ax
    if len(paths) == 2:
        if ax is None:
            ax = new_axes((6, 5))
        a, b = paths
        if table[a].nunique() * table[b].nunique() == len(table):
            grid = table.pivot_table(index=b, columns=a, values=y, aggfunc="mean")
            im = ax.pcolormesh(
                grid.columns,
                grid.index,
                grid.to_numpy(),
                shading="nearest",
                vmin=0,
                vmax=1,
                cmap="viridis",
            )
        else:
            im = ax.scatter(table[a], table[b], c=table[y], vmin=0, vmax=1, cmap="viridis", s=30)
        ax.figure.colorbar(im, ax=ax, label="P(ceasefire by horizon)")
        ax.set_xlabel(a)
        ax.set_ylabel(b)
        return ax
    k = len(paths)
    cols = min(3, k)
    rows = math.ceil(k / cols)
    fig = new_figure((4 * cols, 3.2 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for j, p in enumerate(paths):
        a = axes[j // cols][j % cols]
        x = table[p]
        if x.nunique() > 12:  # LHS/Sobol: partial dependence in deciles of the path
            bins = pd.qcut(x, 10, duplicates="drop")
            t = table.groupby(bins, observed=True).agg(x=(p, "mean"), y=(y, "mean"))
        else:
            t = table.groupby(p).agg(x=(p, "mean"), y=(y, "mean"))
        a.plot(t["x"], t["y"], marker="o")
        a.set_xlabel(p, fontsize=8)
        a.set_ylim(0, 1)
        if j % cols == 0:
            a.set_ylabel("P(ceasefire), averaged")
    for j in range(k, rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    return axes[0][0]


def save_sweep_figure(res: SweepResults, folder: Path) -> Path:
    from ..plots import save_png

    return save_png(res.plot().figure, folder / "sweep.png")
