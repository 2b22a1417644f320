"""Threats (a mediator's, a belligerent's or a patron's): set off by obstruction or a deadline, armed with their credibility, carried out after a delay.

A threat's ``cost`` is what its target loses when it is carried out: its value of fighting on
falls by exactly that much, realised as a lasting addition to its per-round cost of war
(``burden``), b = cost (1 - delta (1 - h)), whose discounted sum over the war still to come is
the cost. What a side expects from rejecting (credibility x cost of the threats a refusal would
set off) is therefore what would really happen to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from ..engine.calendar import Item
from ..engine.layout import Layout
from ..engine.sampling import Draws, Num, num
from ..engine.world import WorldBase
from ..scenario.schema import Scenario
from .accord import Accord
from .base import BOOL, INT, RANK_DEADLINE, STR, Build, Mechanism, Spec
from .battlefield import Battlefield
from .effects import Op, Targets, compile_effect
from .sides import Sides

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class ThreatSpec:
    owner: str  # the actor that threatens (a mediator, belligerent or patron)
    index: int  # position in its owner's list
    name: str
    against: int | None  # side index, or None: whoever obstructs
    deadline: int | None  # day of a deadline threat (None: set off by obstruction)
    after: int  # obstruction threats: the target's obstruction that sets it off
    ops: tuple[Op, ...]
    credibility: Num
    delay: Num  # days
    cost: Num  # utility the target expects to lose

    @property
    def stream(self) -> str:
        return f"threat.{self.owner}.{self.index}"


@dataclass(frozen=True)
class ThreatsSpec(Spec):
    name: ClassVar[str] = "threats"

    layout: Layout
    threats: tuple[ThreatSpec, ...]

    @classmethod
    def of(cls, s: Scenario, lay: Layout) -> ThreatsSpec:
        out = []
        for mid, threats in s.threat_owners().items():
            for ti, t in enumerate(threats):
                base = f"actors.{mid}.threats.{ti}"
                out.append(
                    ThreatSpec(
                        owner=mid,
                        index=ti,
                        name=t.name,
                        against=None if t.against == "obstructer" else lay.side(t.against),
                        deadline=lay.day_of(t.deadline)
                        if t.trigger == "deadline" and t.deadline is not None
                        else None,
                        after=t.after,
                        ops=compile_effect(dict(t.effect)),
                        credibility=num(t.credibility, f"{base}.credibility"),
                        delay=num(t.delay_days, f"{base}.delay_days"),
                        cost=num(t.cost, f"{base}.cost"),
                    )
                )
        return cls(lay, tuple(out))

    def items(self) -> list[Item[WorldBase]]:
        return [
            Item(t.deadline, RANK_DEADLINE, f"deadline: {t.name}", _deadline(j))
            for j, t in enumerate(self.threats)
            if t.deadline is not None
        ]

    def columns(self) -> dict[str, str]:
        cols = {"obstructed_by": STR, "threats_fired": INT}
        cols.update({f"fired.{t.name}": BOOL for t in self.threats})
        return cols

    def build(self, ctx: Build) -> Threats:
        accord, sides = ctx.get("accord", Accord), ctx.get("sides", Sides)
        return Threats(self, ctx.d, ctx.targets, accord, sides, ctx.get("battle", Battlefield))


def _deadline(j: int) -> Callable[[WorldBase], None]:
    def run(w: WorldBase) -> None:
        w.mechanism(ThreatsSpec.name, Threats).deadline(w, j)

    return run


class Threats(Mechanism):
    key = "threats"

    def __init__(
        self,
        spec: ThreatsSpec,
        d: Draws,
        targets: Targets,
        accord: Accord,
        sides: Sides,
        battle: Battlefield,
    ):
        n = d.n
        self.spec, self.targets, self.accord = spec, targets, accord
        self.sides, self.battle = sides, battle
        self.credibility = [d(t.credibility) for t in spec.threats]
        self.delay = [d(t.delay) for t in spec.threats]
        self.cost = [d(t.cost) for t in spec.threats]
        # state
        self.pending = [np.full(n, np.inf) for _ in spec.threats]  # day it takes effect (inf: none)
        self.fired = [np.zeros(n, dtype=bool) for _ in spec.threats]
        self.target = [np.full(n, -1, dtype=np.int64) for _ in spec.threats]  # side it falls on
        self.fired_count = np.zeros(n, dtype=np.int64)
        self.obstructions = np.zeros((2, n), dtype=np.int64)  # how often each side obstructed
        self.last_obstructer = np.full(n, -1, dtype=np.int64)  # -1 none, 0 A, 1 B
        self.burden = np.zeros((2, n))  # per-round cost of war added by threats carried out

    def obstruction(self, w: WorldBase, rows: IntArray, obstructer: int) -> None:
        """``obstructer`` (0 or 1) rejected, in ``rows``, a mediator's offer the other side accepted."""
        if rows.size == 0:
            return
        self.obstructions[obstructer, rows] += 1
        self.last_obstructer[rows] = obstructer
        who = self.spec.layout.sides[obstructer]
        w.tracer.log(
            w.day,
            "obstruction",
            w.tracer.mask(w.n, rows),
            f"{who} obstructed: rejected what the other side accepted",
        )
        for j, t in enumerate(self.spec.threats):
            if t.deadline is not None:
                continue
            if t.against is not None and t.against != obstructer:
                continue
            due = rows[
                self.obstructions[obstructer, rows] >= t.after
            ]  # patience runs out at `after`
            self._arm(w, j, due, obstructer)

    def deadline(self, w: WorldBase, j: int) -> None:
        """A deadline threat: where no ceasefire is in force it falls on its target (or the last obstructer)."""
        t = self.spec.threats[j]
        hit = ~self.accord.in_force
        if t.against is None:
            hit &= self.last_obstructer >= 0
        rows = np.flatnonzero(hit)
        who = self.last_obstructer[rows] if t.against is None else np.full(rows.size, t.against)
        self._arm(w, j, rows, who)

    def _arm(self, w: WorldBase, j: int, rows: IntArray, target: int | IntArray) -> None:
        t = self.spec.threats[j]
        u = w.uniforms(t.stream, w.day)[rows]
        live = ~self.fired[j][rows] & ~np.isfinite(self.pending[j][rows])
        ok = live & (u < self.credibility[j][rows])
        go = rows[ok]
        self.pending[j][go] = w.day + self.delay[j][go]
        self.target[j][go] = np.broadcast_to(target, rows.shape)[ok]
        if w.tracer.k:
            sides = self.spec.layout.sides
            whom = np.broadcast_to(target, rows.shape)
            for i in np.flatnonzero(live & (rows < w.tracer.k)):
                r = int(rows[i])
                when = (
                    f"to be carried out on {self.spec.layout.date(self.pending[j][r]).isoformat()}"
                    if ok[i]
                    else "not carried out this time"
                )
                w.tracer.log(
                    w.day,
                    "threat_triggered",
                    w.tracer.mask(w.n, np.array([r])),
                    f"{t.owner}'s threat '{t.name}' against {sides[int(whom[i])]} is triggered: {when}",
                )

    def end(self, w: WorldBase) -> None:
        """Carry out every armed threat whose delay has run out by the end of this round."""
        lay = self.spec.layout
        end = min(w.day + w.round_days, lay.horizon_days)
        h = self.battle.decisive_hazard(w.round_days)
        for j, t in enumerate(self.spec.threats):
            pending = self.pending[j]
            due = pending < end
            if not due.any():
                continue
            self.targets.apply(t.ops, due, self.target[j])
            for side in (0, 1):
                hit = due & (self.target[j] == side)
                keep = 1.0 - self.sides.patience[side] * (1.0 - h)
                self.burden[side] += np.where(hit, self.cost[j] * keep, 0.0)
            self.fired[j] |= due
            self.fired_count += due
            for r in np.flatnonzero(due[: w.tracer.k]):  # dated on the day it is carried out
                w.tracer.log(
                    int(pending[r]),
                    "threat",
                    w.tracer.mask(w.n, np.array([r])),
                    f"{t.owner} carries out its threat '{t.name}' against "
                    f"{lay.sides[int(self.target[j][r])]}",
                )
            pending[due] = np.inf

    def expected_cost(self, w: WorldBase) -> FloatArray:
        """What a forward-looking side expects to lose from threats its rejection would set off (2, n)."""
        out = np.zeros((2, w.n))
        for j, t in enumerate(self.spec.threats):
            if t.deadline is not None and w.day >= t.deadline:
                continue
            live = ~self.fired[j] & ~np.isfinite(self.pending[j])
            exp = self.credibility[j] * self.cost[j] * live
            for side in (0, 1):
                if t.against is None or t.against == side:
                    # an obstruction threat looms once this side's next refusal would set it off
                    near = self.obstructions[side] + 1 >= t.after if t.deadline is None else True
                    out[side] += exp * near
        return out

    def outcomes(self, w: WorldBase) -> dict[str, NDArray[np.generic]]:
        a, b = self.obstructions
        code = np.where(a > b, 0, np.where(b > a, 1, self.last_obstructer))
        code = np.where((a + b) > 0, code, -1)
        names = np.array(["", *self.spec.layout.sides])
        out: dict[str, NDArray[np.generic]] = {
            "obstructed_by": names[code + 1],
            "threats_fired": self.fired_count,
        }
        for j, t in enumerate(self.spec.threats):
            out[f"fired.{t.name}"] = self.fired[j]
        return out
