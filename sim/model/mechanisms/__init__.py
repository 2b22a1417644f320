"""The registry: ONE ordered list of mechanisms; specs, world, step order, calendar and columns derive from it.

Each round runs, on its first day, the ``begin`` step of every mechanism in the order
below; then the round's dated items in day order (each that asks for it followed by every
mechanism's ``after_item``: the war values are refreshed); then every mechanism's ``end``
step in the same order:

    sides        the belligerents' parameters and state (no steps)
    accord       talks, truces, ceasefires and their terms (no steps)
    events       random events (begin); dated events (items)
    battle       front line, attrition, rebuilding and aid (begin)
    sanctions    erosion of the target's economy (begin); schedule steps (items)
    threats      deadlines (items); threats carried out when their delay ends (end)
    domestic     support (begin); elections (items)
    learning     beliefs learn from the fighting (begin)
    war          what fighting on and rejecting are worth (begin, and after every item)
    obstacles    when the war's hidden obstacles to a deal lift (drawn on the first day)
    negotiation  talks opening, sessions, scheduled proposals (items); talks reopening (end)
    durability   ceasefires breaking down (end)
    decisive     the war decided by force, with the hazard the war values assume (end)
    observations what each observation looks at, recorded on its date (items)

Adding a mechanism: write its module (a Spec with ``name``, ``of`` and ``build``, and a
Mechanism; see base.py) and put its Spec class in ``REGISTRY`` at its place in this order;
add its keys to the schema and document it in docs/model.md. Nothing else lists mechanisms:
its outcome columns, per-round series, calendar items and diagnostics are picked up from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..engine.calendar import Calendar, Item
from ..engine.layout import Layout
from ..engine.resample import Resampling
from ..engine.sampling import DrawPlan
from ..engine.world import Tracer, WorldBase
from ..scenario.schema import Scenario
from .accord import AccordSpec
from .base import FLOAT, Build, Mechanism, Spec, check_outcomes
from .battlefield import BattlefieldSpec
from .decisive import DecisiveSpec
from .domestic import DomesticSpec
from .durability import DurabilitySpec
from .effects import Targets
from .events import EventsSpec
from .learning import LearningSpec
from .negotiation import NegotiationSpec
from .observations import ObservationsSpec
from .obstacles import ObstaclesSpec
from .sanctions import SanctionsSpec
from .sides import SidesSpec
from .threats import ThreatsSpec
from .warvalue import WarValueSpec

__all__ = ["PRIOR_OF", "REGISTRY", "Specs", "World", "compile_scenario"]

PRIOR_OF = ("param.", "stalling.")  # inputs whose draws a resampled run also keeps as drawn

# The mechanisms in the order their steps run (see the module docstring).
REGISTRY: list[type[Spec]] = [
    SidesSpec,
    AccordSpec,
    EventsSpec,
    BattlefieldSpec,
    SanctionsSpec,
    ThreatsSpec,
    DomesticSpec,
    LearningSpec,
    WarValueSpec,
    ObstaclesSpec,
    NegotiationSpec,
    DurabilitySpec,
    DecisiveSpec,
    ObservationsSpec,
]


@dataclass(frozen=True)
class Specs:
    """A scenario compiled for the engine: its layout, its draws and every mechanism's spec."""

    layout: Layout
    plan: DrawPlan
    specs: tuple[Spec, ...]  # in REGISTRY order
    resampling: Resampling | None = None  # conditioned on the record by resample-move

    def mechanisms(self) -> list[Spec]:
        """The mechanisms' specs in the order their steps run."""
        return list(self.specs)

    def calendar(self) -> Calendar[WorldBase]:
        items: list[Item[WorldBase]] = [it for m in self.specs for it in m.items()]
        return Calendar.of(self.layout.horizon_days, self.layout.round_days, items)

    def columns(self) -> dict[str, str]:
        """Every outcome column in table order: per mechanism as declared, then sampled inputs."""
        cols: dict[str, str] = {}
        for m in self.specs:
            cols.update(m.columns())
        cols.update({f"param.{p}": FLOAT for p in self.plan.dists})
        if self.resampling is not None:  # the filter's columns, and the inputs before it
            prior = {f"prior.{k}": v for k, v in cols.items() if k.startswith(PRIOR_OF)}
            cols.update(self.resampling.columns() | prior)
        return cols


def compile_scenario(s: Scenario, resampling: Resampling | None = None) -> Specs:
    """Compile ``s`` once per run: nothing in the run reads the scenario spec afterwards.
    With ``resampling``, every chunk conditions on the record as it runs (engine/resample.py)."""
    lay = Layout.of(s)
    specs = tuple(c.of(s, lay) for c in REGISTRY)
    return Specs(layout=lay, plan=DrawPlan.of(s), specs=specs, resampling=resampling)


class World(WorldBase):
    """One chunk's mechanisms (parameters sampled, state initialised), wired to what each reads.

    Calendar items reach their mechanism typed, ``w.mechanism(name, cls)``; ``w.<name>`` is the
    same mechanism untyped, for tests and interactive use."""

    def __init__(self, specs: Specs, n: int, seed: int, chunk: int, tracer: Tracer):
        super().__init__(specs.layout, n, seed, chunk, tracer)
        d = specs.plan.draw(n, seed, chunk)
        self.draws = d
        self.targets = Targets(specs.layout.sides)
        ctx = Build(specs.specs, d, self.targets, n)
        self.mechanisms: list[Mechanism] = [ctx.get(m.name, Mechanism) for m in specs.specs]
        self.named = {m.name: mech for m, mech in zip(specs.specs, self.mechanisms, strict=True)}

    def __getattr__(self, name: str) -> Any:
        named = self.__dict__.get("named")
        if named is not None and name in named:
            return named[name]
        raise AttributeError(name)

    def release(self) -> None:
        """Break the references between mechanisms (callbacks, effect targets) so the chunk's
        arrays are freed as soon as it ends, without waiting for the cyclic garbage collector."""
        self.targets.clear()
        self.observed = None  # a filter's callback: world -> filter -> calendar steps -> world
        for m in self.mechanisms:
            m.release()

    def outcomes(self, specs: Specs) -> dict[str, Any]:
        """Every declared outcome column of this chunk, checked against its declaration."""
        out: dict[str, Any] = {}
        for spec, mech in zip(specs.mechanisms(), self.mechanisms, strict=True):
            got = mech.outcomes(self)
            check_outcomes(mech.key, spec.columns(), got, self.n)
            out.update(got)
        for p, v in self.draws.values.items():
            out[f"param.{p}"] = v
        return {k: out[k] for k in specs.columns() if k in out}  # a filter adds its own
