"""Effects of events and threats: compiled once into operations on state paths, applied to masked replicates.

An effect ``{path: value | "+x" | "-x" | "*x"}`` becomes a tuple of :class:`Op`. The
mechanisms that own the state register each changeable head (``capability``,
``sanctions``, ``engaged``, ...) in the chunk's :class:`Targets`; applying an op
looks the head up there and clamps the result to the range in
``sim.scenario.statepaths``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..scenario.schema import parse_effect
from ..scenario.statepaths import STATE_PATHS

BoolArray = NDArray[np.bool_]
TARGET = "target"  # in a threat's effect, '<head>.target' means the side the threat falls on


@dataclass(frozen=True)
class Op:
    """One change: ``head[who] <op> x`` (who: an actor id, TARGET, or None for scenario-wide heads)."""

    head: str
    who: str | None
    op: str  # '=', '+', '-' or '*'
    x: float


def compile_effect(effect: Mapping[str, float | str]) -> tuple[Op, ...]:
    """Parse an effect mapping (already validated by the schema) into operations, in order."""
    ops = []
    for path, raw in effect.items():
        head, _, who = path.partition(".")
        op, x = parse_effect(raw)
        ops.append(Op(head, who or None, op, x))
    return tuple(ops)


Getter = Callable[[str | None], NDArray[np.float64] | BoolArray]
Putter = Callable[[str | None, NDArray[np.float64], BoolArray], None]


class Targets:
    """The state arrays effects may change in one chunk, registered by the mechanisms that own them."""

    def __init__(self, sides: tuple[str, str]):
        self.sides = sides
        self._get: dict[str, Getter] = {}
        self._put: dict[str, Putter] = {}

    def add(self, head: str, get: Getter, put: Putter | None = None) -> None:
        """``get(who)`` returns the array (a view over replicates) that ``head.who`` names;
        ``put(who, new, mask)``, if given, stores a new value where a derived quantity changed."""
        if head not in STATE_PATHS:
            raise KeyError(f"{head!r} is not a state path (see sim/scenario/statepaths.py)")
        self._get[head] = get
        if put is not None:
            self._put[head] = put

    def clear(self) -> None:
        self._get.clear()
        self._put.clear()

    def apply(
        self, ops: tuple[Op, ...], mask: BoolArray, target: NDArray[np.int64] | None = None
    ) -> None:
        """Apply ``ops`` where ``mask`` holds; ``target`` (n,) gives the side a threat falls on."""
        for o in ops:
            if o.who == TARGET and target is not None:
                for j, sid in enumerate(self.sides):
                    self._one(Op(o.head, sid, o.op, o.x), mask & (target == j))
            else:
                self._one(o, mask)

    def _one(self, o: Op, mask: BoolArray) -> None:
        arr = self._get[o.head](o.who)
        rule = STATE_PATHS[o.head]
        if rule.switch:
            on = _combine(o, arr.astype(float)) > 0.5
            arr[mask] = on[mask]
        else:
            new = np.clip(_combine(o, arr.astype(float)), rule.lo, rule.hi)
            put = self._put.get(o.head)
            if put is not None:
                put(o.who, new, mask)
            else:
                arr[mask] = new[mask]


def _combine(o: Op, old: NDArray[np.float64]) -> NDArray[np.float64]:
    if o.op == "=":
        return np.full_like(old, o.x)
    if o.op == "+":
        return old + o.x
    if o.op == "-":
        return old - o.x
    return old * o.x
