"""What fighting on is worth to each side, and what rejecting a deal is worth.

The war ends decisively with hazard h per round (from the battlefield); until then each
side pays its per-round cost C_i (fighting, sanctions, threats carried out), and at the end
it receives the value of the outcome, so with discount factor delta_i

    W_i = (h delta_i E_i[G_i(x_war)] - C_i) / (1 - delta_i (1 - h)),

which tends to Fearon's E[U] - C/h as delta -> 1 (derivation in docs/model.md). The outcome
x_war is a lottery on the political issues (B's ideal with the side's belief mu_i that B
prevails, A's otherwise) and, on the front-line issue, the front where the side expects it
when the war ends: c + m_i min(T_i, L), with m_i the drift it expects per round,
T_i = 1 / (1 - delta_i (1 - h)) the discount-weighted rounds still to fight and L the
look-ahead (no side projects a trend further than it can see; the fighting cannot deliver
more within it). On the front line more of what a side claims is never worse for it. G_i is
the utility of terms less, for the sanctions target, the sanctions they leave in place.
The per-round flow h delta_i E_i[G_i] - C_i, the continuation factor delta_i (1 - h) and the
drift m_i are kept: the value of waiting for better terms (sim.mechanisms.signing) reads them.
Rejecting a deal is worth W_i minus the threats a refusal would set off, plus a stalling
type's regroup premium.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from ..bargaining.evaluate import front_gap
from ..engine.layout import Layout
from ..engine.sampling import Num, num
from ..engine.world import WorldBase
from ..scenario.schema import Scenario
from .base import Build, Mechanism, Spec
from .battlefield import Battlefield
from .learning import Learning
from .sanctions import Sanctions
from .sides import Sides
from .threats import Threats

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class WarValueSpec(Spec):
    name: ClassVar[str] = "war"

    lookahead: Num  # days a side looks ahead: it projects the front and weighs waiting that far
    round_days: int

    @classmethod
    def of(cls, s: Scenario, lay: Layout) -> WarValueSpec:
        return cls(num(s.negotiation.lookahead_days, "negotiation.lookahead_days"), s.round_days)

    def build(self, ctx: Build) -> WarValue:
        rounds = np.maximum(ctx.d(self.lookahead) / self.round_days, 1.0)
        return WarValue(
            ctx.n,
            ctx.get("sides", Sides),
            ctx.get("learning", Learning),
            ctx.get("battle", Battlefield),
            ctx.get("sanctions", Sanctions),
            ctx.get("threats", Threats),
            rounds,
        )


class WarValue(Mechanism):
    key = "war"

    def __init__(
        self,
        n: int,
        sides: Sides,
        learning: Learning,
        battle: Battlefield,
        sanctions: Sanctions,
        threats: Threats,
        lookahead: FloatArray,
    ):
        self.sides, self.learning, self.battle = sides, learning, battle
        self.lookahead = lookahead  # L: rounds a side looks ahead (n,)
        self.flow = np.zeros((2, n))  # h delta E[G] - C: what a round of war is worth
        self.rho = np.ones((2, n))  # delta (1 - h): the weight of the round after
        self.drift = np.zeros((2, n))  # m_i: the front's move per round as each side expects it
        self.regroup = sides.regroup  # (2, n) shift of the balance a pause gives each side
        self.regroup_loss = np.zeros((2, n))  # Delta_i: W_i less the war after the other regroups
        self.sanctions, self.threats = sanctions, threats
        self.front = battle.spec.layout.front
        self.war = np.zeros((2, n))  # W_i: value of fighting on
        self.reject = np.zeros(
            (2, n)
        )  # what rejecting a deal is worth (W plus threats and stalling)
        self.horizon = np.ones((2, n))  # T_i: discount-weighted rounds of war still to come
        self.u_war = np.zeros((2, 2, n))  # U_i(y_j) over the issues other than the front line
        self._outcomes(None)
        sides.on_new_ideal(lambda side, rows: self._outcomes(rows))

    def _outcomes(self, rows: IntArray | None) -> None:
        """U_i(y_j) without the front-line issue (at the start, or when an election moves ideals)."""
        sd = self.sides
        sel = slice(None) if rows is None else rows
        for i in (0, 1):
            w = sd.weight[i][sel].copy()
            if self.front is not None:
                w[:, self.front] = 0.0
            for j in (0, 1):
                d = np.abs(sd.ideal[j][sel] - sd.ideal[i][sel]) ** sd.risk[i][sel][:, None]
                self.u_war[i, j][sel] = np.sum(w * (1.0 - d), axis=1)

    def cost(self) -> FloatArray:
        """C_i: utility per round that fighting on costs each side (2, n)."""
        return np.asarray(self.fight_cost() + self.sanctions.cost())

    def fight_cost(self) -> FloatArray:
        """The part of C_i a pause saves: fighting, and the burden of threats carried out (2, n)."""
        return np.asarray(self.battle.fighting_cost() + self.threats.burden)

    def begin(self, w: WorldBase) -> None:
        self.refresh(w)

    def after_item(self, w: WorldBase) -> None:
        self.refresh(w)

    def finite_state(self) -> list[tuple[str, NDArray[Any]]]:
        return [("war value", self.war), ("value of rejecting a deal", self.reject)]

    def refresh(self, w: WorldBase) -> None:
        """Recompute W, the value of rejecting a deal and the war after a pause, both sides."""
        sd, bf = self.sides, self.battle
        mu = self.learning.beliefs()
        h = bf.decisive_hazard(w.round_days)
        cost = self.cost()
        threat = self.threats.expected_cost(w)
        for i in (0, 1):
            delta = sd.patience[i]
            t = 1.0 / (1.0 - delta * (1.0 - h))
            self.drift[i] = bf.drift_seen(mu[i])
            self.horizon[i] = t
            self.rho[i] = delta * (1.0 - h)
            self.flow[i] = h * delta * self.prize(i, mu[i], t) - cost[i]
            self.war[i] = self.flow[i] * t
            self.reject[i] = self.war[i] - threat[i] + sd.stall(i, w.day)
            if self.regroup[1 - i].any():
                # the other side regroups during a pause: the war resumes with mu shifted its way
                shifted = np.clip(mu[i] + (1.0 if i == 0 else -1.0) * self.regroup[1 - i], 0, 1)
                after = (h * delta * self.prize(i, shifted, t) - cost[i]) * t
                self.regroup_loss[i] = np.maximum(self.war[i] - after, 0.0)

    def prize(self, i: int, mu: FloatArray, t: FloatArray) -> FloatArray:
        """E_i[G_i(x_war)]: what side i expects the war's decisive end to give it, believing B
        prevails with ``mu``, with T_i = ``t`` discount-weighted rounds still to fight."""
        sd, bf = self.sides, self.battle
        prize = mu * self.u_war[i, 1] + (1.0 - mu) * self.u_war[i, 0]
        if self.front is not None:
            f = self.front
            drift = bf.drift_seen(mu)
            c_war = np.clip(bf.control + drift * np.minimum(t, self.lookahead), 0.0, 1.0)
            dist = front_gap(i, c_war, sd.ideal[i, :, f]) ** sd.risk[i]
            prize = prize + sd.weight[i, :, f] * (1.0 - dist)
        return np.asarray(prize - self.sanctions.kept_cost(i, mu, sd))
