"""Sampled parameters: one draw per replicate of every distribution in a scenario, on named streams.

Each scenario path gets its own random stream (chunk index + a hash of the path),
so adding or changing one distribution leaves the draws of the others unchanged:
common random numbers across sweep points and scenario variants come for free.
Mechanisms compile every number they use into a :data:`Num` (a constant, or the
path of a distribution) once per run, and read its per-replicate values from the
chunk's :class:`Draws`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..scenario.distributions import Dist, rank_to_pearson, sample_correlated
from ..scenario.schema import Scenario, distributions_by_path

FloatArray = NDArray[np.float64]

PARAM_STREAM = 0  # spawn-key slot of parameter draws
DYNAMICS_STREAM = 1  # spawn-key slot of per-round chance


@dataclass(frozen=True)
class Drawn:
    """A number given as a distribution: its values come from the chunk's draws at ``path``."""

    path: str


Num = float | Drawn  # a compiled scenario number


def num(value: float | Dist, path: str) -> Num:
    """Compile a scenario number: a constant stays a float, a distribution becomes its path."""
    return Drawn(path) if isinstance(value, Dist) else float(value)


def path_key(name: str) -> int:
    """A stable 32-bit key for a named stream (crc32, identical across processes)."""
    return zlib.crc32(name.encode("utf-8"))


def stream(seed: int, chunk: int, slot: int, name: str) -> np.random.Generator:
    """The generator for one named stream of one chunk (per-round chance jumps ahead in it)."""
    key = (chunk, slot, path_key(name))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


@dataclass(frozen=True)
class DrawPlan:
    """Every distribution of a scenario by path, and the copula of the correlated ones."""

    dists: dict[str, Dist]
    linked: tuple[str, ...]  # paths drawn through the Gaussian copula
    corr: NDArray[np.float64]  # Pearson matrix of the linked paths' normals

    @classmethod
    def of(cls, s: Scenario) -> DrawPlan:
        dists = distributions_by_path(s)
        linked = tuple(sorted({p for c in s.correlations for p in c.between}))
        idx = {p: i for i, p in enumerate(linked)}
        corr = np.eye(len(linked))
        for c in s.correlations:
            a, b = idx[c.between[0]], idx[c.between[1]]
            corr[a, b] = corr[b, a] = rank_to_pearson(c.rank)
        return cls(dists, linked, corr)

    def draw(self, n: int, seed: int, chunk: int) -> Draws:
        """Draw ``n`` replicates of every distribution for chunk ``chunk``.

        Independent inputs use each family's direct sampler; inputs named in
        ``correlations`` go through the Gaussian copula (standard normals mixed by the
        Cholesky factor, then each family's inverse CDF).
        """
        values: dict[str, FloatArray] = {}
        for p, d in self.dists.items():
            if p not in self.linked:
                values[p] = d.draw(stream(seed, chunk, PARAM_STREAM, p), n)
        if self.linked:
            z = np.vstack(
                [stream(seed, chunk, PARAM_STREAM, p).standard_normal(n) for p in self.linked]
            )
            x = sample_correlated([self.dists[p] for p in self.linked], z, self.corr)
            values.update({p: x[i] for i, p in enumerate(self.linked)})
        return Draws({p: values[p] for p in self.dists}, n, seed, chunk)


@dataclass(frozen=True)
class Draws:
    """The per-replicate values of every distribution of one chunk, keyed by scenario path."""

    values: dict[str, FloatArray]
    n: int
    seed: int
    chunk: int

    def __call__(self, x: Num) -> FloatArray:
        """Values of a compiled number: a copy of its draws (state may start from it and change
        while the draws are kept as outcomes), or the constant broadcast to every replicate."""
        if isinstance(x, Drawn):
            return self.values[x.path].copy()
        return np.full(self.n, x)

    def scaled_chance(self, x: Num, scale: float) -> FloatArray:
        """Values of a compiled probability times ``scale``, capped at 1 (a structural scale
        by kind of war); at scale 1 the values themselves, draw for draw."""
        p = self(x)
        return p if scale == 1.0 else np.minimum(p * scale, 1.0)

    def normals(self, name: str, k: int) -> FloatArray:
        """Standard normals (k, n) from the parameter stream ``name``, drawn replicate-major."""
        g = stream(self.seed, self.chunk, PARAM_STREAM, name)
        return np.ascontiguousarray(g.standard_normal((self.n, k)).T)

    def uniforms(self, name: str) -> FloatArray:
        """U(0, 1) per replicate from the parameter stream ``name`` (latent types and the like)."""
        return stream(self.seed, self.chunk, PARAM_STREAM, name).random(self.n)
