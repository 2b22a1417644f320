"""Each side's misjudgement of its war value: a latent AR(1) normal per side and replicate.

On every day with offers the latent z moves one step, z' = rho z + sqrt(1 - rho^2) e, and is
mapped to the errors' family: normal with sd sigma, or logistic with scale 1 / lambda
(docs/model.md, "Persistent misjudgement"). A side accepts terms iff their margin over
rejecting exceeds its current error.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

from ..engine.sampling import Draws, Num
from ..engine.world import WorldBase

FloatArray = NDArray[np.float64]


class Misjudgement:
    """The current error (2, n) of each side, moved on once per day with offers."""

    def __init__(self, d: Draws, family: str, scale: Num, persistence: Num, spread: float = 1.0):
        self.family = family  # "normal" or "logistic"
        # sd (normal) or lambda (logistic), the spread scaled by structure.misperception_scale
        self.scale = d(scale) * spread if family == "normal" else d(scale) / spread
        self.persistence = d(persistence)
        self.z = d.normals("perception", 2)
        self.day = -1  # the day it last moved on
        self.error = self._error()

    def _error(self) -> FloatArray:
        if self.family == "normal":
            return np.asarray(self.scale * self.z)
        p = ndtr(self.z)
        return np.asarray(np.log(p / (1.0 - p)) / self.scale)

    def judge(self, w: WorldBase) -> None:
        """On each day with offers, each side's misjudgement moves on one AR(1) step."""
        if w.day == self.day:
            return
        if self.day >= 0:
            rho = self.persistence
            self.z = rho * self.z + np.sqrt(1.0 - rho**2) * w.normals("perception", w.day, 2)
            self.error = self._error()
        self.day = w.day
