"""The state of the peace: talks open or closed, truces, ceasefires in force and their terms.

Negotiation writes it (agreements, truces, talks collapsing), durability ends
ceasefires, events and threats may open or close talks; every pressure reads
``fight_share`` to know how much of a round is fought.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from ..engine.layout import Layout
from ..engine.world import WorldBase
from ..scenario.schema import Scenario
from .base import BOOL, FLOAT, Build, Mechanism, Spec
from .effects import Targets

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class AccordSpec(Spec):
    name: ClassVar[str] = "accord"

    layout: Layout

    @classmethod
    def of(cls, s: Scenario, lay: Layout) -> AccordSpec:
        return cls(lay)

    def columns(self) -> dict[str, str]:
        cols = {"truce_day": FLOAT, "ceasefire": BOOL, "ceasefire_day": FLOAT}
        cols.update({f"terms.{k}": FLOAT for k in self.layout.issues})
        cols.update({"breakdown_day": FLOAT, "in_force_at_horizon": BOOL})
        return cols

    def sums(self, rounds: int) -> dict[str, tuple[int, ...]]:
        return {"agreed": (rounds,), "in_force": (rounds,), "truce": (rounds,)}

    def series(self, sums: dict[str, FloatArray], n: int) -> dict[str, FloatArray]:
        return {
            "p_agreed": sums["agreed"] / n,
            "p_in_force": sums["in_force"] / n,
            "p_truce": sums["truce"] / n,
        }

    def build(self, ctx: Build) -> Accord:
        return Accord(self, ctx.n, ctx.targets)


class Accord(Mechanism):
    """Talks, truces and ceasefires of every replicate of a chunk."""

    key = "accord"

    def __init__(self, spec: AccordSpec, n: int, targets: Targets):
        K = spec.layout.k
        self.spec = spec
        self.talks = np.zeros(n, dtype=bool)  # talks open
        self.talks_started = False  # talks have opened at least once (reopening needs that)
        self.truce_until = np.full(n, -np.inf)  # day the current truce ends
        self.truce_day = np.full(n, np.nan)  # first truce
        self.agreed = np.zeros(n, dtype=bool)  # a ceasefire was agreed at some point
        self.ceasefire_day = np.full(n, np.nan)  # first agreement
        self.terms = np.full((n, K), np.nan)  # first agreement, scaled
        self.in_force = np.zeros(n, dtype=bool)
        self.current = np.full((n, K), np.nan)  # terms in force, scaled
        self.u_current = np.zeros((2, n))  # utility of the terms in force
        self.pen_current = np.zeros((2, n))  # audience penalty of the terms in force (before a*S)
        self.since = np.full(n, np.inf)  # day the terms in force were agreed
        self.breakdown_day = np.full(n, np.nan)  # first breakdown
        self.decided = np.zeros(n, dtype=bool)  # the war was decided by force: it is over
        targets.add("talks", lambda who: self.talks)

    def fighting(self, day: int) -> BoolArray:
        """Replicates at war on ``day`` (no ceasefire in force, no truce running, not decided)."""
        return np.asarray(~self.in_force & (self.truce_until <= day) & ~self.decided)

    def fight_share(self, day: int, round_days: int) -> FloatArray:
        """Share of the round starting on ``day`` that is fought: a truce ending mid-round pauses part of it."""
        fought = day + round_days - np.maximum(day, self.truce_until)
        over = self.in_force | self.decided
        return np.asarray(np.where(over, 0.0, np.clip(fought / round_days, 0.0, 1.0)))

    def open_rows(self, extra: BoolArray | None = None) -> IntArray:
        """Replicates with talks open, no ceasefire in force and the war not decided (and ``extra``)."""
        mask = self.talks & ~self.in_force & ~self.decided
        if extra is not None:
            mask &= extra
        return np.flatnonzero(mask)

    def start_truce(self, rows: IntArray, day: int, days: int) -> None:
        self.truce_until[rows] = day + days
        first = rows[np.isnan(self.truce_day[rows])]
        self.truce_day[first] = day

    def agree(
        self, rows: IntArray, day: int, terms: FloatArray, u: FloatArray, pen: FloatArray
    ) -> None:
        """A ceasefire on ``terms`` (len(rows), K) in ``rows``, with each side's utility and penalty."""
        self.in_force[rows] = True
        self.current[rows] = terms
        self.u_current[:, rows] = u
        self.pen_current[:, rows] = pen
        self.since[rows] = day
        self.truce_until[rows] = -np.inf
        first = ~self.agreed[rows]
        self.ceasefire_day[rows[first]] = day
        self.terms[rows[first]] = terms[first]
        self.agreed[rows] = True

    def decide(self, mask: BoolArray) -> None:
        """The wars in ``mask`` are decided by force: the fighting and the talks end for good."""
        self.decided[mask] = True
        self.talks[mask] = False

    def break_down(self, mask: BoolArray, day: int) -> None:
        """The ceasefires in ``mask`` end: fighting and talks resume."""
        self.in_force[mask] = False
        first = mask & np.isnan(self.breakdown_day)
        self.breakdown_day[first] = day
        self.talks[mask] = True

    def accumulate(self, w: WorldBase, r: int, sums: dict[str, FloatArray]) -> None:
        end = w.day + w.round_days - 1  # the round's last day
        sums["agreed"][r] = self.agreed.sum()
        sums["in_force"][r] = self.in_force.sum()
        sums["truce"][r] = (~self.in_force & (self.truce_until > end)).sum()

    def outcomes(self, w: WorldBase) -> dict[str, NDArray[np.generic]]:
        out: dict[str, NDArray[np.generic]] = {
            "truce_day": self.truce_day,
            "ceasefire": self.agreed,
            "ceasefire_day": self.ceasefire_day,
        }
        terms = self.spec.layout.unscale(self.terms)
        for i, k in enumerate(self.spec.layout.issues):
            out[f"terms.{k}"] = np.ascontiguousarray(terms[:, i])
        out["breakdown_day"] = self.breakdown_day
        out["in_force_at_horizon"] = self.in_force
        return out
