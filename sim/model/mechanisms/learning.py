"""Learning (Slantchev 2003): fighting reveals information, so each side's optimism shrinks.

Each side i believes B prevails with mu_i = clip(m_i, 0, 1), m_A = p - b_A, m_B = p + b_B.
With ``prior_sd`` set, m_i is the mean of a Gaussian belief about p of variance v, updated
by a Kalman step on each round's front-line move: z = p_bar + dc / (alpha I) is a signal of
p with noise variance r = (s / (alpha I))^2 Var(t_nu), and m <- m + K (z - m),
v <- (1 - K) v, K = v / (v + r). Then, with or without it, the bias drifts on the clock:
b <- (1 - kappa I) b + noise eps (docs/model.md, "Learning").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri, stdtrit

from ..engine.layout import Layout
from ..engine.sampling import Draws, Num, num
from ..engine.world import WorldBase
from ..scenario.schema import Scenario
from .accord import Accord
from .base import Build, Mechanism, Spec
from .battlefield import Battlefield
from .sides import Sides

FloatArray = NDArray[np.float64]

# A's optimism lowers its belief that B prevails, B's raises it: m_i = p + SIGN_i b_i.
SIGN = np.array([[-1.0], [1.0]])


@dataclass(frozen=True)
class LearningSpec(Spec):
    name: ClassVar[str] = "learning"

    rate: Num
    noise: Num
    prior_sd: Num | None = None  # None: no learning from evidence (the clock only)
    age_rounds: float = 0.0  # rounds of war the prior has already seen (structural prior only)

    @classmethod
    def of(cls, s: Scenario, lay: Layout) -> LearningSpec:
        lr = s.pressures.learning
        base = "pressures.learning"
        rate, noise = num(lr.rate, f"{base}.rate"), num(lr.noise, f"{base}.noise")
        if lr.prior_sd is not None:  # the scenario's own: the sd at the start
            return cls(rate, noise, num(lr.prior_sd, f"{base}.prior_sd"))
        sd0 = s.structure.learning_prior_sd
        if sd0 <= 0 or lay.front is None:  # without a front line there is nothing to learn from
            return cls(rate, noise)
        age = 0.0 if s.war_began is None else (s.start - s.war_began).days / s.round_days
        return cls(rate, noise, num(sd0, "structure.learning_prior_sd"), age)

    def build(self, ctx: Build) -> Learning:
        sides, accord = ctx.get("sides", Sides), ctx.get("accord", Accord)
        return Learning(self, ctx.d, sides, accord, ctx.get("battle", Battlefield))


def kalman_step(
    m: FloatArray, v: FloatArray, z: FloatArray, r: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """One conjugate update of a Gaussian belief N(m, v) by a signal z ~ N(truth, r).

    Returns the posterior mean m + K (z - m) and variance (1 - K) v, K = v / (v + r). A
    certain prior (v = 0) learns nothing, even from an exact signal.
    """
    total = v + r
    k = np.divide(v, total, out=np.zeros(np.broadcast(v, total).shape), where=total > 0)
    return np.asarray(m + k * (z - m)), np.asarray((1.0 - k) * v)


def worn_prior(v0: FloatArray, rounds: float, r: FloatArray) -> FloatArray:
    """The variance 1 / (1/v0 + rounds/r) of a prior N(., v0) after ``rounds`` signals of
    variance r: v0 / (1 + v0 rounds / r). 0 where v0 = 0 or r = 0 (certain), v0 where r = inf."""
    with np.errstate(divide="ignore", invalid="ignore"):
        info = rounds / r
        return np.asarray(np.where(v0 > 0, v0 / (1.0 + v0 * info), 0.0))


def t_variance(nu: FloatArray) -> FloatArray:
    """Var(eps) for eps ~ Student-t(nu): nu / (nu - 2) where finite (nu > 2).

    For nu <= 2 the variance is infinite and the Kalman gain would be 0; the noise is then
    taken as the normal with the same interquartile range, (t_nu^-1(0.75) / Phi^-1(0.75))^2
    (1.47 at nu = 2, 2.20 for the Cauchy).
    """
    nu = np.asarray(nu, dtype=float)
    safe = np.where(nu > 2.0, nu, 3.0)
    iqr = (stdtrit(np.minimum(nu, 2.0), 0.75) / ndtri(0.75)) ** 2
    return np.asarray(np.where(nu > 2.0, safe / (safe - 2.0), iqr))


class Learning(Mechanism):
    key = "learning"

    def __init__(
        self, spec: LearningSpec, d: Draws, sides: Sides, accord: Accord, battle: Battlefield
    ):
        self.sides, self.accord, self.battle = sides, accord, battle
        self.rate = d(spec.rate)
        self.noise = d(spec.noise)
        # v: variance of each side's belief about p (both see the same front, so they share it)
        self.var = None if spec.prior_sd is None else d(spec.prior_sd) ** 2
        self.tail_var = t_variance(battle.tail)  # Var(eps) of the front's noise
        if self.var is not None and spec.age_rounds > 0:
            self.var = worn_prior(self.var, spec.age_rounds, self.signal_variance())

    def signal_variance(self) -> FloatArray:
        """r: the variance of one fought round's signal of p, (s / (alpha I))^2 Var(eps), at the
        battlefield's current numbers; inf where the front does not respond to p (n,)."""
        bf = self.battle
        gain = bf.drift * bf.intensity
        g = np.where(gain > 0, gain, 1.0)
        return np.asarray(np.where(gain > 0, (bf.volatility / g) ** 2 * self.tail_var, np.inf))

    def begin(self, w: WorldBase) -> None:
        z = w.normals("learning", w.day, 2)
        fight = self.accord.fight_share(w.day, w.round_days)
        self.observe(fight)
        rate = np.clip(self.rate * self.battle.intensity, 0.0, 1.0) * fight
        sd = self.sides
        sd.optimism = (1.0 - rate) * sd.optimism + self.noise * z * fight
        np.clip(sd.optimism, -1.0, 1.0, out=sd.optimism)

    def observe(self, fight: FloatArray) -> None:
        """Kalman step on this round's front-line move, where it tells something about p.

        The move is informative where the sides fought (fight > 0), the front responds to p
        (alpha I > 0) and it was not pinned at an end of its range (a clipped move is
        censored: those rounds are skipped). Optimism is the mean's offset from p.
        """
        bf, var = self.battle, self.var
        if bf.fought is None or var is None:
            return
        p, move = bf.fought
        gain = bf.drift * bf.intensity  # alpha I: expected move per unit of (p - p_bar)
        seen = (fight > 0) & (gain > 0) & (bf.control > 0.0) & (bf.control < 1.0)
        if not seen.any():
            return
        signal = bf.balance + move / np.where(seen, gain, 1.0)  # z = p + s eps / (alpha I)
        m, v = kalman_step(p + SIGN * self.sides.optimism, var, signal, self.signal_variance())
        self.sides.optimism = np.where(seen, SIGN * (m - p), self.sides.optimism)
        self.var = np.where(seen, v, var)

    def beliefs(self) -> FloatArray:
        """mu_i: each side's subjective probability that B prevails (2, n); optimism favours oneself.

        With ``prior_sd`` set these are the filtered means, clipped: optimism holds m_i - p.
        """
        p, b = self.battle.p, self.sides.optimism
        return np.asarray(np.clip(np.stack([p - b[0], p + b[1]]), 0.0, 1.0))

    def uncertainty(self) -> FloatArray | None:
        """sqrt(v): sd of each side's belief about p (n,), or None without ``prior_sd``."""
        return None if self.var is None else np.sqrt(self.var)
