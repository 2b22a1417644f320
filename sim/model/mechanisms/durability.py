"""Durability of ceasefires (Fortna 2003): hazard h = h0 exp(g1 max_i(W_i - V_i(x*)) - sum_k g_k x*_k);
and a signed ceasefire that never takes effect, with chance phi (``durability.unkept``), the
signings of one future failing together as much as ``durability.unkept_persistence`` (rho) says."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from ..engine.layout import Layout
from ..engine.sampling import Draws, Num, num
from ..engine.world import WorldBase
from ..scenario.schema import Scenario
from .accord import Accord
from .base import FLOAT, Build, Mechanism, Spec
from .compiled import PAIRWISE_BLOCK, log_hazard, log_hazards
from .obstacles import Deal
from .sides import Sides
from .warvalue import WarValue

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]

# exp() argument cap: beyond this the per-round breakdown probability is 1 anyway.
MAX_LOG_HAZARD = 50.0
# the least uniform turned into a normal: Phi^-1(1e-300) = -37.0, finite
TINY = 1e-300


@dataclass(frozen=True)
class DurabilitySpec(Spec):
    name: ClassVar[str] = "durability"

    layout: Layout
    hazard0: Num  # breakdowns per year of a ceasefire nobody resents
    dissatisfaction: Num
    guarantees: tuple[
        tuple[int, Num], ...
    ]  # (issue, log-hazard reduction per unit of scaled terms)
    unkept: Num = 0.0  # phi: chance that a signed ceasefire never takes effect
    persistence: Num = 0.0  # rho: the correlation of one future's signings' failures
    scale: float = 1.0  # structure.interstate_unkept_scale in a war between states, else 1

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
            num(du.unkept, "durability.unkept"),
            num(du.unkept_persistence, "durability.unkept_persistence"),
            s.structure.interstate_unkept_scale if s.conflict_type == "interstate" else 1.0,
        )

    @property
    def keeps_all(self) -> bool:
        """Every signed ceasefire takes effect (phi is the constant 0)."""
        return isinstance(self.unkept, float) and self.unkept == 0.0

    @property
    def independent(self) -> bool:
        """Each signing fails on its own draw (rho is the constant 0)."""
        return isinstance(self.persistence, float) and self.persistence == 0.0

    def columns(self) -> dict[str, str]:
        return {} if self.keeps_all else {"unkept_day": FLOAT}

    def build(self, ctx: Build) -> Durability:
        sides, accord = ctx.get("sides", Sides), ctx.get("accord", Accord)
        return Durability(self, ctx.d, sides, accord, ctx.get("war", WarValue))


class Durability(Mechanism):
    key = "durability"

    def __init__(self, spec: DurabilitySpec, d: Draws, sides: Sides, accord: Accord, war: WarValue):
        self.sides, self.accord, self.war = sides, accord, war
        self.hazard0 = d(spec.hazard0)
        self.dissatisfaction = d(spec.dissatisfaction)
        self.guarantee = np.zeros((d.n, spec.layout.k))
        for i, g in spec.guarantees:
            self.guarantee[:, i] = d(g)
        # phi per replicate (None: every signed ceasefire takes effect); the first day a
        # ceasefire was signed that did not
        # (phi scaled, at most 1, in a war between states: armies that obey)
        self.unkept = None if spec.keeps_all else d.scaled_chance(spec.unkept, spec.scale)
        self.unkept_day = np.full(d.n, np.nan)
        # rho per replicate and the future's latent trait Z (None: independent signings)
        shared = spec.keeps_all or spec.independent
        self.persistence = None if shared else d(spec.persistence)
        self.trait = None if shared else d.normals("durability.unkept_trait", 1)[0]

    def takes_effect(self, w: WorldBase, rows: IntArray) -> BoolArray:
        """Which ceasefires signed today in ``rows`` take effect (len(rows),): each with chance
        1 - phi, from today's uniform on its own stream (and the future's trait, with rho); the
        others are recorded (``unkept_day``) and the war goes on."""
        if self.unkept is None or rows.size == 0:
            return np.ones(rows.size, dtype=bool)
        u = w.uniforms("unkept", w.day)[rows]
        kept = u >= self.unkept[rows] if self.trait is None else self._kept(u, rows)
        lost = rows[~kept]
        if lost.size:
            first = lost[np.isnan(self.unkept_day[lost])]
            self.unkept_day[first] = w.day
            w.tracer.log(
                w.day, "unkept", w.tracer.mask(w.n, lost),
                "a ceasefire is signed but never takes effect; fighting and talks go on",
            )  # fmt: skip
        return np.asarray(kept)

    def _kept(self, u: FloatArray, rows: IntArray) -> BoolArray:
        """Signings that take effect when one future's signings share its trait Z: kept iff
        sqrt(rho) Z + sqrt(1 - rho) Phi^-1(u) >= Phi^-1(phi) (each still kept with 1 - phi)."""
        assert self.persistence is not None and self.trait is not None and self.unkept is not None
        rho = self.persistence[rows]
        fresh = ndtri(np.maximum(u, TINY))  # u = 0 (chance 2^-53) as the least normal, finite
        z = np.sqrt(rho) * self.trait[rows] + np.sqrt(1.0 - rho) * fresh
        return np.asarray(z >= ndtri(self.unkept[rows]))

    def outcomes(self, w: WorldBase) -> dict[str, NDArray[np.generic]]:
        return {} if self.unkept is None else {"unkept_day": self.unkept_day}

    def breakdown(
        self, rows: IntArray, value: FloatArray, terms: FloatArray, round_days: int, floor: int = -1
    ) -> FloatArray:
        """Probability per round that a ceasefire on ``terms`` (r, K) breaks down in ``rows``,
        given each side's value of it (2, r): h0 exp(g1 max_i(W_i - V_i) - sum_k g_k x_k).
        ``floor``: a side whose value counts at least its war value (-1: none)."""
        return self.chance(rows, self.log_hazard(rows, value, terms, floor), round_days)

    def chance(self, rows: IntArray, log_h: FloatArray, round_days: int) -> FloatArray:
        """The breakdown probability per round from the log hazard over the base rate (r,) or
        (2, r): 1 - exp(-h0 exp(log_h) round_days / 365)."""
        rate = self.hazard0[rows] * np.exp(log_h)  # breakdowns per year
        return np.asarray(-np.expm1(-rate * round_days / 365.0))

    def log_hazards(self, rows: IntArray, value: FloatArray, terms: FloatArray) -> FloatArray:
        """``log_hazard`` of both sides (2, r), side i judging the deal as signed (floor 1 - i)."""
        if terms.shape[1] > PAIRWISE_BLOCK:
            return np.stack([self.log_hazard(rows, value, terms, 1 - i) for i in (0, 1)])
        out = np.empty((2, len(rows)))
        log_hazards(
            np.asarray(rows, dtype=np.int64), np.ascontiguousarray(value, dtype=np.float64),
            np.ascontiguousarray(terms, dtype=np.float64), self.war.war, self.guarantee,
            self.dissatisfaction, MAX_LOG_HAZARD, out,
        )  # fmt: skip
        return out

    def log_hazard(
        self, rows: IntArray, value: FloatArray, terms: FloatArray, floor: int
    ) -> FloatArray:
        """min(g1 max_i(W_i - V_i) - sum_k g_k x_k, MAX_LOG_HAZARD) per row (compiled)."""
        war = self.war.war
        if terms.shape[1] > PAIRWISE_BLOCK:  # beyond one block numpy's sum recurses: use it
            if floor >= 0:
                value = value.copy()
                value[floor] = np.maximum(value[floor], war[floor, rows])
            grievance = np.max(war[:, rows] - value, axis=0)
            guard = np.sum(self.guarantee[rows] * terms, axis=1)
            return np.asarray(
                np.minimum(self.dissatisfaction[rows] * grievance - guard, MAX_LOG_HAZARD)
            )
        out = np.empty(len(rows))
        log_hazard(
            np.asarray(rows, dtype=np.int64), np.ascontiguousarray(value, dtype=np.float64),
            np.ascontiguousarray(terms, dtype=np.float64), war, floor, self.guarantee,
            self.dissatisfaction, MAX_LOG_HAZARD, out,
        )  # fmt: skip
        return out

    def end(self, w: WorldBase) -> None:
        """Ceasefires in force since before today may break down; war and talks then resume."""
        ac, sd = self.accord, self.sides
        held = ac.in_force & (ac.since < w.day) & ~ac.decided  # a war decided stays over
        if not held.any():
            return
        u = w.uniforms("durability", w.day)  # keyed by day: drawn only when read
        rows = np.flatnonzero(held)  # each row's chance is its own: only these are read
        v = (
            ac.u_current[:, rows]
            - sd.audience[:, rows] * sd.support[:, rows] * ac.pen_current[:, rows]
        )
        prob = self.breakdown(rows, v, np.nan_to_num(ac.current[rows]), w.round_days)
        broke = np.zeros(w.n, dtype=bool)
        broke[rows] = u[rows] < prob
        if broke.any():
            ac.break_down(broke, w.day)
            w.tracer.log(
                w.day, "breakdown", broke, "the ceasefire breaks down; fighting and talks resume"
            )


def kept_only(
    keep: BoolArray, r: IntArray, deal: Deal, left: Any, below: BoolArray
) -> tuple[IntArray, Deal, Any, BoolArray]:
    """The rows ``r`` of a deal (terms (r, K), utilities and penalties (2, r)), what it left
    open (a number or (r,)) and whether it was below a reservation (r,), where ``keep``."""
    if keep.all():
        return r, deal, left, below
    terms, u, pen = deal
    left = left if np.isscalar(left) else np.asarray(left)[keep]
    return r[keep], (terms[keep], u[:, keep], pen[:, keep]), left, below[keep]
