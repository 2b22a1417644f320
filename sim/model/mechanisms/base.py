"""What a mechanism is: a per-run spec (compiled once) and a per-chunk object (parameters, state, steps).

A mechanism module defines two classes:

* a **spec** (frozen dataclass, picklable, built from the scenario once per run): the
  mechanism's compiled parameters (numbers as constants or distribution paths, effects
  parsed into operations), its dated calendar items, the outcome columns it contributes
  (declared once, with their kinds), and its per-round series;
* a **runtime** object built by the spec for each chunk: the parameters sampled for the
  chunk's replicates, the state arrays the mechanism owns, and its steps — ``begin``
  (first day of each round), ``end`` (end of each round), and whatever its calendar items
  and other mechanisms call.

The registry (``sim/mechanisms/__init__.py``) lists the mechanisms in the order their
steps run and wires each to the mechanisms it reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import numpy as np
from numpy.typing import NDArray

from ..engine.calendar import Item
from ..engine.world import WorldBase

if TYPE_CHECKING:
    from ..engine.layout import Layout
    from ..engine.sampling import Draws
    from ..scenario.schema import Scenario
    from .effects import Targets

FloatArray = NDArray[np.float64]

# Order of dated items on one day (lower first); the round's begin step comes before all.
RANK_TALKS_OPEN = 0
RANK_EVENT = 1
RANK_SANCTIONS_STEP = 2
RANK_ELECTION = 3
RANK_DEADLINE = 4
RANK_PROPOSAL = 5
RANK_SESSION = 6
RANK_OBSERVE = 7  # observations see the state at the end of their day

# Kinds of outcome columns, as written to the outcomes table.
FLOAT, BOOL, INT, STR = "float", "bool", "int", "str"
_NUMPY = {FLOAT: np.float64, BOOL: np.bool_, INT: np.int64}


class Mechanism:
    """The per-chunk part of a mechanism; steps default to doing nothing."""

    key: ClassVar[str] = ""

    def begin(self, w: WorldBase) -> None:
        """Run on the first day of every round (before its dated items)."""

    def after_item(self, w: WorldBase) -> None:
        """Run after every dated item that asks for it (what depends on the state it changed)."""

    def end(self, w: WorldBase) -> None:
        """Run after the last dated item of every round."""

    def release(self) -> None:
        """Drop references to other mechanisms (callbacks) when the chunk ends."""

    def finite_state(self) -> list[tuple[str, NDArray[Any]]]:
        """State the engine checks is finite at the horizon: (human name, array)."""
        return []

    def outcomes(self, w: WorldBase) -> dict[str, NDArray[Any]]:
        """Per-replicate outcome columns at the horizon (as declared by the spec)."""
        return {}

    def accumulate(self, w: WorldBase, r: int, sums: dict[str, FloatArray]) -> None:
        """Add the state at the end of round ``r`` to the per-round sums."""


class Spec:
    """The per-run part of a mechanism; declarations default to none.

    ``name`` is the attribute the chunk's world gives the built mechanism (``w.negotiation``);
    ``of`` compiles it from a scenario; ``build`` makes the per-chunk mechanism, asking the
    build context for the other mechanisms it reads (``ctx.get("sides", Sides)``).
    """

    name: ClassVar[str] = ""

    @classmethod
    def of(cls, s: Scenario, lay: Layout) -> Spec:
        """This mechanism's part of scenario ``s`` (laid out as ``lay``), compiled."""
        raise NotImplementedError(cls.__name__)

    def build(self, ctx: Build) -> Mechanism:
        """The per-chunk mechanism."""
        raise NotImplementedError(type(self).__name__)

    def items(self) -> list[Item[WorldBase]]:
        """Dated calendar items; each item's callback reaches its own mechanism through
        ``w.mechanism(name, cls)``."""
        return []

    def columns(self) -> dict[str, str]:
        """Outcome columns this mechanism contributes: name -> kind (float, bool, int, str)."""
        return {}

    def sums(self, rounds: int) -> dict[str, tuple[int, ...]]:
        """Shapes of the per-round sums this mechanism accumulates (added across chunks)."""
        return {}

    def series(self, sums: dict[str, FloatArray], n: int) -> dict[str, FloatArray]:
        """Per-round series columns from the summed accumulators of ``n`` replicates."""
        return {}

    def diagnostics(self, sums: dict[str, FloatArray], n: int) -> dict[str, Any]:
        """Figures about the run's own workings (summary.json's ``diagnostics``)."""
        return {}


M = TypeVar("M", bound=Mechanism)


class Build:
    """What a spec builds its chunk mechanism from: the draws, the effect targets, the replicate
    count, and the other mechanisms, each built on first request (so a mechanism may read one
    that steps after it) and checked to be of the class the asker expects."""

    def __init__(self, specs: Sequence[Spec], d: Draws, targets: Targets, n: int):
        self.d, self.targets, self.n = d, targets, n
        self._specs = {s.name: s for s in specs}
        self._built: dict[str, Mechanism] = {}

    def get(self, name: str, cls: type[M]) -> M:
        """The chunk's mechanism ``name`` (a ``cls``), built now if it is not yet."""
        m = self._built.get(name)
        if m is None:
            if name not in self._specs:
                raise KeyError(f"no mechanism '{name}' in the registry")
            m = self._built[name] = self._specs[name].build(self)
        if not isinstance(m, cls):
            raise TypeError(f"mechanism '{name}' is a {type(m).__name__}, not a {cls.__name__}")
        return m


def check_outcomes(
    name: str, declared: dict[str, str], got: dict[str, NDArray[Any]], n: int
) -> None:
    """A mechanism's outcomes must be exactly its declared columns, one value per replicate."""
    if set(declared) != set(got):
        extra, missing = sorted(set(got) - set(declared)), sorted(set(declared) - set(got))
        raise RuntimeError(
            f"{name}: outcome columns differ from the declaration (extra {extra}, missing {missing})"
        )
    for col, kind in declared.items():
        a = got[col]
        if a.shape != (n,):
            raise RuntimeError(f"{name}: outcome {col!r} has shape {a.shape}, expected ({n},)")
        if kind in _NUMPY and a.dtype != _NUMPY[kind]:
            raise RuntimeError(f"{name}: outcome {col!r} is {a.dtype}, declared {kind}")
        if kind == STR and a.dtype.kind != "U":
            raise RuntimeError(f"{name}: outcome {col!r} is {a.dtype}, declared text")
