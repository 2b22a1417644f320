"""What fighting on is worth to each side (Fearon 1995), and what rejecting a deal is worth.

W_i = mu_i U_i(y_B) + (1 - mu_i) U_i(y_A) - C_i / (1 - delta_i), with C_i the per-round cost
of fighting and sanctions; rejecting is worth W_i minus the threats a refusal would set off,
plus a stalling type's regroup premium.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..bargaining.utility import utility_rows
from ..engine.world import WorldBase
from ..errors import RunError
from .base import Mechanism, Spec
from .battlefield import Battlefield
from .learning import Learning
from .sanctions import Sanctions
from .sides import Sides
from .threats import Threats

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class WarValueSpec(Spec):
    def build(
        self,
        n: int,
        sides: Sides,
        learning: Learning,
        battle: Battlefield,
        sanctions: Sanctions,
        threats: Threats,
    ) -> WarValue:
        return WarValue(n, sides, learning, battle, sanctions, threats)


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
    ):
        self.sides, self.learning, self.battle = sides, learning, battle
        self.sanctions, self.threats = sanctions, threats
        self.war = np.zeros((2, n))  # W_i: value of fighting on
        self.reject = np.zeros(
            (2, n)
        )  # what rejecting a deal is worth (W plus threats and stalling)
        self.u_war = np.zeros((2, 2, n))  # u_war[i, j] = U_i(y_j), the outcome if j prevails
        self._outcomes(None)
        sides.on_new_ideal(lambda side, rows: self._outcomes(rows))

    def _outcomes(self, rows: IntArray | None) -> None:
        """U_i(y_j) for both sides (at the start, or when an election moves ideal points)."""
        sd = self.sides
        sel = slice(None) if rows is None else rows
        for i in (0, 1):
            for j in (0, 1):
                self.u_war[i, j][sel] = utility_rows(
                    sd.ideal[i][sel], sd.weight[i][sel], sd.risk[i][sel], sd.ideal[j][sel]
                )

    def begin(self, w: WorldBase) -> None:
        self.refresh(w)

    def refresh(self, w: WorldBase) -> None:
        """Recompute W and the value of rejecting a deal for both sides."""
        mu = self.learning.beliefs()
        cost = self.battle.fighting_cost() + self.sanctions.cost()
        threat = self.threats.expected_cost(w)
        sd = self.sides
        for i in (0, 1):
            horizon = 1.0 / (1.0 - sd.patience[i])
            self.war[i] = (
                mu[i] * self.u_war[i, 1] + (1.0 - mu[i]) * self.u_war[i, 0] - cost[i] * horizon
            )
            self.reject[i] = self.war[i] - threat[i] + sd.stall(i, w.day)

    def check_finite(self) -> None:
        for name, arr in (("war value", self.war), ("value of rejecting", self.reject)):
            if not np.all(np.isfinite(arr)):
                raise RunError(
                    f"the simulation produced a non-finite {name}; check the scenario's magnitudes "
                    "(e.g. a patience of 1 makes the war value infinite)"
                )
