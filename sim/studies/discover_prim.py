"""ema_workbench's PRIM as scenario discovery uses it: one box, the box chosen, its stability.

The box chosen on a peeling trajectory maximises coverage times the normalised lift,
coverage · (density − base rate) / (1 − base rate); see ``sim.discover``.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..output.discoveries import PEEL_ALPHA

__all__ = ["PASTE_ALPHA", "PEEL_ALPHA", "best_box", "restricted", "run_prim", "stability"]

PASTE_ALPHA = 0.05


def run_prim(x: pd.DataFrame, y: np.ndarray, min_mass: float) -> Any:
    """ema_workbench's PRIM box (peeled and pasted) for 0/1 ``y``; its warnings silenced
    (ema_workbench warns about optional packages and pandas deprecations)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        # Cases of interest are y >= threshold; a tiny threshold makes them the 1s, and
        # a final box is always kept (ema replaces one below the threshold with the start box).
        p = prim.Prim(
            x.reset_index(drop=True),
            y.astype(float),
            threshold=1e-9,
            peel_alpha=PEEL_ALPHA,
            paste_alpha=PASTE_ALPHA,
            mass_min=min_mass,
        )
        return p.find_box()


def best_box(trajectory: pd.DataFrame, base: float) -> int:
    """The step of the peeling trajectory with the largest coverage · normalised lift."""
    score = trajectory["coverage"] * (trajectory["density"] - base) / (1.0 - base)
    return int(np.argmax(score.to_numpy()))


def restricted(box: Any, i: int) -> list[str]:
    """The inputs that step ``i`` of a PRIM box restricts (its limits differ from the start's)."""
    init, lim = box.box_lims[0], box.box_lims[i]
    return [str(u) for u in lim.columns if (lim[u] != init[u]).any()]


def stability(
    x: pd.DataFrame,
    y: np.ndarray,
    dims: list[str],
    resamples: int,
    min_mass: float,
    rng: np.random.Generator,
    run: tuple[int, Callable[[int, int], None] | None, Any, Path | None] = (1, None, None, None),
) -> dict[str, float] | None:
    """For each input in ``dims``: the share of PRIM runs on random halves of the data whose
    chosen box restricts it too (None without resamples). The halves are drawn first, in
    order, then run as jobs of the studies' one runner: ``run`` is (workers, progress(done,
    total), a Dask scheduler or None, a folder keeping each finished rerun or None: a rerun
    kept there for the same data and half is read back, not run again). The shares do not
    depend on any of these."""
    from .cells import run_jobs

    workers, progress, scheduler, checkpoint = run
    halves = [rng.choice(len(y), size=len(y) // 2, replace=False) for _ in range(resamples)]
    jobs = {k: (x, y, h, min_mass, dims) for k, h in enumerate(halves) if 0 < y[h].sum() < len(h)}
    kept = None if checkpoint is None else _kept(checkpoint, jobs)
    found = run_jobs(_restricts, jobs, workers, progress, kept, scheduler)
    counts = {d: sum(d in found[k] for k in found) for d in dims}
    return {d: c / resamples for d, c in counts.items()} if resamples else None


def _kept(folder: Path, jobs: dict[int, Any]) -> Any:
    """Where the reruns are kept: one cell each, keyed by what it ran on (the data's hash,
    its half's, the mass and the inputs)."""
    from ..version import build
    from .cells import CellStore, Kept

    def sha(a: Any) -> str:
        return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()

    x, y, _, min_mass, dims = next(iter(jobs.values()), (pd.DataFrame(), np.zeros(0), 0, 0, []))
    data = {"x": sha(x.to_numpy()), "columns": list(x.columns), "y": sha(y), "version": build()}
    keys = {
        k: {**data, "half": sha(j[2]), "min_mass": min_mass, "dims": dims} for k, j in jobs.items()
    }
    return Kept(
        CellStore(folder),
        {k: f"rerun-{k}" for k in jobs},
        keys,
        row=lambda found: {"restricts": sorted(found)},
        read=lambda row, cell: set(row["restricts"]),
    )


def _restricts(job: tuple[pd.DataFrame, np.ndarray, np.ndarray, float, list[str]]) -> set[str]:
    """The inputs of ``dims`` that PRIM's chosen box restricts on one half of the data."""
    x, y, half, min_mass, dims = job
    yh = y[half]
    again = run_prim(x.iloc[half], yh, min_mass)
    t2 = again.peeling_trajectory.reset_index(drop=True)
    return set(restricted(again, best_box(t2, float(yh.mean())))) & set(dims)
