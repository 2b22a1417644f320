"""Durability of ceasefires (Fortna 2003): hazard h = h0 exp(g1 max_i(W_i - V_i(x*)) - sum_k g_k x*_k)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from ..engine.layout import Layout
from ..engine.sampling import Draws, Num, num
from ..engine.world import WorldBase
from ..scenario.schema import Scenario
from .accord import Accord
from .base import Build, Mechanism, Spec
from .compiled import PAIRWISE_BLOCK, log_hazard
from .sides import Sides
from .warvalue import WarValue

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

# exp() argument cap: beyond this the per-round breakdown probability is 1 anyway.
MAX_LOG_HAZARD = 50.0


@dataclass(frozen=True)
class DurabilitySpec(Spec):
    name: ClassVar[str] = "durability"

    layout: Layout
    hazard0: Num  # breakdowns per year of a ceasefire nobody resents
    dissatisfaction: Num
    guarantees: tuple[
        tuple[int, Num], ...
    ]  # (issue, log-hazard reduction per unit of scaled terms)

    @classmethod
    def of(cls, s: Scenario, lay: Layout) -> DurabilitySpec:
        du = s.durability
        return cls(
            lay,
            num(du.base_hazard_per_year, "durability.base_hazard_per_year"),
            num(du.dissatisfaction, "durability.dissatisfaction"),
            tuple(
                (lay.issue(k), num(v, f"durability.guarantees.{k}"))
                for k, v in du.guarantees.items()
            ),
        )

    def build(self, ctx: Build) -> Durability:
        sides, accord = ctx.get("sides", Sides), ctx.get("accord", Accord)
        return Durability(self, ctx.d, sides, accord, ctx.get("war", WarValue))


class Durability(Mechanism):
    key = "durability"

    def __init__(self, spec: DurabilitySpec, d: Draws, sides: Sides, accord: Accord, war: WarValue):
        self.sides, self.accord, self.war = sides, accord, war
        self.hazard0 = d(spec.hazard0)
        self.dissatisfaction = d(spec.dissatisfaction)
        self.guarantee = np.zeros((d.n, spec.layout.k))
        for i, g in spec.guarantees:
            self.guarantee[:, i] = d(g)

    def breakdown(
        self, rows: IntArray, value: FloatArray, terms: FloatArray, round_days: int, floor: int = -1
    ) -> FloatArray:
        """Probability per round that a ceasefire on ``terms`` (r, K) breaks down in ``rows``,
        given each side's value of it (2, r): h0 exp(g1 max_i(W_i - V_i) - sum_k g_k x_k).
        ``floor``: a side whose value counts at least its war value (-1: none)."""
        log_h = self.log_hazard(rows, value, terms, floor)
        rate = self.hazard0[rows] * np.exp(log_h)  # breakdowns per year
        return np.asarray(-np.expm1(-rate * round_days / 365.0))

    def log_hazard(
        self, rows: IntArray, value: FloatArray, terms: FloatArray, floor: int
    ) -> FloatArray:
        """min(g1 max_i(W_i - V_i) - sum_k g_k x_k, MAX_LOG_HAZARD) per row (compiled)."""
        war = self.war.war
        if terms.shape[1] > PAIRWISE_BLOCK:  # beyond one block numpy's sum recurses: use it
            if floor >= 0:
                value = value.copy()
                value[floor] = np.maximum(value[floor], war[floor, rows])
            grievance = np.max(war[:, rows] - value, axis=0)
            guard = np.sum(self.guarantee[rows] * terms, axis=1)
            return np.asarray(
                np.minimum(self.dissatisfaction[rows] * grievance - guard, MAX_LOG_HAZARD)
            )
        out = np.empty(len(rows))
        log_hazard(
            np.asarray(rows, dtype=np.int64), np.ascontiguousarray(value, dtype=np.float64),
            np.ascontiguousarray(terms, dtype=np.float64), war, floor, self.guarantee,
            self.dissatisfaction, MAX_LOG_HAZARD, out,
        )  # fmt: skip
        return out

    def end(self, w: WorldBase) -> None:
        """Ceasefires in force since before today may break down; war and talks then resume."""
        ac, sd = self.accord, self.sides
        held = ac.in_force & (ac.since < w.day) & ~ac.decided  # a war decided stays over
        u = w.uniforms("durability", w.day)
        if not held.any():
            return
        v = ac.u_current - sd.audience * sd.support * ac.pen_current
        rows = np.arange(w.n)
        prob = self.breakdown(rows, v, np.nan_to_num(ac.current), w.round_days)
        broke = held & (u < prob)
        if broke.any():
            ac.break_down(broke, w.day)
            w.tracer.log(
                w.day, "breakdown", broke, "the ceasefire breaks down; fighting and talks resume"
            )
