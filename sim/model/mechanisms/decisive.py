"""Decisive ends: the war is decided by force with the hazard each side's war value assumes.

Each side values fighting on as a stream of costs until the war ends decisively, with
hazard h a round (``pressures.battlefield.decisive_per_year``, scaled by the intensity;
``sim.mechanisms.warvalue``). This mechanism makes that end happen: at the end of every
round fought, with probability h the war is decided, for B with the true chance p that B
prevails (the contest success function), for A otherwise. A decided war is over: no more
fighting, talks or ceasefire (``decided_day``, ``decided_for``). Without it the simulation
contradicted its own valuation, and wars that ended by conquest or a unilateral withdrawal
after defeat (no agreed ceasefire) could only end in a deal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from ..engine.layout import Layout
from ..engine.world import WorldBase
from ..scenario.schema import Scenario
from .accord import Accord
from .base import FLOAT, STR, Build, Mechanism, Spec
from .battlefield import Battlefield


@dataclass(frozen=True)
class DecisiveSpec(Spec):
    name: ClassVar[str] = "decisive"
    layout: Layout
    on: bool  # pressures.battlefield.decisive_ends

    @classmethod
    def of(cls, s: Scenario, lay: Layout) -> DecisiveSpec:
        bf = s.pressures.battlefield
        return cls(lay, True if bf is None else bf.decisive_ends)

    def columns(self) -> dict[str, str]:
        return {"decided_day": FLOAT, "decided_for": STR}

    def sums(self, rounds: int) -> dict[str, tuple[int, ...]]:
        return {"decided": (rounds,)}

    def series(
        self, sums: dict[str, NDArray[np.float64]], n: int
    ) -> dict[str, NDArray[np.float64]]:
        return {"p_decided": sums["decided"] / n}

    def build(self, ctx: Build) -> Decisive:
        return Decisive(self, ctx.n, ctx.get("accord", Accord), ctx.get("battle", Battlefield))


class Decisive(Mechanism):
    key = "decisive"

    def __init__(self, spec: DecisiveSpec, n: int, accord: Accord, battle: Battlefield):
        self.spec, self.accord, self.battle = spec, accord, battle
        self.day = np.full(n, np.nan)  # day the war was decided
        self.winner = np.full(n, -1)  # side index of the winner

    def end(self, w: WorldBase) -> None:
        """After a round's fighting and talks, the war may be decided (rounds fought only)."""
        if not self.spec.on:
            return
        ac, bf = self.accord, self.battle
        share = ac.fight_share(w.day, w.round_days)
        u, who = w.uniforms("decisive", w.day, 2)
        ended = (share > 0) & (u < share * bf.decisive_hazard(w.round_days))
        if not ended.any():
            return
        ac.decide(ended)
        self.day[ended] = w.day + w.round_days - 1
        self.winner[ended] = np.where(who[ended] < bf.p[ended], 1, 0)
        w.tracer.log(w.day, "decided", ended, "the war is decided by force")

    def accumulate(self, w: WorldBase, r: int, sums: dict[str, NDArray[np.float64]]) -> None:
        sums["decided"][r] = self.accord.decided.sum()

    def outcomes(self, w: WorldBase) -> dict[str, NDArray[np.generic]]:
        sides = np.array([*self.spec.layout.sides, ""])
        return {"decided_day": self.day, "decided_for": sides[self.winner]}
