"""Sanctions: a scheduled base level plus what threats and events add, scaled by agreed relief.

sigma = clip(base + extra, 0, 1) * relief. Schedule steps set the base; effects on
``sanctions`` (threats, events) change the total by moving ``extra``, which later steps
keep; an agreement multiplies ``relief`` by (1 - its value on the relief issue), which
scales the total from then on (also after a breakdown). Sigma erodes the target's economy
and costs it utility each round, at war or not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from ..engine.calendar import Item
from ..engine.layout import Layout
from ..engine.sampling import Draws, Num, num
from ..engine.world import WorldBase
from ..scenario.schema import Scenario
from ..scenario.statepaths import ECONOMY_FLOOR
from .base import RANK_SANCTIONS_STEP, Build, Mechanism, Spec
from .effects import Targets
from .sides import Sides

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class SanctionsSpec(Spec):
    name: ClassVar[str] = "sanctions"

    layout: Layout
    target: int | None  # side index of the target (None: no sanctions)
    level: Num
    bite: Num
    cost: Num
    schedule: tuple[tuple[int, Num], ...]  # (day, level)
    relief_issue: int | None
    lapse: Num = 0.0  # hazard per year that sanctions a deal leaves in place lapse

    @classmethod
    def of(cls, s: Scenario, lay: Layout) -> SanctionsSpec:
        sc = s.pressures.sanctions
        if sc is None:
            return cls(lay, None, 0.0, 0.0, 0.0, (), None)
        base = "pressures.sanctions"
        return cls(
            layout=lay,
            target=lay.side(sc.target) if sc.target in lay.sides else None,
            level=num(sc.level, f"{base}.level"),
            bite=num(sc.bite, f"{base}.bite"),
            cost=num(sc.cost, f"{base}.cost"),
            schedule=tuple(
                (lay.day_of(st.on), num(st.level, f"{base}.schedule.{i}.level"))
                for i, st in enumerate(sc.schedule)
            ),
            relief_issue=lay.issue(sc.relief_issue) if sc.relief_issue is not None else None,
            lapse=num(sc.lapse_per_year, f"{base}.lapse_per_year"),
        )

    def items(self) -> list[Item[WorldBase]]:
        return [
            Item(day, RANK_SANCTIONS_STEP, "sanctions step", _step(i))
            for i, (day, _) in enumerate(self.schedule)
        ]

    def build(self, ctx: Build) -> Sanctions:
        return Sanctions(self, ctx.d, ctx.targets, ctx.get("sides", Sides))


def _step(index: int) -> Callable[[WorldBase], None]:
    def run(w: WorldBase) -> None:
        w.mechanism(SanctionsSpec.name, Sanctions).scheduled(w, index)

    return run


class Sanctions(Mechanism):
    key = "sanctions"

    def __init__(self, spec: SanctionsSpec, d: Draws, targets: Targets, sides: Sides):
        self.spec, self.sides = spec, sides
        self.bite = d(spec.bite)
        self.unit_cost = d(spec.cost)  # utility per round at sigma = 1
        self.step_level = [d(level) for _, level in spec.schedule]
        # probability per round that sanctions left in place lapse
        self.lapse = -np.expm1(-d(spec.lapse) * spec.layout.round_days / 365.0)
        # state
        self.base = d(spec.level)  # level set by the schedule
        self.extra = np.zeros(d.n)  # what threats and events added on top
        self.relief = np.ones(d.n)  # share kept after the relief of agreements
        targets.add("sanctions", lambda who: self.base + self.extra, self._set_total)

    def _set_total(self, who: str | None, total: FloatArray, mask: BoolArray) -> None:
        """An effect moved the pre-relief total: the change is kept in ``extra``."""
        self.extra[mask] = (total - self.base)[mask]

    @property
    def level(self) -> FloatArray:
        """sigma: the sanctions in force, 0..1."""
        return np.asarray(np.clip(self.base + self.extra, 0.0, 1.0) * self.relief)

    def scheduled(self, w: WorldBase, index: int) -> None:
        """A schedule step sets the base level; increments and agreed relief stand."""
        self.base = self.step_level[index].copy()
        w.tracer.log(w.day, "sanctions", None, "sanctions set by schedule", level=self.level)

    def begin(self, w: WorldBase) -> None:
        t = self.spec.target
        if t is None:
            return
        erosion = self.bite * self.level
        econ = self.sides.economy
        econ[t] = np.maximum(econ[t] * (1.0 - np.clip(erosion, 0.0, 1.0)), ECONOMY_FLOOR)

    def relieve(self, rows: IntArray, terms: FloatArray) -> None:
        """An agreement lifts sanctions by its value on the relief issue (scaled 0..1)."""
        k = self.spec.relief_issue
        if self.spec.target is None or k is None:
            return
        self.relief[rows] *= 1.0 - np.clip(terms[:, k], 0.0, 1.0)

    def lasting(self, side: int, patience: FloatArray) -> FloatArray:
        """What the sanctions in force would cost ``side`` if a deal left them in place (lump, n,):
        sigma x cost per round / (1 - delta (1 - lapse)), the discounted cost over their
        expected life; zero for the side that is not the target."""
        if side != self.spec.target:
            return np.zeros(len(self.base))
        return np.asarray(self.level * self.unit_cost / (1.0 - patience * (1.0 - self.lapse)))

    def kept_cost(self, side: int, mu: FloatArray, sides: Sides) -> FloatArray:
        """The lasting cost of the sanctions a decisive end of the war would leave on ``side``:
        the relief issue goes to B's ideal with probability mu, to A's otherwise."""
        lump = self.lasting(side, sides.patience[side])
        k = self.spec.relief_issue
        if k is None or not lump.any():
            return lump
        relief = mu * sides.ideal[1, :, k] + (1.0 - mu) * sides.ideal[0, :, k]
        return np.asarray(lump * (1.0 - np.clip(relief, 0.0, 1.0)))

    def cost(self) -> FloatArray:
        """Utility per round that sanctions cost each side (2, n): only the target pays."""
        out = np.zeros((2, len(self.level)))
        if self.spec.target is not None:
            out[self.spec.target] = self.unit_cost * self.level
        return out
