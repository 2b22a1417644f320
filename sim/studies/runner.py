"""The runner: splits replicates into fixed-size chunks, runs them (sim/engine/chunk.py), gathers Results.

Chunk ``i`` always draws from ``SeedSequence(seed, spawn_key=(i, ...))``, so the same
seed gives the same replicates whatever the number of workers or the executor.
Finished chunks go to a store: memory for small runs, or a checkpoint folder from which
the outcomes are streamed to Parquet (resumable, and memory does not grow with the
replicate count).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import tempfile
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RunError, UsageError
from ..io.limits import MAX_AUTO_REPLICATES, MAX_REPLICATES, MAX_TRACE
from ..model.engine.chunk import simulate_chunk
from ..model.engine.resample import Resampling, resampling_meta, run_weights
from ..model.engine.store import ChunkOutput, FolderStore, MemoryStore
from ..model.engine.tables import run_meta, series_table
from ..model.mechanisms import Specs, compile_scenario
from ..model.scenario.schema import Scenario
from ..output.results import Results
from ..version import build

CHUNK_SIZE = 4096  # replicates per chunk: memory stays flat whatever the replicate count
MEMORY_CHUNKS = 64  # without a checkpoint folder, runs of more chunks spill to a temporary one

Progress = bool | Callable[[int, int], None]


def chunks(replicates: int, chunk_size: int) -> list[tuple[int, int, int]]:
    """(chunk index, offset, size) covering the replicates."""
    n_chunks = math.ceil(replicates / chunk_size)
    return [
        (i, i * chunk_size, min(chunk_size, replicates - i * chunk_size)) for i in range(n_chunks)
    ]


def _job(args: tuple[Specs, int, int, int, int, int]) -> ChunkOutput:
    return simulate_chunk(*args)


def run(
    scenario: Scenario,
    replicates: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    progress: Progress = False,
    trace: int = 0,
    executor: Executor | None = None,
    chunk_size: int = CHUNK_SIZE,
    checkpoint: str | os.PathLike[str] | None = None,
    precision: float | None = None,
    max_replicates: int = MAX_AUTO_REPLICATES,
    as_of: str | dt.date | None = None,
    resample: bool = False,
) -> Results:
    """Run the Monte Carlo simulation of ``scenario`` and return its Results.

    ``workers`` > 1 runs chunks in a local process pool; ``executor`` (any
    concurrent.futures Executor, e.g. a Dask client's) runs them elsewhere. With
    ``checkpoint`` (a folder), every finished chunk is saved as it completes, chunks
    already saved there by an interrupted run of the same job are reused, and the
    outcomes are streamed to ``outcomes.parquet`` in that folder (Results reads them
    lazily). Large runs without a checkpoint spill to a temporary folder the same way.

    Replicate i's draws depend on (seed, its chunk, its place in the chunk), so the results
    are the same whatever the workers, the executor or a resume; ``chunk_size`` (4,096, as the
    CLI uses) is part of the run's identity like the seed.

    With ``precision`` (``-n auto``), chunks are added until the 95% Wilson interval of
    P(ceasefire) has a half-width of at most ``precision`` (or ``max_replicates`` are run);
    chunk i's draws depend only on (seed, i): the result equals a run of the final size.

    With ``as_of`` (a date), the results are conditioned on the observations dated on or
    before it (weighted afterwards; with ``resample``, by resample-move as it runs:
    sim/model/engine/resample.py); with ``precision`` too, the conditioned interval must be
    narrow enough.
    """
    _check_resample(resample, as_of)
    track: tuple[str, ...] = ("ceasefire",)
    if as_of is not None and precision is not None:
        obs = tuple(f"obs.{i}" for i in range(len(scenario.observations)))
        track += ("smc.log_weight", "smc.eve") if resample else obs
    sim = Simulation(
        scenario, seed, workers, progress, trace, executor, chunk_size, checkpoint,
        replicates=replicates, precision=precision, max_replicates=max_replicates,
        track=track, as_of=as_of, resample=resample,
    )  # fmt: skip
    try:
        return _finish(sim, precision, as_of)
    except BaseException:
        sim.close(failed=True)
        raise
    finally:
        sim.close()


def _check_resample(resample: bool, as_of: object) -> None:
    if resample and as_of is None:
        raise UsageError("resampling conditions a run on its record: give the as-of date too")


def _finish(sim: Simulation, precision: float | None, as_of: str | dt.date | None) -> Results:
    """Grow the run to its size (or its precision) and build its (conditioned) Results."""
    if precision is None:
        sim.grow(sim.limit)
    else:
        from .precision import grow_until_precise

        grow_until_precise([sim], precision)
    spill = sim.spill
    results = sim.results()
    if as_of is None:
        return results
    conditioned = results.condition(as_of)
    if spill is not None:  # the temporary folder lives as long as a Results reading it
        weakref.finalize(conditioned, shutil.rmtree, spill, True)
    return conditioned


class Simulation:
    """One run grown chunk by chunk: ``grow(n)`` simulates until the first n replicates are
    done, ``column(name)`` reads an outcome so far, ``results()`` builds the Results."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None,
        workers: int,
        progress: Progress,
        trace: int,
        executor: Executor | None,
        chunk_size: int,
        checkpoint: str | os.PathLike[str] | None,
        replicates: int | None = None,
        precision: float | None = None,
        max_replicates: int = MAX_AUTO_REPLICATES,
        track: tuple[str, ...] = ("ceasefire",),
        as_of: str | dt.date | None = None,
        resample: bool = False,
    ):
        n = scenario.run.replicates if replicates is None else replicates
        seed = scenario.run.seed if seed is None else seed
        _check_sizes(n, seed, workers, chunk_size, trace, precision, max_replicates)
        if as_of is not None:
            as_of = _as_of_date(as_of, scenario)
        self.scenario, self.seed, self.trace = scenario, seed, trace
        self.workers, self.executor, self.chunk_size = workers, executor, chunk_size
        self.limit = n if precision is None else max_replicates
        self.t0 = time.perf_counter()
        self.resampling = (
            Resampling.of(list(scenario.observations), scenario.start, as_of)
            if resample and isinstance(as_of, dt.date)
            else None
        )
        self.specs = compile_scenario(scenario, self.resampling)
        self.track = track
        self.as_of = as_of  # -n auto: the interval that must be narrow is the conditioned one
        self.kept: dict[int, dict[str, Any]] = {}  # tracked columns of each finished chunk
        self.sums: dict[str, Any] = {}
        self.stories: dict[int, list[dict[str, Any]]] = {}
        self.done = 0
        self.plan: list[tuple[int, int, int]] = []
        self.report = _progress_callback(progress)
        self.spill: Path | None = None
        folder = Path(checkpoint) if checkpoint is not None else None
        if folder is None and len(chunks(self.limit, chunk_size)) > MEMORY_CHUNKS:
            folder = self.spill = Path(tempfile.mkdtemp(prefix="sim-run-"))
        size = n if precision is None else f"auto:{precision}:{max_replicates}"
        self.store = _store(folder, scenario, seed, size, chunk_size, trace, self.resampling)

    @property
    def n(self) -> int:
        return sum(size for _, _, size in self.plan)

    def grow(self, n: int, total: int | None = None) -> None:
        """Simulate the chunks needed for the first ``min(n, limit)`` replicates."""
        target = chunks(min(n, self.limit), self.chunk_size)
        new = target[len(self.plan) :]
        if not new:
            return
        self.plan = target
        try:
            _simulate(self, new, total or self.n)
        except BaseException:
            self.close(failed=True)
            raise

    def weights(self) -> np.ndarray | None:
        """Weights of the replicates so far given the observations up to ``as_of`` (None
        without it; zeros while no replicate fits the record yet)."""
        if self.as_of is None:
            return None
        if self.resampling is not None:  # the particle filters' weights
            w = run_weights(self.column("smc.log_weight"))
            return np.zeros(self.n) if w is None else w
        from ..model.history import condition

        obs = self.scenario.observations
        cols = {i: np.asarray(self.column(f"obs.{i}"), dtype=float) for i in range(len(obs))}
        try:
            return condition(list(obs), cols, self.scenario.start, self.as_of, self.n).weights
        except RunError:
            return np.zeros(self.n)

    def groups(self) -> np.ndarray | None:
        """Each replicate's ancestor in a resampled run (None otherwise): intervals count them."""
        return None if self.resampling is None else self.column("smc.eve")

    def column(self, name: str) -> np.ndarray:
        """A tracked outcome column over the replicates simulated so far."""
        return np.concatenate([self.kept[i][name] for i, _, _ in self.plan])

    def results(self) -> Results:
        try:
            columns = self.specs.columns()
            if isinstance(self.store, FolderStore):
                outcomes: Any = self.store.write_parquet(self.plan, columns)
            else:
                outcomes = self.store.columns(list(columns))
            n = self.n
            meta = run_meta(self.scenario, self.seed, n, time.perf_counter() - self.t0)
            meta["diagnostics"] = {
                k: v
                for m in self.specs.mechanisms()
                for k, v in m.diagnostics(self.sums, n).items()
            }
            if self.resampling is not None:
                meta["resampling"] = resampling_meta(self.resampling, self.sums)
            stories = [s for off in sorted(self.stories) for s in self.stories[off]]
            results = Results(outcomes, series_table(self.specs, self.sums, n), meta, stories)
        except BaseException:
            self.close(failed=True)
            raise
        if self.spill is not None:  # the temporary folder lives as long as the Results
            weakref.finalize(results, shutil.rmtree, self.spill, True)
            self.spill = None
        return results

    def close(self, failed: bool = False) -> None:
        close = getattr(self.report, "close", None)
        if close is not None:
            close()
        if failed and self.spill is not None:
            shutil.rmtree(self.spill, ignore_errors=True)
            self.spill = None


def _as_of_date(as_of: str | dt.date, scenario: Scenario) -> dt.date:
    """The as-of date, which must fall within the scenario's window (UsageError otherwise)."""
    try:
        d = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))
    except ValueError:
        raise UsageError(f"as-of date: not a date (got {as_of!r}); use YYYY-MM-DD") from None
    if not scenario.start <= d <= scenario.horizon_date:
        raise UsageError(
            f"as-of date {d.isoformat()} is outside the scenario's window "
            f"{scenario.start.isoformat()} to {scenario.horizon_date.isoformat()}: the record can "
            "only condition a run on what happened between its start and its horizon"
        )
    return d


def _simulate(sim: Simulation, plan: list[tuple[int, int, int]], total: int) -> None:
    """Run the chunks of ``plan`` not already in the store through the studies' one runner
    (studies/chunk_jobs.py); add their sums, stories and tracked columns to ``sim``."""
    from .chunk_jobs import run_chunks

    run_chunks(sim, _job, plan, total)


def _check_sizes(
    n: int,
    seed: int,
    workers: int,
    chunk_size: int,
    trace: int,
    precision: float | None,
    max_replicates: int,
) -> None:
    """UsageError for a count, seed or precision out of its range."""
    for name, v, lo in (
        ("replicates", n, 1),
        ("max_replicates", max_replicates, 1),
        ("workers", workers, 1),
        ("chunk_size", chunk_size, 1),
        ("trace", trace, 0),
    ):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise UsageError(f"{name} must be an integer >= {lo} (got {v!r})")
    if trace > MAX_TRACE:
        raise UsageError(f"trace must be at most {MAX_TRACE:,} replicates (got {trace:,})")
    if max(n, max_replicates if precision is not None else 0) > MAX_REPLICATES:
        raise UsageError(
            f"replicates must be at most {MAX_REPLICATES:,} "
            f"(got {max(n, max_replicates if precision is not None else 0):,})"
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"seed must be an integer >= 0 (got {seed!r})")
    if precision is not None and not 0 < precision < 0.5:
        raise UsageError(f"precision must lie strictly between 0 and 0.5 (got {precision!r})")


def _store(
    folder: Path | None,
    scenario: Scenario,
    seed: int,
    size: int | str,
    chunk_size: int,
    trace: int,
    resampling: Resampling | None = None,
) -> FolderStore | MemoryStore:
    """Where finished chunks go: a checkpoint folder (with the run's identity), or memory."""
    if folder is None:
        return MemoryStore()
    from ..model.scenario.loader import scenario_sha256

    manifest = {
        "version": build(),
        "scenario_sha256": scenario_sha256(scenario),
        "seed": seed,
        "replicates": size,
        "chunk_size": chunk_size,
        "trace": trace,
        "resampling": None  # a resampled run's chunks are not the plain run's
        if resampling is None
        else {
            "as_of": resampling.as_of.isoformat(),
            "threshold": resampling.threshold,
            "plays": resampling.passes,  # how the stretches are replayed changes the chunks
            "replay_below": resampling.replay_below,
        },
    }
    return FolderStore(folder, manifest)


def _progress_callback(progress: Progress) -> Callable[[int, int], None]:
    """(done, total) -> None with close(): the caller's callback, nothing, or a bar (a rich
    bar in a terminal, an HTML bar in a notebook)."""
    from ..io.progress import reporter

    return reporter(progress)
