"""Sampled parameters: one draw per replicate of every distribution in a scenario.

Each scenario path gets its own random stream (chunk index + a hash of the path),
so adding or changing one distribution leaves the draws of the others unchanged:
common random numbers across sweep points and scenario variants come for free.
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


def path_key(name: str) -> int:
    """A stable 32-bit key for a named stream (crc32, identical across processes)."""
    return zlib.crc32(name.encode("utf-8"))


def stream(
    seed: int, chunk: int, slot: int, name: str, day: int | None = None
) -> np.random.Generator:
    """The generator for one named stream of one chunk (and one day, for per-round chance)."""
    key = (chunk, slot, path_key(name)) if day is None else (chunk, slot, path_key(name), day)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


@dataclass(frozen=True)
class Sampled:
    """The per-replicate values of every distribution, keyed by scenario path."""

    values: dict[str, FloatArray]
    n: int

    def get(self, path: str, value: float | Dist) -> FloatArray:
        """Values at ``path``: the draws if it is a distribution, else the constant broadcast."""
        if isinstance(value, Dist):
            return self.values[path]
        return np.full(self.n, float(value))


def sample(scenario: Scenario, n: int, seed: int, chunk: int) -> Sampled:
    """Draw ``n`` replicates of every distribution in ``scenario`` for chunk ``chunk``.

    Independent inputs use each family's direct sampler; inputs named in
    ``correlations`` go through the Gaussian copula (standard normals mixed by the
    Cholesky factor, then each family's inverse CDF).
    """
    dists = distributions_by_path(scenario)
    linked = sorted({p for c in scenario.correlations for p in c.between})
    values: dict[str, FloatArray] = {}
    for p, d in dists.items():
        if p not in linked:
            values[p] = d.draw(stream(seed, chunk, PARAM_STREAM, p), n)
    if linked:
        idx = {p: i for i, p in enumerate(linked)}
        corr = np.eye(len(linked))
        for c in scenario.correlations:
            a, b = idx[c.between[0]], idx[c.between[1]]
            corr[a, b] = corr[b, a] = rank_to_pearson(c.rank)
        z = np.vstack([stream(seed, chunk, PARAM_STREAM, p).standard_normal(n) for p in linked])
        x = sample_correlated([dists[p] for p in linked], z, corr)
        values.update({p: x[i] for i, p in enumerate(linked)})
    return Sampled({p: values[p] for p in dists}, n)
