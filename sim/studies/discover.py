"""Scenario discovery: which sampled inputs must hold for an outcome (PRIM, from ema_workbench).

Every run records each replicate's sampled inputs (``param.*`` columns of the outcomes),
so "what must be true for a ceasefire by December?" is a classification question over
them. PRIM (Friedman & Fisher 1999; Bryant & Lempert 2010) peels thin slices off a box in
input space so that the share of replicates with the outcome inside it (density) rises,
then pastes back what it can; each step trades coverage (the share of all such replicates
that fall in the box) for density. The implementation is ema_workbench's
``analysis.prim.Prim`` (peeling, pasting, quasi-p-values), the maintained reference
implementation of scenario discovery (see docs/analysis.md, "Scenario discovery").

The box reported is the one on the peeling trajectory that maximises coverage times the
normalised lift, coverage · (density − base rate) / (1 − base rate): the start box (all
futures) scores 0, a tiny pure box scores its small coverage. Another box can be chosen
with ``box=``. Each restriction carries its quasi-p-value (a one-sided binomial test of
whether dropping it would lower the density, Bryant & Lempert 2010) and, with
``resamples``, its stability: the share of PRIM runs on random halves of the data whose
chosen box restricts the same input.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import UsageError
from ..io.limits import MAX_RESAMPLES
from ..output.discoveries import DISCOVER_FILE, Discovery, Restriction
from ..output.labels import Vocabulary
from ..output.results import Results
from .discover_prim import best_box, restricted, run_prim, stability

__all__ = ["DISCOVER_FILE", "Discovery", "discover", "outcome_flags"]

MAX_ROWS = 20_000  # PRIM runs on at most this many replicates (a seeded random subset)
# Below this many replicates with the outcome (or without it) a box's density and coverage
# are a handful of cases: 10 replicates can give a "100% density" box by chance alone.
MIN_CASES = 100


def outcome_flags(results: Results, outcome: str) -> tuple[np.ndarray, str]:
    """The 0/1 outcome per replicate and its wording: ``ceasefire``, ``in_force`` or
    ``ceasefire_by=YYYY-MM-DD``."""
    if outcome == "ceasefire":
        return results.ceasefire_flags(), f"a ceasefire by {results.horizon.isoformat()}"
    if outcome == "in_force":
        return (
            results.flag("in_force_at_horizon"),
            f"a ceasefire in force on {results.horizon.isoformat()}",
        )
    name, sep, value = outcome.partition("=")
    if name == "ceasefire_by" and sep:
        try:
            date = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise UsageError(
                f"--outcome ceasefire_by=DATE: DATE must be YYYY-MM-DD (got {value!r})"
            ) from None
        if not results.start <= date <= results.horizon:
            raise UsageError(
                f"--outcome ceasefire_by={date}: the date must lie between the run's start "
                f"({results.start}) and horizon ({results.horizon})"
            )
        days = np.asarray(results.column("ceasefire_day"), dtype=float)
        with np.errstate(invalid="ignore"):
            y = days <= (date - results.start).days
        return y, f"a ceasefire by {date.isoformat()}"
    raise UsageError(
        f"--outcome must be ceasefire, in_force or ceasefire_by=YYYY-MM-DD (got {outcome!r})"
    )


def _inputs(results: Results) -> pd.DataFrame:
    cols = {}
    for c in results.columns:
        if c.startswith("param."):
            x = np.asarray(results.column(c), dtype=float)
            if np.isfinite(x).all() and np.nanmin(x) < np.nanmax(x):
                cols[c[len("param.") :]] = x
    return pd.DataFrame(cols)


def discover(
    results: Results | str | os.PathLike[str],
    outcome: str = "ceasefire",
    min_mass: float = 0.05,
    box: int | None = None,
    resamples: int = 0,
    seed: int | None = None,
    max_rows: int = MAX_ROWS,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    scheduler: str | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
) -> Discovery:
    """PRIM over the sampled inputs of a run (a Results or its folder) for ``outcome``.

    Runs of more than ``max_rows`` replicates are subsampled (seeded); a weighted run (one
    conditioned on evidence, with ``weights``, or with a ``weight`` column) is resampled in
    proportion to its weights first, so the box describes the weighted ensemble. The
    ``resamples`` reruns of PRIM run on ``workers`` processes (or a Dask ``scheduler``),
    ``progress(done, total)`` as each finishes, each kept in ``checkpoint`` (a folder) if
    given, so an interrupted discovery goes on without them; the result is the same.
    """
    r = results if isinstance(results, Results) else Results.load(Path(results))
    _check(min_mass, resamples)
    y_all, wording = outcome_flags(r, outcome)
    x_all = _inputs(r)
    if x_all.shape[1] == 0:
        raise UsageError("the run has no sampled inputs (no distributions in the scenario)")
    seed = int(r.meta.get("seed") or 0) if seed is None else seed
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0xD15C,)))
    idx, weighted, notes = _rows(r, len(y_all), max_rows, rng)
    x, y = x_all.iloc[idx].reset_index(drop=True), np.asarray(y_all[idx], dtype=bool)
    base = float(y.mean())
    if base in (0.0, 1.0):
        raise UsageError(
            f"{'no' if base == 0 else 'every'} replicate has {wording}: nothing to discover"
        )
    found = run_prim(x, y, min_mass)
    traj = found.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].reset_index(
        drop=True
    )
    i = best_box(traj, base) if box is None else box
    if not 0 <= i < len(traj):
        raise UsageError(f"--box must be between 0 and {len(traj) - 1} (got {box})")
    run = (workers, progress, scheduler, None if checkpoint is None else Path(checkpoint))
    stable = stability(x, y, restricted(found, i), resamples, min_mass, rng, run)
    return Discovery(
        outcome=outcome,
        wording=wording,
        base_rate=base,
        rows=len(y),
        replicates=len(y_all),
        trajectory=traj.astype(float),
        box=i,
        restrictions=_restrictions(found, i, x, Vocabulary.from_meta(r.meta), stable),
        resamples=resamples,
        weighted=weighted,
        notes=notes,
        warnings=small_sample(y, wording),
    )


def _check(min_mass: float, resamples: int) -> None:
    if not 0 < min_mass < 1:
        raise UsageError(f"--min-mass must lie strictly between 0 and 1 (got {min_mass})")
    if not 0 <= resamples <= MAX_RESAMPLES:
        raise UsageError(f"resamples must be in 0..{MAX_RESAMPLES} (got {resamples})")


def small_sample(y: np.ndarray, wording: str) -> list[str]:
    """A warning when fewer than MIN_CASES of the replicates PRIM ran on have the outcome, or
    fewer than MIN_CASES lack it: the box is then fitted to a handful of cases."""
    has = int(np.count_nonzero(y))
    lacks = len(y) - has
    if min(has, lacks) >= MIN_CASES:
        return []
    return [
        f"small sample: {has:,} of the {len(y):,} replicates have {wording} and {lacks:,} do "
        f"not; with fewer than {MIN_CASES} of either the box's density and coverage rest on a "
        "handful of cases and may be chance (a pure box is easy to find in few points). Run "
        "more replicates (sim run -n) before reading it"
    ]


def _rows(
    r: Results, n: int, max_rows: int, rng: np.random.Generator
) -> tuple[np.ndarray, bool, list[str]]:
    """The replicates PRIM runs on: drawn by weight in a weighted run, else at most
    ``max_rows`` of them; whether the run was weighted, and a note on what was done."""
    w = getattr(r, "weights", None)  # a run conditioned on evidence (Results.condition)
    if w is None and r.has("weight"):
        w = r.column("weight")
    if w is not None:
        w = np.asarray(w, dtype=float)
        idx = rng.choice(n, size=min(n, max_rows), replace=True, p=w / w.sum())
        return idx, True, ["weighted run: replicates resampled in proportion to their weights"]
    if n > max_rows:
        idx = np.sort(rng.choice(n, size=max_rows, replace=False))
        return idx, False, [f"PRIM ran on a random {max_rows:,} of the {n:,} replicates"]
    return np.arange(n), False, []


def _restrictions(
    found: Any, i: int, x: pd.DataFrame, vocab: Vocabulary, stable: dict[str, float] | None
) -> list[Restriction]:
    """The inputs step ``i`` of the box restricts, most significant first (``stable``: the
    share of resamples restricting each again, None without resamples)."""
    lim, init = found.box_lims[i], found.box_lims[0]
    qps = found.qp[i] if i < len(found.qp) else {}
    rows = []
    for d in restricted(found, i):
        lo_on = bool(lim.loc[0, d] != init.loc[0, d])
        hi_on = bool(lim.loc[1, d] != init.loc[1, d])
        qlo, qhi = [*qps.get(d, []), -1, -1][:2]
        rows.append(
            Restriction(
                path=d,
                label=vocab.label(d),
                unit=vocab.unit(d),
                lo=float(lim.loc[0, d]) if lo_on else None,
                hi=float(lim.loc[1, d]) if hi_on else None,
                sampled_lo=float(x[d].min()),
                sampled_hi=float(x[d].max()),
                qp_lo=float(qlo) if lo_on and qlo >= 0 else None,
                qp_hi=float(qhi) if hi_on and qhi >= 0 else None,
                stability=None if stable is None else stable[d],
            )
        )
    rows.sort(key=_by_significance)
    return rows


def _by_significance(r: Restriction) -> float:
    """Sort key: the restriction's quasi-p-value (1 when it has none)."""
    q = r.qp()
    return 1.0 if q is None else q
