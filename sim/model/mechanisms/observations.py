"""Observations: on each observed date, record per replicate the quantity the evidence is about.

Each observation of the scenario becomes one outcome column ``obs.<i>`` holding, for every
replicate, the value the record is compared with (1/0 for a yes-or-no state, the first
ceasefire or truce day, the front line in real units, a level); ``sim/history.py`` turns these
into likelihoods. Every probe reads the state at the end of its day, after that day's sessions
and before the end step of a round ending that day: a breakdown or a decisive end, settled at
a round's end, is seen from the next round's first day on. Recording costs a few array copies
on a few days; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from ..engine.calendar import Item
from ..engine.layout import Layout
from ..engine.world import WorldBase
from ..scenario.observations import DecidedSeen, Observation
from ..scenario.schema import Scenario
from .accord import Accord
from .base import FLOAT, RANK_OBSERVE, Build, Mechanism, Spec
from .battlefield import Battlefield
from .decisive import Decisive
from .negotiation import Negotiation
from .sanctions import Sanctions
from .sides import Sides
from .threats import Threats

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Probe:
    """What observation ``index`` reads on ``day``: a quantity and what picks it out."""

    index: int
    day: int
    what: str  # a key of Observations._read: agreed, in_force, first_day, truce, ...
    who: int = -1  # side index (support, verdict, decided: -1 either side), or threat index
    name: str = ""  # mediator id (engaged)
    proposal: int = -1  # proposal index (verdict)


@dataclass(frozen=True)
class ObservationsSpec(Spec):
    name: ClassVar[str] = "observations"

    layout: Layout
    probes: tuple[Probe, ...]

    @classmethod
    def of(cls, s: Scenario, lay: Layout) -> ObservationsSpec:
        threats = s.threat_names()
        proposals = [p.name for p in s.proposals]
        probes = tuple(
            _probe(i, lay.day_of(ob.date), ob, lay, threats, proposals)
            for i, ob in enumerate(s.observations)
        )
        return cls(lay, probes)

    def items(self) -> list[Item[WorldBase]]:
        days = sorted({p.day for p in self.probes})
        return [Item(d, RANK_OBSERVE, "observations", _observe, refresh=False) for d in days]

    def columns(self) -> dict[str, str]:
        return {f"obs.{p.index}": FLOAT for p in self.probes}

    def build(self, ctx: Build) -> Observations:
        return Observations(
            self,
            ctx.n,
            ctx.get("sides", Sides),
            ctx.get("accord", Accord),
            ctx.get("battle", Battlefield),
            ctx.get("sanctions", Sanctions),
            ctx.get("threats", Threats),
            ctx.get("negotiation", Negotiation),
            ctx.get("decisive", Decisive),
        )


def _probe(
    i: int, day: int, ob: Observation, lay: Layout, threats: list[str], proposals: list[str]
) -> Probe:
    """What observation ``i`` (dated ``day``) reads."""
    simple = {  # kinds whose probe is the same whatever the value
        "in_force": "in_force",
        "broke_down": "broke_down",
        "talks": "talks",
        "front_line": "control",
        "sanctions": "sanctions",
    }
    if ob.kind in simple:
        return Probe(i, day, simple[ob.kind])
    if ob.ceasefire is not None:  # true: in force; false, agreed by: agreed; between: the day
        if ob.ceasefire is True:
            return Probe(i, day, "in_force")
        return Probe(i, day, "agreed" if ob.between is None else "first_day")
    if ob.truce is not None:
        return Probe(i, day, "truce" if ob.between is None else "first_truce")
    if ob.decided is not None:
        winner = ob.decided.winner if isinstance(ob.decided, DecidedSeen) else None
        return Probe(i, day, "decided", who=-1 if winner is None else lay.side(winner))
    if ob.mediator is not None:
        return Probe(i, day, "engaged", name=next(iter(ob.mediator)))
    if ob.proposal is not None:
        pr = ob.proposal
        side = pr.accepted_by if pr.accepted_by is not None else pr.rejected_by
        assert side is not None
        return Probe(i, day, "verdict", who=lay.side(side), proposal=proposals.index(pr.name))
    if ob.threat is not None:
        return Probe(i, day, "threat", who=threats.index(ob.threat.name))
    assert ob.support is not None and ob.support.actor is not None
    return Probe(i, day, "support", who=lay.side(ob.support.actor))


def _observe(w: WorldBase) -> None:
    w.mechanism(ObservationsSpec.name, Observations).observe(w)


class Observations(Mechanism):
    key = "observations"

    def __init__(
        self,
        spec: ObservationsSpec,
        n: int,
        sides: Sides,
        accord: Accord,
        battle: Battlefield,
        sanctions: Sanctions,
        threats: Threats,
        negotiation: Negotiation,
        decisive: Decisive,
    ):
        self.spec, self.sides, self.accord, self.battle = spec, sides, accord, battle
        self.sanctions, self.threats, self.negotiation = sanctions, threats, negotiation
        self.decisive = decisive
        self.values = {p.index: np.full(n, np.nan) for p in spec.probes}
        self.verdicts = {
            p.index: negotiation.watch(p.proposal, p.day)
            for p in spec.probes
            if p.what == "verdict"
        }

    def observe(self, w: WorldBase) -> None:
        for p in self.spec.probes:
            if p.day == w.day:
                self.values[p.index] = self._read(p, w.day)
        if w.observed is not None:
            w.observed(self.values)

    def _read(self, p: Probe, day: int) -> FloatArray:
        ac, lay = self.accord, self.spec.layout
        readers: dict[str, Callable[[], Any]] = {
            "agreed": lambda: ac.agreed,
            "in_force": lambda: ac.in_force,
            "first_day": lambda: ac.ceasefire_day,
            "broke_down": lambda: ~np.isnan(ac.breakdown_day),
            "truce": lambda: ~ac.in_force & (ac.truce_until > day),
            "first_truce": lambda: ac.truce_day,
            "decided": lambda: self._decided(p.who),
            "talks": lambda: ac.talks,
            "engaged": lambda: self.negotiation.engaged[p.name],
            "verdict": lambda: self.verdicts[p.index][p.who],
            "threat": lambda: self.threats.fired[p.who] | (self.threats.pending[p.who] <= day),
            "control": lambda: lay.lo[lay.front] + self.battle.control * lay.span[lay.front],
            "support": lambda: self.sides.support[p.who],
            "sanctions": lambda: self.sanctions.level,
        }
        return np.asarray(readers[p.what](), dtype=float).copy()

    def _decided(self, who: int) -> NDArray[np.bool_]:
        """The war decided by force (for side ``who``; either side when -1)."""
        winner = self.decisive.winner
        return np.asarray(self.accord.decided & ((winner == who) if who >= 0 else True))

    def outcomes(self, w: WorldBase) -> dict[str, NDArray[np.generic]]:
        return {f"obs.{i}": v for i, v in self.values.items()}
