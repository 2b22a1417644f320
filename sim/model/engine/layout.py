"""The shape of a scenario as the engine sees it: issues and their scaling, sides, actors, calendar size."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..scenario.schema import Scenario

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Layout:
    """Everything about a scenario's shape that no replicate changes (picklable, no spec objects).

    Issue values are scaled to [0, 1] inside the engine: ``(value - lo) / span``. Side index
    0 is side A, 1 is side B throughout the engine.
    """

    name: str
    issues: tuple[str, ...]
    lo: FloatArray
    span: FloatArray
    front: int | None  # index of the front-line issue
    sq_fixed: FloatArray  # (K,) scaled status quo; NaN where none or where the front line sets it
    sides: tuple[str, str]
    mediators: tuple[str, ...]
    patrons: tuple[str, ...]
    start: dt.date
    horizon_days: int
    round_days: int

    @classmethod
    def of(cls, s: Scenario) -> Layout:
        issues = tuple(s.issues)
        lo = np.array([s.issues[k].range[0] for k in issues], dtype=float)
        hi = np.array([s.issues[k].range[1] for k in issues], dtype=float)
        span = hi - lo
        front_id = s.front_line_issue()
        sq = np.full(len(issues), np.nan)
        for i, k in enumerate(issues):
            v = s.issues[k].status_quo
            if isinstance(v, float):
                sq[i] = (v - lo[i]) / span[i]
        return cls(
            name=s.name,
            issues=issues,
            lo=lo,
            span=span,
            front=issues.index(front_id) if front_id is not None else None,
            sq_fixed=sq,
            sides=(s.side("A")[0], s.side("B")[0]),
            mediators=tuple(s.mediators()),
            patrons=tuple(s.patrons()),
            start=s.start,
            horizon_days=s.horizon_days,
            round_days=s.round_days,
        )

    @property
    def k(self) -> int:
        return len(self.issues)

    @property
    def rounds(self) -> int:
        return math.ceil(self.horizon_days / self.round_days)

    def issue(self, key: str) -> int:
        return self.issues.index(key)

    def side(self, actor: str) -> int:
        return self.sides.index(actor)

    def scale(self, i: int, value: float | FloatArray) -> FloatArray:
        """Real units of issue ``i`` -> [0, 1]."""
        return np.asarray((np.asarray(value, dtype=float) - self.lo[i]) / self.span[i])

    def unscale(self, x: FloatArray) -> FloatArray:
        """Scaled terms (..., K) -> real units."""
        return np.asarray(self.lo + x * self.span)

    def day_of(self, d: dt.date) -> int:
        return (d - self.start).days

    def date(self, day: int | float) -> dt.date:
        return self.start + dt.timedelta(days=int(day))
