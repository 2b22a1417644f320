"""Battlefield: contest success function, front-line drift with fat-tailed noise, attrition, rebuilding and aid.

p = K_B^m / (K_A^m + K_B^m); c += alpha I (p - p_bar) + s eps, eps ~ Student-t(nu);
K_i <- K_i (1 - d_i I) + g_i E_i + aid. The front and attrition stand still while a truce
or ceasefire holds; rebuilding and aid do not (what a pause buys a side that regroups).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from ..engine.layout import Layout
from ..engine.sampling import Draws, Num, num
from ..engine.world import WorldBase
from ..scenario.schema import Patron, Scenario
from ..scenario.statepaths import CAPABILITY_FLOOR
from .accord import Accord
from .base import FLOAT, Build, Mechanism, Spec
from .durations import decisive_per_year
from .effects import Targets
from .sides import Sides

FloatArray = NDArray[np.float64]

# Without a battlefield the war is still decided some day: a hazard of 0.25 a year (an expected
# four years to a decisive end), near the long tail of interstate wars' durations.
DECISIVE_PER_YEAR = 0.25
CONTROL_BINS = 2000  # histogram bins for front-line percentiles (resolution 0.05% of the range)


@dataclass(frozen=True)
class PatronSpec:
    id: str
    side: int
    aid: Num
    reliability: Num


@dataclass(frozen=True)
class BattlefieldSpec(Spec):
    name: ClassVar[str] = "battle"

    layout: Layout
    decisiveness: Num
    drift: Num
    balance: Num
    volatility: Num
    tail: Num
    intensity: Num
    decisive: Num  # expected decisive ends of the war per year at intensity 1
    attrition: tuple[Num, Num]
    regeneration: tuple[Num, Num]
    control: Num | None  # start of the front line, real units
    patrons: tuple[PatronSpec, ...]
    decisive_scale: float = 1.0  # structure.decisive_scale
    decisive_balance: float = 0.0  # structure.decisive_balance (kappa)
    decisive_front: float = 0.0  # structure.decisive_front (lambda)

    @classmethod
    def of(cls, s: Scenario, lay: Layout) -> BattlefieldSpec:
        bf = s.pressures.battlefield
        base = "pressures.battlefield"

        def get(attr: str, default: float) -> Num:
            return default if bf is None else num(getattr(bf, attr), f"{base}.{attr}")

        def per_side(attr: str) -> tuple[Num, Num]:
            m = getattr(bf, attr) if bf is not None else {}
            a, b = (num(m[sid], f"{base}.{attr}.{sid}") if sid in m else 0.0 for sid in lay.sides)
            return a, b

        patrons = []
        for pid in lay.patrons:
            p = s.actors[pid]
            assert isinstance(p, Patron)
            patrons.append(
                PatronSpec(
                    pid,
                    lay.side(p.supports),
                    num(p.aid, f"actors.{pid}.aid"),
                    num(p.reliability, f"actors.{pid}.reliability"),
                )
            )
        control = None
        if bf is not None and bf.control is not None and lay.front is not None:
            control = num(bf.control, f"{base}.control")
        return cls(
            layout=lay,
            decisiveness=get("decisiveness", 1.0),
            drift=get("drift", 0.0),
            balance=get("balance", 0.5),
            volatility=get("volatility", 0.0),
            tail=get("tail", 4.0),
            intensity=get("intensity", 1.0),
            decisive=_decisive(s),
            attrition=per_side("attrition"),
            regeneration=per_side("regeneration"),
            control=control,
            patrons=tuple(patrons),
            decisive_scale=s.structure.decisive_scale,
            decisive_balance=s.structure.decisive_balance,
            decisive_front=s.structure.decisive_front,
        )

    def columns(self) -> dict[str, str]:
        return {"final_control": FLOAT}

    def sums(self, rounds: int) -> dict[str, tuple[int, ...]]:
        return {"control": (rounds,), "control_hist": (rounds, CONTROL_BINS)}

    def series(self, sums: dict[str, FloatArray], n: int) -> dict[str, FloatArray]:
        lay = self.layout
        lo = lay.lo[lay.front] if lay.front is not None else np.nan
        span = lay.span[lay.front] if lay.front is not None else np.nan
        out = {"control_mean": lo + span * sums["control"] / n}
        for q, name in ((0.1, "control_p10"), (0.5, "control_p50"), (0.9, "control_p90")):
            out[name] = lo + span * _hist_quantile(sums["control_hist"], q)
        return out

    def build(self, ctx: Build) -> Battlefield:
        sides, accord = ctx.get("sides", Sides), ctx.get("accord", Accord)
        return Battlefield(self, ctx.d, ctx.targets, sides, accord)


class Battlefield(Mechanism):
    key = "battlefield"

    def __init__(
        self, spec: BattlefieldSpec, d: Draws, targets: Targets, sides: Sides, accord: Accord
    ):
        lay = spec.layout
        self.spec, self.sides, self.accord = spec, sides, accord
        self.decisiveness = d(spec.decisiveness)
        self.drift = d(spec.drift)
        self.balance = d(spec.balance)
        self.volatility = d(spec.volatility)
        self.tail = d(spec.tail)
        self.decisive = d(spec.decisive) * spec.decisive_scale
        self.attrition = np.stack([d(x) for x in spec.attrition])
        self.regeneration = np.stack([d(x) for x in spec.regeneration])
        self.reliability = {p.id: d(p.reliability) for p in spec.patrons}
        # state
        control = np.zeros(d.n)
        if spec.control is not None and lay.front is not None:
            control = lay.scale(lay.front, d(spec.control))
        self.control = np.clip(control, 0.0, 1.0)  # scaled share of the front-line issue held by B
        self.intensity = d(spec.intensity)
        self.aid = {p.id: d(p.aid) for p in spec.patrons}  # capability per round from each patron
        self.p = np.full(d.n, 0.5)  # probability that B prevails (contest success function)
        # read by learning: (p, move) of the last round's front, the move before the truce share
        # and clipping; None until the front first moves (or without a front line)
        self.fought: tuple[FloatArray, FloatArray] | None = None
        targets.add("intensity", lambda who: self.intensity)
        targets.add("aid", lambda who: self.aid[str(who)])
        self.win_probability()

    def win_probability(self) -> None:
        logk = np.log(self.sides.capability)
        self.p = 1.0 / (1.0 + np.exp(-self.decisiveness * (logk[1] - logk[0])))

    def begin(self, w: WorldBase) -> None:
        eps = w.rng("battlefield", w.day).standard_t(self.tail, size=w.n)
        arrived = {
            p.id: w.uniforms(f"aid.{p.id}", w.day) < self.reliability[p.id]
            for p in self.spec.patrons
        }
        self.win_probability()
        fight = self.accord.fight_share(
            w.day, w.round_days
        )  # 0 in a ceasefire, partial as a truce ends
        if self.spec.layout.front is not None:
            move = self.drift * self.intensity * (self.p - self.balance) + self.volatility * eps
            self.control = np.clip(self.control + fight * move, 0.0, 1.0)
            self.fought = (self.p, move)
        lost = fight * self.attrition * self.intensity
        sd = self.sides
        sd.capability = sd.capability * (1.0 - lost) + self.regeneration * sd.economy
        for p in self.spec.patrons:
            sd.capability[p.side] += self.aid[p.id] * arrived[p.id]
        np.maximum(sd.capability, CAPABILITY_FLOOR, out=sd.capability)
        self.win_probability()

    def decisive_hazard(self, round_days: int) -> FloatArray:
        """h: probability per round that the war ends decisively (hazard scaled by intensity,
        by the balance of forces (2 max(p, 1 - p))^kappa when kappa > 0, and by the front's
        reach (1 + |2r - 1|)^lambda when lambda > 0) (n,)."""
        rate = self.decisive * self.intensity
        if self.spec.decisive_balance:
            rate = rate * (2.0 * np.maximum(self.p, 1.0 - self.p)) ** self.spec.decisive_balance
        if self.spec.decisive_front and self.spec.layout.front is not None:
            rate = rate * (1.0 + np.abs(2.0 * self.reach() - 1.0)) ** self.spec.decisive_front
        return np.asarray(-np.expm1(-rate * round_days / 365.0))

    def reach(self) -> FloatArray:
        """r: the share of the way the front line has gone from side A's ideal to side B's on
        the front-line issue, clipped to [0, 1]; 1/2 where the two ideals are equal (n,)."""
        f = self.spec.layout.front
        assert f is not None
        a, b = self.sides.ideal[0, :, f], self.sides.ideal[1, :, f]
        gap = b - a
        safe = np.where(gap == 0.0, 1.0, gap)
        return np.where(gap == 0.0, 0.5, np.clip((self.control - a) / safe, 0.0, 1.0))

    def drift_seen(self, mu: FloatArray) -> FloatArray:
        """Expected move of the front per round for a side that believes B prevails with mu."""
        return np.asarray(self.drift * self.intensity * (mu - self.balance))

    def finite_state(self) -> list[tuple[str, NDArray[Any]]]:
        return [("front line", self.control)]

    def fighting_cost(self) -> FloatArray:
        """Utility per round that fighting costs each side (2, n): cost_i I / E_i."""
        return np.asarray(self.sides.cost * self.intensity / self.sides.economy)

    def accumulate(self, w: WorldBase, r: int, sums: dict[str, FloatArray]) -> None:
        sums["control"][r] = self.control.sum()
        idx = np.minimum((self.control * CONTROL_BINS).astype(np.int64), CONTROL_BINS - 1)
        sums["control_hist"][r] = np.bincount(idx, minlength=CONTROL_BINS)

    def outcomes(self, w: WorldBase) -> dict[str, NDArray[np.generic]]:
        lay = self.spec.layout
        if lay.front is None:
            return {"final_control": np.full(w.n, np.nan)}
        return {"final_control": lay.lo[lay.front] + self.control * lay.span[lay.front]}


def _decisive(s: Scenario) -> Num:
    """The decisive hazard: as given; else, for a war with a start date, a third of the hazard
    that a war of that age ends (sim.mechanisms.durations); else DECISIVE_PER_YEAR."""
    bf = s.pressures.battlefield
    if bf is not None and "decisive_per_year" in bf.model_fields_set:
        return num(bf.decisive_per_year, "pressures.battlefield.decisive_per_year")
    if s.war_began is not None:
        return decisive_per_year((s.start - s.war_began).days)
    return DECISIVE_PER_YEAR


def _hist_quantile(hist: FloatArray, q: float) -> FloatArray:
    """Per-round quantile (scaled 0..1) from binned counts, linear within the bin."""
    cum = np.cumsum(hist, axis=1)
    total = cum[:, -1:]
    target = q * total
    idx = np.argmax(cum >= target, axis=1)
    prev = np.where(idx > 0, cum[np.arange(len(idx)), idx - 1], 0.0)
    inbin = hist[np.arange(len(idx)), idx]
    frac = np.where(inbin > 0, (target[:, 0] - prev) / np.where(inbin > 0, inbin, 1), 0.0)
    return np.asarray((idx + frac) / hist.shape[1])
