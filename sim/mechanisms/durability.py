"""Durability of ceasefires (Fortna 2003): hazard h = h0 exp(g1 max_i(W_i - V_i(x*)) - sum_k g_k x*_k)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.layout import Layout
from ..engine.sampling import Draws, Num, num
from ..engine.world import WorldBase
from ..scenario.schema import Scenario
from .accord import Accord
from .base import Mechanism, Spec
from .sides import Sides
from .warvalue import WarValue

# exp() argument cap: beyond this the per-round breakdown probability is 1 anyway.
MAX_LOG_HAZARD = 50.0


@dataclass(frozen=True)
class DurabilitySpec(Spec):
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

    def build(self, d: Draws, sides: Sides, accord: Accord, war: WarValue) -> Durability:
        return Durability(self, d, sides, accord, war)


class Durability(Mechanism):
    key = "durability"

    def __init__(self, spec: DurabilitySpec, d: Draws, sides: Sides, accord: Accord, war: WarValue):
        self.sides, self.accord, self.war = sides, accord, war
        self.hazard0 = d(spec.hazard0)
        self.dissatisfaction = d(spec.dissatisfaction)
        self.guarantee = np.zeros((d.n, spec.layout.k))
        for i, g in spec.guarantees:
            self.guarantee[:, i] = d(g)

    def end(self, w: WorldBase) -> None:
        """Ceasefires in force since before today may break down; war and talks then resume."""
        ac, sd = self.accord, self.sides
        held = ac.in_force & (ac.since < w.day)
        u = w.uniforms("durability", w.day)
        if not held.any():
            return
        v = ac.u_current - sd.audience * sd.support * ac.pen_current
        grievance = np.max(self.war.war - v, axis=0)
        guard = np.sum(self.guarantee * np.nan_to_num(ac.current), axis=1)
        log_h = np.minimum(self.dissatisfaction * grievance - guard, MAX_LOG_HAZARD)
        rate = self.hazard0 * np.exp(log_h)  # breakdowns per year
        prob = -np.expm1(-rate * w.round_days / 365.0)
        broke = held & (u < prob)
        if broke.any():
            ac.break_down(broke, w.day)
            w.tracer.log(
                w.day, "breakdown", broke, "the ceasefire breaks down; fighting and talks resume"
            )
