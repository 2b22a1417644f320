"""Shocks: scheduled events on their dates and random events (Poisson, per round), applying their effects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..engine.calendar import Item
from ..engine.layout import Layout
from ..engine.sampling import Draws, Num, num
from ..engine.world import WorldBase
from ..scenario.schema import Scenario
from .base import RANK_EVENT, Build, Mechanism, Spec
from .effects import Op, Targets, compile_effect


@dataclass(frozen=True)
class EventSpec:
    index: int
    name: str
    ops: tuple[Op, ...]
    day: int | None  # dated event
    rate: Num | None  # random event: expected occurrences per year
    window: tuple[int, int | None]  # random event: first and last day it can happen


@dataclass(frozen=True)
class EventsSpec(Spec):
    name: ClassVar[str] = "events"

    layout: Layout
    events: tuple[EventSpec, ...]

    @classmethod
    def of(cls, s: Scenario, lay: Layout) -> EventsSpec:
        evs = []
        for i, e in enumerate(s.events):
            evs.append(
                EventSpec(
                    index=i,
                    name=e.name,
                    ops=compile_effect(dict(e.effect)),
                    day=lay.day_of(e.on) if e.on is not None else None,
                    rate=num(e.rate_per_year, f"events.{i}.rate_per_year")
                    if e.rate_per_year is not None
                    else None,
                    window=(
                        lay.day_of(e.from_) if e.from_ is not None else -(2**62),
                        lay.day_of(e.until) if e.until is not None else None,
                    ),
                )
            )
        return cls(lay, tuple(evs))

    def items(self) -> list[Item[WorldBase]]:
        return [
            Item(e.day, RANK_EVENT, f"event: {e.name}", _dated(e.index))
            for e in self.events
            if e.day is not None
        ]

    def build(self, ctx: Build) -> Events:
        return Events(self, ctx.d, ctx.targets)


def _dated(index: int) -> Callable[[WorldBase], None]:
    def run(w: WorldBase) -> None:
        w.mechanism(EventsSpec.name, Events).happen(w, index)

    return run


class Events(Mechanism):
    key = "events"

    def __init__(self, spec: EventsSpec, d: Draws, targets: Targets):
        self.spec = spec
        self.targets = targets
        self.rate = {e.index: d(e.rate) for e in spec.events if e.rate is not None}

    def happen(self, w: WorldBase, index: int) -> None:
        """A dated event: its effect applies to every replicate."""
        ev = self.spec.events[index]
        self.targets.apply(ev.ops, np.ones(w.n, dtype=bool))
        w.tracer.log(w.day, "shock", None, ev.name)

    def begin(self, w: WorldBase) -> None:
        """Random events: each replicate draws whether the event happens this round."""
        rd = w.round_days
        for ev in self.spec.events:
            if ev.rate is None:
                continue
            u = w.uniforms(f"event.{ev.index}", w.day)
            first, last = ev.window
            if w.day < first or (last is not None and w.day > last):
                continue
            hit = u < -np.expm1(-self.rate[ev.index] * rd / 365.0)
            if hit.any():
                self.targets.apply(ev.ops, hit)
                w.tracer.log(w.day, "shock", hit, ev.name)
