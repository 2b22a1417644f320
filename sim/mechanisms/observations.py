"""Observations: on each observed date, record per replicate the quantity the evidence is about.

Each observation of the scenario becomes one outcome column ``obs.<i>`` holding, for every
replicate, the value the record is compared with (1/0 for a yes-or-no state, the first
ceasefire day, the front line in real units, a level); ``sim/history.py`` turns these into
likelihoods. Recording costs a few array copies on a few days; nothing else changes.
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
from ..scenario.schema import Scenario
from .accord import Accord
from .base import FLOAT, RANK_OBSERVE, Build, Mechanism, Spec
from .battlefield import Battlefield
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
    what: str  # agreed, in_force, first_day, talks, engaged, verdict, threat, control, support, sanctions
    who: int = -1  # side index (support, verdict), threat index, or proposal index (verdict)
    name: str = ""  # mediator id (engaged)
    proposal: int = -1  # proposal index (verdict)


@dataclass(frozen=True)
class ObservationsSpec(Spec):
    name: ClassVar[str] = "observations"

    layout: Layout
    probes: tuple[Probe, ...]

    @classmethod
    def of(cls, s: Scenario, lay: Layout) -> ObservationsSpec:
        threats = [t.name for m in s.mediators().values() for t in m.threats]
        proposals = [p.name for p in s.proposals]
        probes = []
        for i, ob in enumerate(s.observations):
            day = lay.day_of(ob.date)
            if ob.ceasefire is False:
                probes.append(Probe(i, day, "agreed"))
            elif ob.ceasefire is True:
                probes.append(Probe(i, day, "in_force"))
            elif ob.ceasefire == "agreed":
                probes.append(Probe(i, day, "first_day"))
            elif ob.talks is not None:
                probes.append(Probe(i, day, "talks"))
            elif ob.mediator is not None:
                probes.append(Probe(i, day, "engaged", name=next(iter(ob.mediator))))
            elif ob.proposal is not None:
                pr = ob.proposal
                side = pr.accepted_by if pr.accepted_by is not None else pr.rejected_by
                assert side is not None
                probes.append(
                    Probe(i, day, "verdict", who=lay.side(side), proposal=proposals.index(pr.name))
                )
            elif ob.threat is not None:
                probes.append(Probe(i, day, "threat", who=threats.index(ob.threat.name)))
            elif ob.front_line is not None:
                probes.append(Probe(i, day, "control"))
            elif ob.support is not None:
                assert ob.support.actor is not None
                probes.append(Probe(i, day, "support", who=lay.side(ob.support.actor)))
            elif ob.sanctions is not None:
                probes.append(Probe(i, day, "sanctions"))
        return cls(lay, tuple(probes))

    def items(self) -> list[Item[Any]]:
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
        )


def _observe(w: Any) -> None:
    w.observations.observe(w)


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
    ):
        self.spec, self.sides, self.accord, self.battle = spec, sides, accord, battle
        self.sanctions, self.threats, self.negotiation = sanctions, threats, negotiation
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

    def _read(self, p: Probe, day: int) -> FloatArray:
        ac, lay = self.accord, self.spec.layout
        readers: dict[str, Callable[[], Any]] = {
            "agreed": lambda: ac.agreed,
            "in_force": lambda: ac.in_force,
            "first_day": lambda: ac.ceasefire_day,
            "talks": lambda: ac.talks,
            "engaged": lambda: self.negotiation.engaged[p.name],
            "verdict": lambda: self.verdicts[p.index][p.who],
            "threat": lambda: self.threats.fired[p.who] | (self.threats.pending[p.who] <= day),
            "control": lambda: lay.lo[lay.front] + self.battle.control * lay.span[lay.front],
            "support": lambda: self.sides.support[p.who],
            "sanctions": lambda: self.sanctions.level,
        }
        return np.asarray(readers[p.what](), dtype=float).copy()

    def outcomes(self, w: WorldBase) -> dict[str, NDArray[np.generic]]:
        return {f"obs.{i}": v for i, v in self.values.items()}
