"""One chunk of replicates while it is simulated: its size, today's date, chance and the trace.

The mechanisms of the chunk (their parameters and state) hang off the registry's
``World`` subclass (``sim/mechanisms/__init__.py``); this base holds only what every
mechanism needs besides its own data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from .layout import Layout
from .sampling import DYNAMICS_STREAM, stream

FloatArray = NDArray[np.float64]
M = TypeVar("M")
BoolArray = NDArray[np.bool_]


@dataclass
class Tracer:
    """Event log of the first ``k`` replicates of a chunk; costs nothing when k == 0."""

    k: int
    layout: Layout
    logs: list[list[dict[str, object]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.logs = [[] for _ in range(self.k)]

    def log(
        self, day: int, kind: str, mask: BoolArray | None, text: str, **values: FloatArray
    ) -> None:
        """Record ``text`` for each traced replicate where ``mask`` holds (all if None).

        ``values`` are per-replicate arrays (n,) or per-side (2, n); they are stored rounded.
        """
        if self.k == 0:
            return
        rows = range(self.k) if mask is None else np.flatnonzero(mask[: self.k])
        date = self.layout.date(day).isoformat()
        for r in rows:
            entry: dict[str, object] = {"day": int(day), "date": date, "kind": kind, "text": text}
            for name, arr in values.items():
                a = np.asarray(arr)
                v = a[r] if a.ndim == 1 else a[:, r]
                entry[name] = np.round(v, 4).tolist()
            self.logs[int(r)].append(entry)

    def mask(self, n: int, rows: NDArray[np.intp]) -> BoolArray:
        m = np.zeros(n, dtype=bool)
        m[rows] = True
        return m


class WorldBase:
    """Chunk ``chunk`` of ``n`` replicates of a run with ``seed``; ``day`` is today (from start)."""

    def __init__(self, layout: Layout, n: int, seed: int, chunk: int, tracer: Tracer):
        self.layout = layout
        self.n = n
        self.seed = seed
        self.chunk = chunk
        self.tracer = tracer
        self.day = 0
        self.named: dict[str, object] = {}  # the chunk's mechanisms by name (set by World)
        # told each day's recorded observations (index -> per-replicate values) by the
        # mechanism that records them: a resampled run's particle filter (engine/resample.py)
        self.observed: Callable[[dict[int, FloatArray]], None] | None = None
        self._streams: dict[str, tuple[np.random.Generator, Mapping[str, Any]]] = {}

    def mechanism(self, name: str, cls: type[M]) -> M:
        """The chunk's mechanism ``name``, checked to be a ``cls``: what a calendar item uses
        to reach the mechanism that declared it, typed (``w.mechanism("events", Events)``)."""
        m = self.named.get(name)
        if not isinstance(m, cls):
            raise TypeError(f"mechanism '{name}' is a {type(m).__name__}, not a {cls.__name__}")
        return m

    @property
    def round_days(self) -> int:
        return self.layout.round_days

    def rng(self, name: str, day: int) -> np.random.Generator:
        """The generator for mechanism ``name`` on ``day`` of this chunk.

        Keying chance by (name, day) rather than by how often a stream was used keeps
        common random numbers exact: another offer, event or mediator elsewhere in the
        scenario never shifts these draws. Each name has one PCG64 stream per chunk; day d
        starts d * 2**64 draws into it (a jump, not a new seed: creating a generator costs
        several times more than the draws of a round). The generator is reset on every call,
        so use it before asking for the same name again. Draws are sized n (one per
        replicate, in replicate order), so a shorter last chunk sees a prefix of the same
        numbers.
        """
        got = self._streams.get(name)
        if got is None:
            g = stream(self.seed, self.chunk, DYNAMICS_STREAM, name)
            got = self._streams[name] = (g, g.bit_generator.state)
        g, start = got
        bg = g.bit_generator
        bg.state = start
        bg.advance(day << 64)  # type: ignore[attr-defined]
        return g

    def uniforms(self, name: str, day: int, k: int | None = None) -> FloatArray:
        """U(0, 1) per replicate (n,), or (k, n) drawn replicate-major (a prefix-stable layout)."""
        g = self.rng(name, day)
        return g.random(self.n) if k is None else np.ascontiguousarray(g.random((self.n, k)).T)

    def normals(self, name: str, day: int, k: int | None = None) -> FloatArray:
        """Standard normals per replicate (n,), or (k, n) drawn replicate-major."""
        g = self.rng(name, day)
        if k is None:
            return g.standard_normal(self.n)
        return np.ascontiguousarray(g.standard_normal((self.n, k)).T)
