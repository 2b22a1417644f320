"""Domestic politics (Putnam 1988): support reverts to its start, falls with casualties and war costs; elections may replace leaders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit

from ..engine.calendar import Item
from ..engine.layout import Layout
from ..engine.sampling import Draws, Num, num
from ..engine.world import WorldBase
from ..scenario.schema import Scenario
from .accord import Accord
from .base import RANK_ELECTION, Build, Mechanism, Spec
from .battlefield import Battlefield
from .sanctions import Sanctions
from .sides import Sides
from .threats import Threats

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ElectionSpec:
    side: int
    actor: str
    index: int
    day: int
    base: Num
    slope: Num
    shift: tuple[float, ...]  # move of the ideal point if the leader is replaced, scaled, per issue


@dataclass(frozen=True)
class DomesticSpec(Spec):
    name: ClassVar[str] = "domestic"

    layout: Layout
    reversion: tuple[Num, Num]
    casualty: tuple[Num, Num]
    cost_sensitivity: tuple[Num, Num]
    elections: tuple[ElectionSpec, ...]

    @classmethod
    def of(cls, s: Scenario, lay: Layout) -> DomesticSpec:
        rev: list[Num] = [0.0, 0.0]
        cas: list[Num] = [0.0, 0.0]
        sens: list[Num] = [0.0, 0.0]
        els = []
        for j, sid in enumerate(lay.sides):
            d = s.pressures.domestic.get(sid)
            if d is None:
                continue
            base = f"pressures.domestic.{sid}"
            rev[j] = num(d.reversion, f"{base}.reversion")
            cas[j] = num(d.casualty_sensitivity, f"{base}.casualty_sensitivity")
            sens[j] = num(d.cost_sensitivity, f"{base}.cost_sensitivity")
            for ei, el in enumerate(d.elections):
                shift = np.zeros(lay.k)
                for k, v in el.shift.items():
                    i = lay.issue(k)
                    shift[i] = v / lay.span[i]
                els.append(
                    ElectionSpec(
                        side=j,
                        actor=sid,
                        index=ei,
                        day=lay.day_of(el.on),
                        base=num(el.base, f"{base}.elections.{ei}.base"),
                        slope=num(el.slope, f"{base}.elections.{ei}.slope"),
                        shift=tuple(float(x) for x in shift),
                    )
                )
        return cls(lay, (rev[0], rev[1]), (cas[0], cas[1]), (sens[0], sens[1]), tuple(els))

    def items(self) -> list[Item[WorldBase]]:
        return [
            Item(e.day, RANK_ELECTION, f"election: {e.actor}", _election(n))
            for n, e in enumerate(self.elections)
        ]

    def build(self, ctx: Build) -> Domestic:
        return Domestic(
            self,
            ctx.d,
            ctx.get("sides", Sides),
            ctx.get("accord", Accord),
            ctx.get("battle", Battlefield),
            ctx.get("sanctions", Sanctions),
            ctx.get("threats", Threats),
        )


def _election(n: int) -> Callable[[WorldBase], None]:
    def run(w: WorldBase) -> None:
        w.mechanism(DomesticSpec.name, Domestic).election(w, n)

    return run


class Domestic(Mechanism):
    key = "domestic"

    def __init__(
        self,
        spec: DomesticSpec,
        d: Draws,
        sides: Sides,
        accord: Accord,
        battle: Battlefield,
        sanctions: Sanctions,
        threats: Threats,
    ):
        self.spec, self.sides, self.accord = spec, sides, accord
        self.battle, self.sanctions, self.threats = battle, sanctions, threats
        self.reversion = np.stack([d(x) for x in spec.reversion])
        self.casualty = np.stack([d(x) for x in spec.casualty])
        self.cost_sensitivity = np.stack([d(x) for x in spec.cost_sensitivity])
        self.election_base = [d(e.base) for e in spec.elections]
        self.election_slope = [d(e.slope) for e in spec.elections]

    def begin(self, w: WorldBase) -> None:
        """S <- S + reversion (S0 - S) - f (casualty_sensitivity I + cost_sensitivity C_fight) - ...

        f is the share of the round fought; the sanctions part of the cost is felt in peace too.
        """
        sd = self.sides
        fight = self.accord.fight_share(w.day, w.round_days)
        loss = fight * self.casualty * self.battle.intensity
        if self.cost_sensitivity.any():
            felt = (
                fight * (self.battle.fighting_cost() + self.threats.burden) + self.sanctions.cost()
            )
            loss = loss + self.cost_sensitivity * felt
        sd.support = sd.support + self.reversion * (sd.support0 - sd.support) - loss
        np.clip(sd.support, 0.0, 1.0, out=sd.support)

    def election(self, w: WorldBase, n: int) -> None:
        """The leader is replaced with probability logistic(base - slope * support)."""
        el = self.spec.elections[n]
        side = el.side
        u = w.uniforms(f"election.{el.actor}.{el.index}", w.day)
        prob = expit(self.election_base[n] - self.election_slope[n] * self.sides.support[side])
        replaced = u < prob
        rows = np.flatnonzero(replaced)
        if rows.size:
            self.sides.move_ideal(side, rows, np.asarray(el.shift))
            self.sides.optimism[side, rows] = (
                0.0  # a new leader starts without the old one's commitments
            )
        w.tracer.log(w.day, "election", replaced, f"election: {el.actor}'s leader replaced")
        w.tracer.log(w.day, "election", ~replaced, f"election: {el.actor}'s leader survives")
