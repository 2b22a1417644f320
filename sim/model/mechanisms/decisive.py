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

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from ..engine.layout import Layout
from ..engine.sampling import Draws, Num, num
from ..engine.world import WorldBase
from ..scenario.schema import Scenario
from .accord import Accord
from .base import FLOAT, STR, Build, Mechanism, Spec
from .battlefield import Battlefield
from .negotiation import Negotiation
from .sides import Sides


@dataclass(frozen=True)
class DecisiveSpec(Spec):
    name: ClassVar[str] = "decisive"
    layout: Layout
    on: bool  # pressures.battlefield.decisive_ends
    signed: Num = 0.0  # pressures.battlefield.signed_after_decision
    needs_broker: bool = False  # pressures.battlefield.signed_needs_broker
    scale: float = 1.0  # structure.internal_signed_scale in an intrastate or extrastate war
    young_days: float = 0.0  # structure.decided_signed_days (tau); 0: the age does not enter
    age: float = 0.0  # the war's age at the start, days (0 without war_began)

    @classmethod
    def of(cls, s: Scenario, lay: Layout) -> DecisiveSpec:
        bf = s.pressures.battlefield
        if bf is None:
            return cls(lay, True)
        path = "pressures.battlefield.signed_after_decision"
        signed = num(bf.signed_after_decision, path)
        internal = s.conflict_type in ("intrastate", "extrastate")
        scale = s.structure.internal_signed_scale if internal else 1.0
        tau = s.structure.decided_signed_days
        age = 0.0 if s.war_began is None else float((s.start - s.war_began).days)
        return cls(lay, bf.decisive_ends, signed, bf.signed_needs_broker, scale, tau, age)

    def columns(self) -> dict[str, str]:
        return {"decided_day": FLOAT, "decided_for": STR}

    def sums(self, rounds: int) -> dict[str, tuple[int, ...]]:
        return {"decided": (rounds,)}

    def series(
        self, sums: dict[str, NDArray[np.float64]], n: int
    ) -> dict[str, NDArray[np.float64]]:
        return {"p_decided": sums["decided"] / n}

    def build(self, ctx: Build) -> Decisive:
        return Decisive(
            self,
            ctx.d,
            ctx.get("accord", Accord),
            ctx.get("battle", Battlefield),
            ctx.get("sides", Sides),
            ctx.get("negotiation", Negotiation),
        )


class Decisive(Mechanism):
    key = "decisive"

    def __init__(
        self,
        spec: DecisiveSpec,
        d: Draws,
        accord: Accord,
        battle: Battlefield,
        sides: Sides,
        talks: Negotiation,
    ):
        self.spec, self.accord, self.battle, self.sides = spec, accord, battle, sides
        self.talks = talks
        n = d.n
        # chance a decided war is closed by a signed ceasefire (scaled by who is left to sign)
        self.signed = d.scaled_chance(spec.signed, spec.scale)
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
        last = w.day + w.round_days - 1
        self.day[ended] = last
        self.winner[ended] = np.where(who[ended] < bf.p[ended], 1, 0)
        w.tracer.log(w.day, "decided", ended, "the war is decided by force")
        signs = self.signed.any() or self.spec.young_days > 0
        if signs and last < self.spec.layout.horizon_days:
            # (a war decided in a round that ends after the horizon is closed after it)
            self._sign(w, np.flatnonzero(ended), last)

    def _sign(self, w: WorldBase, rows: NDArray[np.intp], day: int) -> None:
        """Close the wars just decided in ``rows`` by a ceasefire both sides sign, each with
        probability ``signed`` (its own stream, so nothing else moves): on the winner's
        terms, its ideal on every political issue and the front where it stands."""
        v = w.uniforms("decisive.signed", w.day)
        rows = rows[v[rows] < self.chance(day)[rows]]
        if self.spec.needs_broker:  # only where a mediator putting its own terms is engaged
            rows = rows[self._brokered(w.n)[rows]]
        if not rows.size:
            return
        sd, front = self.sides, self.spec.layout.front
        terms = sd.ideal[self.winner[rows], rows].copy()
        if front is not None:
            terms[:, front] = self.battle.control[rows]
        u, pen = sd.evaluate(rows, terms)
        self.accord.agree(rows, day, terms, u, pen)
        mask = np.zeros(w.n, dtype=bool)
        mask[rows] = True
        w.tracer.log(w.day, "signed", mask, "the loser signs a ceasefire on the winner's terms")

    def chance(self, day: int) -> NDArray[np.float64]:
        """The chance that a war decided on ``day`` is closed by a signed ceasefire (n,):
        pi + (1 - pi) exp(-a / tau) at the war's age a that day, pi without tau."""
        tau = self.spec.young_days
        if tau <= 0:
            return self.signed
        young = math.exp(-(self.spec.age + day) / tau)
        return np.asarray(self.signed + (1.0 - self.signed) * young)

    def _brokered(self, n: int) -> NDArray[np.bool_]:
        """The rows where a mediator that puts its own terms (nash or split) is engaged."""
        out = np.zeros(n, dtype=bool)
        for med in self.talks.mediators:  # the proposing ones (proposes: none puts no terms)
            out |= self.talks.engaged[med.id]
        return out

    def accumulate(self, w: WorldBase, r: int, sums: dict[str, NDArray[np.float64]]) -> None:
        sums["decided"][r] = self.accord.decided.sum()

    def outcomes(self, w: WorldBase) -> dict[str, NDArray[np.generic]]:
        sides = np.array([*self.spec.layout.sides, ""])
        return {"decided_day": self.day, "decided_for": sides[self.winner]}
