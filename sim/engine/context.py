"""What every mechanism of one chunk needs besides the state: compiled scenario, parameters, chance, trace."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .model import ChunkParams, Compiled
from .params import DYNAMICS_STREAM, stream

BoolArray = NDArray[np.bool_]


@dataclass
class Tracer:
    """Event log of the first ``k`` replicates of a chunk; costs nothing when k == 0."""

    k: int
    compiled: Compiled
    logs: list[list[dict[str, object]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.logs = [[] for _ in range(self.k)]

    def log(
        self, day: int, kind: str, mask: BoolArray | None, text: str, **values: NDArray[np.float64]
    ) -> None:
        """Record ``text`` for each traced replicate where ``mask`` holds (all if None).

        ``values`` are per-replicate arrays (n,) or per-side (2, n); they are stored rounded.
        """
        if self.k == 0:
            return
        rows = range(self.k) if mask is None else np.flatnonzero(mask[: self.k])
        date = self.compiled.date(day).isoformat()
        for r in rows:
            entry: dict[str, object] = {"day": int(day), "date": date, "kind": kind, "text": text}
            for name, arr in values.items():
                a = np.asarray(arr)
                v = a[r] if a.ndim == 1 else a[:, r]
                entry[name] = np.round(v, 4).tolist()
            self.logs[int(r)].append(entry)


@dataclass
class Ctx:
    compiled: Compiled
    params: ChunkParams
    seed: int
    chunk: int
    tracer: Tracer

    def rng(self, name: str, day: int) -> np.random.Generator:
        """A fresh generator for mechanism ``name`` on ``day`` of this chunk.

        Keying chance by (name, day) rather than by how often a stream was used keeps
        common random numbers exact: another offer, event or mediator elsewhere in the
        scenario never shifts these draws. Draws are sized n (one per replicate, in
        replicate order), so a shorter last chunk sees a prefix of the same numbers.
        """
        return stream(self.seed, self.chunk, DYNAMICS_STREAM, name, day)

    def uniforms(self, name: str, day: int, k: int | None = None) -> NDArray[np.float64]:
        """U(0, 1) per replicate (n,), or (k, n) drawn replicate-major (a prefix-stable layout)."""
        n = self.params.n
        g = self.rng(name, day)
        return g.random(n) if k is None else np.ascontiguousarray(g.random((n, k)).T)

    def normals(self, name: str, day: int, k: int | None = None) -> NDArray[np.float64]:
        """Standard normals per replicate (n,), or (k, n) drawn replicate-major."""
        n = self.params.n
        g = self.rng(name, day)
        return (
            g.standard_normal(n) if k is None else np.ascontiguousarray(g.standard_normal((n, k)).T)
        )

    @property
    def round_days(self) -> int:
        return self.compiled.scenario.round_days
