"""Learning (Slantchev 2003): fighting reveals information, so each side's optimism shrinks: b <- (1 - kappa I) b + noise."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..engine.sampling import Draws, Num, num
from ..engine.world import WorldBase
from ..scenario.schema import Scenario
from .accord import Accord
from .base import Mechanism, Spec
from .battlefield import Battlefield
from .sides import Sides

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class LearningSpec(Spec):
    rate: Num
    noise: Num

    @classmethod
    def of(cls, s: Scenario) -> LearningSpec:
        lr = s.pressures.learning
        return cls(
            num(lr.rate, "pressures.learning.rate"), num(lr.noise, "pressures.learning.noise")
        )

    def build(self, d: Draws, sides: Sides, accord: Accord, battle: Battlefield) -> Learning:
        return Learning(self, d, sides, accord, battle)


class Learning(Mechanism):
    key = "learning"

    def __init__(
        self, spec: LearningSpec, d: Draws, sides: Sides, accord: Accord, battle: Battlefield
    ):
        self.sides, self.accord, self.battle = sides, accord, battle
        self.rate = d(spec.rate)
        self.noise = d(spec.noise)

    def begin(self, w: WorldBase) -> None:
        z = w.normals("learning", w.day, 2)
        fight = self.accord.fight_share(w.day, w.round_days)
        rate = np.clip(self.rate * self.battle.intensity, 0.0, 1.0) * fight
        sd = self.sides
        sd.optimism = (1.0 - rate) * sd.optimism + self.noise * z * fight
        np.clip(sd.optimism, -1.0, 1.0, out=sd.optimism)

    def beliefs(self) -> FloatArray:
        """mu_i: each side's subjective probability that B prevails (2, n); optimism favours oneself."""
        p, b = self.battle.p, self.sides.optimism
        return np.asarray(np.clip(np.stack([p - b[0], p + b[1]]), 0.0, 1.0))
