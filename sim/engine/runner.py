"""The runner: splits replicates into fixed-size chunks, simulates each round by round, gathers Results.

Chunk ``i`` always draws from ``SeedSequence(seed, spawn_key=(i, ...))``, so the same
seed gives the same replicates whatever the number of workers or the executor.
Finished chunks go to a store: memory for small runs, or a checkpoint folder from which
the outcomes are streamed to Parquet (resumable, and memory does not grow with the
replicate count).
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Executor, as_completed
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RunError, UsageError
from ..execution import process_pool, stop_pool
from ..jsonable import jsonable
from ..limits import MAX_REPLICATES, cap_workers
from ..mechanisms import Specs, World, compile_scenario
from ..results import Results
from ..scenario.schema import Scenario
from ..version import __version__
from .store import ChunkOutput, FolderStore, MemoryStore
from .tables import run_meta, series_table
from .world import Tracer

CHUNK_SIZE = 4096  # replicates per chunk: memory stays flat whatever the replicate count
MEMORY_CHUNKS = 64  # without a checkpoint folder, runs of more chunks spill to a temporary one

Progress = bool | Callable[[int, int], None]


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

    def begin(w: World, r: int) -> None:
        for m in w.mechanisms:
            m.begin(w)

    def end(w: World, r: int) -> None:
        for m in w.mechanisms:
            m.end(w)
        for m in w.mechanisms:
            m.accumulate(w, r, sums)

    specs.calendar().run(w, _set_day, begin, end, lambda w: w.war.refresh(w))
    _check_finite(w)
    outcomes = w.outcomes(specs)
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


def _set_day(w: World, day: int) -> None:
    w.day = day


def _check_finite(w: World) -> None:
    for name, arr in (
        ("front line", w.battle.control),
        ("capability", w.sides.capability),
        ("economy", w.sides.economy),
        ("support", w.sides.support),
        ("war value", w.war.war),
        ("value of rejecting a deal", w.war.reject),
    ):
        if not np.all(np.isfinite(arr)):
            raise RunError(
                f"the simulation produced a non-finite {name}; check the scenario's magnitudes "
                "(e.g. a patience of 1 makes the war value infinite)"
            )


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
) -> Results:
    """Run the Monte Carlo simulation of ``scenario`` and return its Results.

    ``workers`` > 1 runs chunks in a local process pool; ``executor`` (any
    concurrent.futures Executor, e.g. a Dask client's) runs them elsewhere. With
    ``checkpoint`` (a folder), every finished chunk is saved as it completes, chunks
    already saved there by an interrupted run of the same job are reused, and the
    outcomes are streamed to ``outcomes.parquet`` in that folder (Results reads them
    lazily). Large runs without a checkpoint spill to a temporary folder the same way.
    """
    n = scenario.run.replicates if replicates is None else replicates
    seed = scenario.run.seed if seed is None else seed
    for name, v, lo in (
        ("replicates", n, 1),
        ("workers", workers, 1),
        ("chunk_size", chunk_size, 1),
        ("trace", trace, 0),
    ):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise UsageError(f"{name} must be an integer >= {lo} (got {v!r})")
    if n > MAX_REPLICATES:
        raise UsageError(f"replicates must be at most {MAX_REPLICATES:,} (got {n:,})")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"seed must be an integer >= 0 (got {seed!r})")
    t0 = time.perf_counter()
    specs = compile_scenario(scenario, seed)
    plan = chunks(n, chunk_size)
    spill: Path | None = None
    folder = Path(checkpoint) if checkpoint is not None else None
    if folder is None and len(plan) > MEMORY_CHUNKS:
        folder = spill = Path(tempfile.mkdtemp(prefix="sim-run-"))
    store: FolderStore | MemoryStore
    if folder is not None:
        from ..scenario.loader import scenario_sha256

        manifest = {
            "version": __version__,
            "scenario_sha256": scenario_sha256(scenario),
            "seed": seed,
            "replicates": n,
            "chunk_size": chunk_size,
            "trace": trace,
        }
        store = FolderStore(folder, manifest)
    else:
        store = MemoryStore()
    try:
        sums, stories = _simulate(specs, seed, plan, trace, store, workers, executor, progress)
        columns = specs.columns()
        if isinstance(store, FolderStore):
            outcomes: Any = store.write_parquet(plan, columns)
        else:
            outcomes = store.columns(list(columns))
        meta = run_meta(scenario, seed, n, time.perf_counter() - t0)
        meta["diagnostics"] = {
            k: v for m in specs.mechanisms() for k, v in m.diagnostics(sums, n).items()
        }
        results = Results(outcomes, series_table(specs, sums, n), meta, stories)
    except BaseException:
        if spill is not None:
            shutil.rmtree(spill, ignore_errors=True)
        raise
    if spill is not None:  # the temporary folder lives as long as the Results reading from it
        weakref.finalize(results, shutil.rmtree, spill, True)
    return results


def _simulate(
    specs: Specs,
    seed: int,
    plan: list[tuple[int, int, int]],
    trace: int,
    store: FolderStore | MemoryStore,
    workers: int,
    executor: Executor | None,
    progress: Progress,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run the chunks not already in ``store``; return the summed per-round sums and the stories."""
    total = sum(size for _, _, size in plan)
    report = _progress_callback(progress, total)
    sums: dict[str, Any] = {}
    stories: dict[int, list[dict[str, Any]]] = {}
    done = 0

    def add(out: ChunkOutput, quiet: bool = False) -> None:
        nonlocal done
        for k, v in out.sums.items():
            sums[k] = v if k not in sums else sums[k] + v
        stories[out.offset] = out.traces
        done += out.n
        if not quiet:
            report(done)

    jobs = {i: (specs, seed, i, size, off, trace) for i, off, size in plan}
    if isinstance(store, FolderStore):
        for c in store.resumed(plan):
            add(c, quiet=True)
            del jobs[c.index]
        if done:
            report(done)  # chunks finished by an interrupted run count as done at once

    def finished(out: ChunkOutput) -> None:
        store.put(out)
        out_sums, out.sums = out.sums, {}
        add(ChunkOutput(out.index, out.offset, out.n, {}, out_sums, out.traces))
        if isinstance(store, FolderStore):
            out.outcomes = {}  # on disk now: do not keep it in memory

    own: Executor | None = None
    if executor is None and cap_workers(workers, len(jobs)) > 1:
        own = executor = process_pool(cap_workers(workers, len(jobs)))
    interrupted = True
    try:
        if executor is None:
            for job in jobs.values():
                finished(_job(job))
        else:
            futures = [executor.submit(_job, job) for job in jobs.values()]
            for f in as_completed(futures):
                finished(f.result())
        interrupted = False
    finally:
        if own is not None:
            stop_pool(own, interrupted)
        close = getattr(report, "close", None)
        if close is not None:
            close()
    return sums, [s for off in sorted(stories) for s in stories[off]]


def _progress_callback(progress: Progress, total: int) -> Callable[[int], None]:
    if callable(progress):
        fn = progress
        return lambda done: fn(done, total)
    if not progress:
        return lambda done: None
    from rich.progress import Progress as Bar

    bar = Bar(transient=True)
    task = bar.add_task("simulating", total=total)
    bar.start()

    class _Report:
        def __call__(self, done: int) -> None:
            bar.update(task, completed=done)

        def close(self) -> None:
            bar.stop()

    return _Report()
