"""``-n auto --precision H``: add chunks until the 95% intervals are narrow enough.

A run's chunk i draws from (seed, i) alone, so the first n replicates of any run are the
same whatever its size: growing a run chunk by chunk and stopping at n gives exactly the
fixed-size run of n. The stopping rule looks at P(ceasefire by the horizon) — the Wilson
interval's half-width — and, for several runs on common random numbers (a comparison),
also at the paired difference of each from the first (normal interval of the per-replicate
differences). After each step the replicates still needed are projected from the current
half-width (it shrinks as 1/√n) and rounded up to whole chunks, up to the cap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..output.stats import weighted_share, wilson

__all__ = ["Z95", "grow_until_precise", "half_width", "paired_half_width"]

Z95 = 1.959963984540054
OVERSHOOT = 1.05  # project 5% more replicates than the √n rule says, to stop in one more step


def half_width(flags: np.ndarray) -> float:
    """Half-width of the 95% Wilson interval of the share of True in ``flags``."""
    _, lo, hi = wilson(int(np.count_nonzero(flags)), len(flags))
    return (hi - lo) / 2


def paired_half_width(a: np.ndarray, b: np.ndarray) -> float:
    """Half-width of the 95% normal interval of mean(b − a), replicate by replicate."""
    d = b.astype(float) - a.astype(float)
    if len(d) < 2:
        return math.inf
    return Z95 * float(d.std(ddof=1)) / math.sqrt(len(d))


def conditioned_half_width(
    flags: np.ndarray, w: np.ndarray, groups: np.ndarray | None = None
) -> float:
    """Half-width of the weighted share's 95% interval (Wilson's at the effective size,
    counting ancestors when ``groups`` are given); inf while no replicate carries weight."""
    if not np.any(w > 0):
        return math.inf
    _, lo, hi = weighted_share(flags, w, groups=groups)
    return (hi - lo) / 2


def widest(sims: Sequence[Any]) -> float:
    """The widest half-width among each run's P(ceasefire) (conditioned on the record where
    the run is) and each paired difference."""
    cols = [np.asarray(s.column("ceasefire"), dtype=bool) for s in sims]
    weights = [getattr(s, "weights", lambda: None)() for s in sims]
    groups = [getattr(s, "groups", lambda: None)() for s in sims]
    h = max(
        half_width(c) if w is None else conditioned_half_width(c, w, g)
        for c, w, g in zip(cols, weights, groups, strict=True)
    )
    if len(cols) > 1:
        h = max(h, *(paired_half_width(cols[0], c) for c in cols[1:]))
    return h


def grow_until_precise(sims: Sequence[Any], precision: float) -> float:
    """Grow every run (``sim.engine.runner.Simulation``) in step until the widest half-width
    is at most ``precision`` or the runs reach their cap; return that half-width."""
    size = sims[0].chunk_size
    limit = min(s.limit for s in sims)
    n = min(size, limit)
    for s in sims:
        s.grow(n, total=n)
    while True:
        h = widest(sims)
        if h <= precision or n >= limit:
            return h
        # no replicate fits the record yet: double; else the half-width shrinks as 1/sqrt(n)
        want = 2 * n if not math.isfinite(h) else n * (h / precision) ** 2 * OVERSHOOT
        n = min(limit, max(n + size, math.ceil(want / size) * size))
        for s in sims:
            s.grow(n, total=n)
