"""One chunk of replicates simulated from day 0 to the horizon: the registry's mechanisms stepped
round by round on the calendar, per-round sums accumulated, outcomes and traced stories
gathered (sim/studies/runner.py splits a run into chunks and runs them)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import RunError
from ...io.jsonable import jsonable
from ..mechanisms import PRIOR_OF, Specs, World
from .calendar import play
from .resample import Filter
from .store import ChunkOutput
from .world import Tracer, WorldBase

__all__ = ["simulate_chunk"]


def simulate_chunk(
    specs: Specs, seed: int, chunk: int, n: int, offset: int, trace: int
) -> ChunkOutput:
    """Simulate replicates ``offset .. offset + n`` (chunk number ``chunk``) from day 0 to the horizon."""
    lay = specs.layout
    tracer = Tracer(max(0, min(trace - offset, n)), lay)
    w = World(specs, n, seed, chunk, tracer)
    sums = {
        k: np.zeros(shape) for m in specs.mechanisms() for k, shape in m.sums(lay.rounds).items()
    }
    smc, prior = None, {}
    if specs.resampling is not None:
        smc = Filter(specs.resampling, w, [*w.mechanisms, w.draws], offset)
        w.observed = smc.observe
        prior = _inputs(w, specs)

    # The calendar hands back the world it was given (typed as the base its items need).
    def begin(_: WorldBase, r: int) -> None:
        for m in w.mechanisms:
            m.begin(w)

    def end(_: WorldBase, r: int) -> None:
        for m in w.mechanisms:
            m.end(w)
        for m in w.mechanisms:
            m.accumulate(w, r, sums)

    def after_item(_: WorldBase) -> None:
        for m in w.mechanisms:
            m.after_item(w)

    steps = specs.calendar().schedule(w, _set_day, begin, end, after_item)
    if smc is not None:
        smc.start(steps)
    play(steps, 0, None if smc is None else smc.after_step)
    _check_finite(w)
    outcomes = w.outcomes(specs)
    if smc is not None:
        outcomes.update(smc.finish())
        outcomes.update(prior)
        sums.update(smc.stats)
        outcomes = {k: outcomes[k] for k in specs.columns()}
    w.release()
    stories = [
        {
            "replicate": offset + i,
            "events": sorted(log, key=lambda e: int(str(e["day"]))),
            "outcome": jsonable(
                {"replicate": offset + i}
                | {k: v[i] for k, v in outcomes.items() if not k.startswith("param.")}
            ),
        }
        for i, log in enumerate(tracer.logs)
    ]
    return ChunkOutput(chunk, offset, n, outcomes, sums, stories)


def _inputs(w: World, specs: Specs) -> dict[str, Any]:
    """The sampled inputs and latent types of the chunk as drawn, before any resampling
    (``prior.<column>``): what a resampled run's posterior is compared with."""
    now = {f"param.{p}": v.copy() for p, v in w.draws.values.items()}
    for spec, m in zip(specs.mechanisms(), w.mechanisms, strict=True):
        if any(k.startswith(PRIOR_OF) for k in spec.columns()):  # latent types drawn at build
            now |= {k: np.array(v) for k, v in m.outcomes(w).items() if k.startswith(PRIOR_OF)}
    return {f"prior.{k}": v for k, v in now.items() if f"prior.{k}" in specs.columns()}


def _set_day(w: WorldBase, day: int) -> None:
    w.day = day


def _check_finite(w: World) -> None:
    for name, arr in (pair for m in w.mechanisms for pair in m.finite_state()):
        if not np.all(np.isfinite(arr)):
            raise RunError(
                f"the simulation produced a non-finite {name}; check the scenario's magnitudes "
                "(e.g. a patience of 1 makes the war value infinite)"
            )
