"""Hidden obstacles: why a war that has lasted long is unlikely to end in a deal next week.

A scenario describes what its author can see: the sides' stakes, red lines, costs, pressures.
Wars also go on for reasons no scenario lists: private information about resolve (Fearon
1995), commitment problems beyond those modelled (Powell 2006), spoilers and domestic vetoes.
Each replicate carries such obstacles; while they hold, a ceasefire both sides accept is not
concluded (truces, offers, refusals and their consequences go on as modelled). They lift at
an exponential rate that differs between wars, drawn from a gamma distribution; a war that
has lasted ``a`` days is evidence of a low rate (wars with a high one ended), which makes the
time from the snapshot until they lift a Lomax, P(T > t) = (s / (s + t))^k, s = s0 + a.
The shape and s0 are sourced, not fitted to cases: the Lomax with the Correlates of War median
and mean duration (139 and 408 days) has k = 1.65, s0 = 267 days, and two thirds of wars end
in a settlement (Pillar 1983), so k = 1.10 (sim.model.mechanisms.durations). The structural
number ``structure.obstacle_scale`` multiplies k (calibrated on the history library).

On only for a scenario with ``war_began`` (the age is what it learns from) and
``negotiation.hidden_obstacles`` true (the default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from ..bargaining.offers import Offer
from ..engine.layout import Layout
from ..engine.world import WorldBase
from ..scenario.schema import Scenario
from .base import FLOAT, Build, Mechanism, Spec
from .durations import LOMAX_SCALE_DAYS, OBSTACLE_SHAPE

NEVER = 1e12  # days: a lift day beyond any horizon
FloatArray = NDArray[np.float64]
Deal = tuple[
    FloatArray, FloatArray, FloatArray
]  # terms (rows, K), utilities and penalties (2, rows)


@dataclass(frozen=True)
class ObstaclesSpec(Spec):
    name: ClassVar[str] = "obstacles"
    k: int  # issues (the terms of a held deal)
    shape: float  # Lomax shape k (0: no hidden obstacles)
    scale_days: float  # Lomax scale s = s0 + the war's age at the start

    @classmethod
    def of(cls, s: Scenario, lay: Layout) -> ObstaclesSpec:
        if s.war_began is None or not s.negotiation.hidden_obstacles:
            return cls(lay.k, 0.0, 0.0)
        age = float((s.start - s.war_began).days)
        st = s.structure
        scale = LOMAX_SCALE_DAYS * st.obstacle_prior_scale + age
        return cls(lay.k, OBSTACLE_SHAPE * st.obstacle_scale, scale)

    def columns(self) -> dict[str, str]:
        return {"obstacles_lift_day": FLOAT}

    def build(self, ctx: Build) -> Obstacles:
        return Obstacles(self, ctx.n)


class Obstacles(Mechanism):
    key = "obstacles"

    def __init__(self, spec: ObstaclesSpec, n: int):
        self.spec = spec
        # day (from the start) the obstacles lift; 0 with none: every deal may be concluded
        self.lift = np.zeros(n)
        self.drawn = spec.shape == 0.0
        # the latest deal both sides accepted while the obstacles held, concluded when they lift
        self.pending = np.zeros(n, dtype=bool)
        self.terms = np.zeros((n, spec.k)) if spec.shape > 0 else np.zeros((0, spec.k))
        self.u = np.zeros((2, self.terms.shape[0]))
        self.pen = np.zeros((2, self.terms.shape[0]))
        self.left = np.zeros(self.terms.shape[0])
        self.below = np.zeros(self.terms.shape[0], dtype=bool)

    def begin(self, w: WorldBase) -> None:
        """On the first day, draw each replicate's lift day: t = s (U^(-1/k) - 1)."""
        if self.drawn:
            return
        u = np.maximum(w.uniforms("obstacles", 0), 1e-300)
        with np.errstate(over="ignore", invalid="ignore"):
            t = self.spec.scale_days * np.expm1(-np.log(u) / self.spec.shape)
        self.lift = np.minimum(np.nan_to_num(t, nan=0.0), NEVER)  # scale 0: 0 x inf is 0
        self.drawn = True

    def lifted(self, rows: NDArray[np.intp], day: int) -> NDArray[np.bool_]:
        """Whether a deal may be concluded on ``day`` in each of ``rows``."""
        return np.asarray(self.lift[rows] <= day)

    def hold(
        self, w: WorldBase, offer: Offer, both: NDArray[np.bool_], margins: FloatArray
    ) -> NDArray[np.bool_]:
        """Of the offer's rows where both accept (``both``), keep back those whose obstacles
        hold: their deal is pending (the latest replaces an earlier one). Returns the rest."""
        if self.spec.shape == 0.0 or not both.any():
            return both
        held = both & ~self.lifted(offer.rows, w.day)
        if not held.any():
            return both
        sel = np.flatnonzero(held)
        r = offer.rows[sel]
        self.pending[r] = True
        self.terms[r] = offer.terms[sel]
        self.u[:, r] = offer.u[:, sel]
        self.pen[:, r] = offer.pen[:, sel]
        self.left[r] = 0 if offer.settled is None else int((~offer.settled).sum())
        self.below[r] = np.any(margins[:, sel] < 0.0, axis=0)
        w.tracer.log(
            w.day,
            "held",
            w.tracer.mask(w.n, r),
            f"both accept '{offer.name}'; it is concluded when the war's hidden obstacles lift",
        )
        return both & ~held

    def due(
        self, day: int, open_: NDArray[np.bool_]
    ) -> tuple[NDArray[np.intp], Deal, FloatArray, NDArray[np.bool_]]:
        """The pending deals whose obstacles have lifted by ``day``, in rows still at war
        (``open_``): rows, (terms, utilities, penalties), issues left open, below reservation."""
        if self.spec.shape == 0.0:
            r = np.zeros(0, dtype=np.intp)
        else:
            r = np.flatnonzero(self.pending & (self.lift <= day) & open_)
            self.pending[r] = False
        return r, (self.terms[r], self.u[:, r], self.pen[:, r]), self.left[r], self.below[r]

    def clear(self, rows: NDArray[np.intp]) -> None:
        """A ceasefire was agreed in ``rows``: a deal still pending there is void."""
        if self.spec.shape > 0.0:
            self.pending[rows] = False

    def outcomes(self, w: WorldBase) -> dict[str, NDArray[np.generic]]:
        lift = self.lift if self.spec.shape > 0 else np.full(w.n, np.nan)
        return {"obstacles_lift_day": lift}
