"""The registry: every mechanism in the order its steps run, compiled from a scenario and wired for a chunk.

Each round runs, on its first day, the ``begin`` step of every mechanism in the order
below; then the round's dated items in day order (each followed by a refresh of the war
values); then every mechanism's ``end`` step in the same order:

    sides        the belligerents' parameters and state (no steps)
    accord       talks, truces, ceasefires and their terms (no steps)
    events       random events (begin); dated events (items)
    battle       front line, attrition, rebuilding and aid (begin)
    sanctions    erosion of the target's economy (begin); schedule steps (items)
    threats      deadlines (items); threats carried out when their delay ends (end)
    domestic     support (begin); elections (items)
    learning     optimism shrinks with fighting (begin)
    war          what fighting on and rejecting are worth (begin, and after every item)
    negotiation  talks opening, sessions, scheduled proposals (items); talks reopening (end)
    durability   ceasefires breaking down (end)
    observations what each observation looks at, recorded on its date (items)

Adding a mechanism: write its module (a Spec and a Mechanism, see base.py), add it to
``Specs`` and ``World`` below in its place in this order, add its keys to the schema and
document it in docs/model.md.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from ..engine.calendar import Calendar, Item
from ..engine.layout import Layout
from ..engine.sampling import DrawPlan
from ..engine.world import Tracer, WorldBase
from ..scenario.schema import Scenario
from .accord import Accord, AccordSpec
from .base import FLOAT, Mechanism, Spec, check_outcomes
from .battlefield import Battlefield, BattlefieldSpec
from .domestic import Domestic, DomesticSpec
from .durability import Durability, DurabilitySpec
from .effects import Targets
from .events import Events, EventsSpec
from .learning import Learning, LearningSpec
from .negotiation import Negotiation, NegotiationSpec
from .observations import Observations, ObservationsSpec
from .sanctions import Sanctions, SanctionsSpec
from .sides import Sides, SidesSpec
from .threats import Threats, ThreatsSpec
from .warvalue import WarValue, WarValueSpec

__all__ = ["Specs", "World", "compile_scenario"]


@dataclass(frozen=True)
class Specs:
    """A scenario compiled for the engine: its layout, its draws and every mechanism's spec."""

    layout: Layout
    plan: DrawPlan
    sides: SidesSpec
    accord: AccordSpec
    events: EventsSpec
    battle: BattlefieldSpec
    sanctions: SanctionsSpec
    threats: ThreatsSpec
    domestic: DomesticSpec
    learning: LearningSpec
    war: WarValueSpec
    negotiation: NegotiationSpec
    durability: DurabilitySpec
    observations: ObservationsSpec

    def mechanisms(self) -> list[Spec]:
        """The mechanisms' specs in the order their steps run."""
        return [getattr(self, f.name) for f in fields(self) if f.name not in ("layout", "plan")]

    def calendar(self) -> Calendar[World]:
        items: list[Item[World]] = [it for m in self.mechanisms() for it in m.items()]
        return Calendar.of(self.layout.horizon_days, self.layout.round_days, items)

    def columns(self) -> dict[str, str]:
        """Every outcome column in table order: per mechanism as declared, then sampled inputs."""
        cols: dict[str, str] = {}
        for m in (
            self.accord,
            self.threats,
            self.negotiation,
            self.battle,
            self.sides,
            self.observations,
        ):
            cols.update(m.columns())
        cols.update({f"param.{p}": FLOAT for p in self.plan.dists})
        return cols


def compile_scenario(s: Scenario, seed: int) -> Specs:
    """Compile ``s`` once per run: nothing in the run reads the scenario spec afterwards."""
    lay = Layout.of(s)
    return Specs(
        layout=lay,
        plan=DrawPlan.of(s),
        sides=SidesSpec.of(s, lay),
        accord=AccordSpec(lay),
        events=EventsSpec.of(s, lay),
        battle=BattlefieldSpec.of(s, lay),
        sanctions=SanctionsSpec.of(s, lay),
        threats=ThreatsSpec.of(s, lay),
        domestic=DomesticSpec.of(s, lay),
        learning=LearningSpec.of(s),
        war=WarValueSpec.of(s),
        negotiation=NegotiationSpec.of(s, lay),
        durability=DurabilitySpec.of(s, lay),
        observations=ObservationsSpec.of(s, lay),
    )


class World(WorldBase):
    """One chunk's mechanisms (parameters sampled, state initialised), wired to what each reads."""

    def __init__(self, specs: Specs, n: int, seed: int, chunk: int, tracer: Tracer):
        super().__init__(specs.layout, n, seed, chunk, tracer)
        d = specs.plan.draw(n, seed, chunk)
        self.draws = d
        t = self.targets = Targets(specs.layout.sides)
        self.sides: Sides = specs.sides.build(d, t)
        self.accord: Accord = specs.accord.build(n, t)
        self.events: Events = specs.events.build(d, t)
        self.battle: Battlefield = specs.battle.build(d, t, self.sides, self.accord)
        self.sanctions: Sanctions = specs.sanctions.build(d, t, self.sides)
        self.threats: Threats = specs.threats.build(d, t, self.accord, self.sides, self.battle)
        self.domestic: Domestic = specs.domestic.build(
            d, self.sides, self.accord, self.battle, self.sanctions, self.threats
        )
        self.learning: Learning = specs.learning.build(d, self.sides, self.accord, self.battle)
        self.war: WarValue = specs.war.build(
            n, self.sides, self.learning, self.battle, self.sanctions, self.threats, d
        )
        self.durability: Durability = specs.durability.build(d, self.sides, self.accord, self.war)
        self.negotiation: Negotiation = specs.negotiation.build(
            d, t, self.sides, self.accord, self.battle, self.sanctions, self.threats, self.war,
            self.durability,
        )  # fmt: skip
        self.observations: Observations = specs.observations.build(
            n, self.sides, self.accord, self.battle, self.sanctions, self.threats, self.negotiation
        )
        self.mechanisms: list[Mechanism] = [
            self.sides,
            self.accord,
            self.events,
            self.battle,
            self.sanctions,
            self.threats,
            self.domestic,
            self.learning,
            self.war,
            self.negotiation,
            self.durability,
            self.observations,
        ]

    def release(self) -> None:
        """Break the references between mechanisms (callbacks, effect targets) so the chunk's
        arrays are freed as soon as it ends, without waiting for the cyclic garbage collector."""
        self.targets.clear()
        self.sides.clear_listeners()

    def outcomes(self, specs: Specs) -> dict[str, Any]:
        """Every declared outcome column of this chunk, checked against its declaration."""
        out: dict[str, Any] = {}
        for spec, mech in zip(specs.mechanisms(), self.mechanisms, strict=True):
            got = mech.outcomes(self)
            check_outcomes(mech.key, spec.columns(), got, self.n)
            out.update(got)
        for p, v in self.draws.values.items():
            out[f"param.{p}"] = v
        return {k: out[k] for k in specs.columns()}
