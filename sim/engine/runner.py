"""The runner: splits replicates into fixed-size chunks, simulates each round by round, gathers Results.

Chunk ``i`` always draws from ``SeedSequence(seed, spawn_key=(i, ...))``, so the same
seed gives the same replicates whatever the number of workers or the executor.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .. import __version__
from ..errors import RunError, UsageError
from ..mechanisms import Specs, World, compile_scenario
from ..results import Results, jsonable
from ..scenario.schema import Scenario
from .checkpoint import load_chunks, open_checkpoint, save_chunk
from .world import Tracer

CHUNK_SIZE = 4096  # replicates per chunk: memory stays flat whatever the replicate count

Progress = bool | Callable[[int, int], None]


@dataclass
class ChunkOutput:
    """What one chunk returns: per-replicate outcomes, per-round sums, traces."""

    offset: int
    n: int
    outcomes: dict[str, NDArray[Any]]
    sums: dict[str, NDArray[np.float64]]
    traces: list[list[dict[str, object]]] = field(default_factory=list)


def simulate_chunk(
    specs: Specs, seed: int, chunk: int, n: int, offset: int, trace: int
) -> ChunkOutput:
    """Simulate replicates ``offset .. offset + n`` (chunk number ``chunk``) from day 0 to the horizon."""
    lay = specs.layout
    tracer = Tracer(max(0, min(trace - offset, n)), lay)
    w = World(specs, n, seed, chunk, tracer)
    rounds = lay.rounds
    sums = {k: np.zeros(shape) for m in specs.mechanisms() for k, shape in m.sums(rounds).items()}

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
    return ChunkOutput(offset, n, w.outcomes(specs), sums, tracer.logs)


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


# ----------------------------------------------------------------------------- run


def _chunks(replicates: int, chunk_size: int) -> list[tuple[int, int, int]]:
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
    ``checkpoint`` (a folder), every finished chunk is saved as it completes and
    chunks already saved there by an interrupted run of the same job are reused.
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
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"seed must be an integer >= 0 (got {seed!r})")
    t0 = time.perf_counter()
    compiled = compile_scenario(scenario, seed)
    jobs = {i: (compiled, seed, i, size, off, trace) for i, off, size in _chunks(n, chunk_size)}
    report = _progress_callback(progress, n)
    outputs: list[ChunkOutput] = []
    folder = Path(checkpoint) if checkpoint is not None else None
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
        open_checkpoint(folder, manifest)
        for i, fields in load_chunks(folder, list(jobs)).items():
            outputs.append(ChunkOutput(**fields))
            del jobs[i]
        if outputs:
            report(sum(o.n for o in outputs))

    def finished(i: int, out: ChunkOutput) -> None:
        if folder is not None:
            save_chunk(folder, i, out)
        outputs.append(out)
        report(sum(o.n for o in outputs))

    own: Executor | None = None
    if executor is None and workers > 1 and len(jobs) > 1:
        import multiprocessing as mp

        own = executor = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"))
    try:
        if executor is None:
            for i, job in jobs.items():
                finished(i, _job(job))
        else:
            futures = {executor.submit(_job, job): i for i, job in jobs.items()}
            for f in as_completed(futures):
                finished(futures[f], f.result())
    finally:
        if own is not None:
            own.shutdown(wait=True, cancel_futures=True)
        close = getattr(report, "close", None)
        if close is not None:
            close()
    return assemble(scenario, compiled, outputs, seed, time.perf_counter() - t0)


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


# ----------------------------------------------------------------------------- tables


def assemble(
    scenario: Scenario, specs: Specs, outputs: list[ChunkOutput], seed: int, wall: float
) -> Results:
    """Stack chunk outputs into the outcomes and series tables, with provenance."""
    s = scenario
    outputs = sorted(outputs, key=lambda o: o.offset)
    n = sum(o.n for o in outputs)
    cols: dict[str, Any] = {"replicate": np.arange(n)}
    for key in specs.columns():  # the chunks' copies are released column by column
        cols[key] = np.concatenate([o.outcomes.pop(key) for o in outputs])
    outcomes = pd.DataFrame(cols, copy=False)  # columns as they are: no second copy

    sums = {k: np.sum([o.sums[k] for o in outputs], axis=0) for k in outputs[0].sums}
    lay = specs.layout
    rounds = lay.rounds
    # Each row holds the state at the end of its round: date it by the round's last day.
    days = np.minimum((np.arange(rounds) + 1) * lay.round_days, lay.horizon_days) - 1
    series: dict[str, Any] = {"day": days, "date": [lay.date(int(d)) for d in days]}
    for m in specs.mechanisms():
        series.update(m.series(sums, n))
    order = ["day", "date", "p_agreed", "p_in_force", "p_truce"]
    series_df = pd.DataFrame({k: series[k] for k in order + [k for k in series if k not in order]})
    series_df["date"] = pd.to_datetime(series_df["date"])

    traces = []
    for o in outputs:
        for i, log in enumerate(o.traces):
            rep = o.offset + i
            row = outcomes.iloc[rep]
            traces.append({"replicate": rep, "events": log, "outcome": _trace_outcome(row)})
    return Results(
        outcomes=outcomes, series=series_df, meta=run_meta(s, seed, n, wall), traces=traces
    )


def run_meta(s: Scenario, seed: int, n: int, wall: float) -> dict[str, Any]:
    """Provenance and scenario facts for a run's meta.json."""
    from ..scenario.loader import dump_yaml, scenario_sha256

    return {
        "scenario": s.name,
        "description": s.description,
        "sources": list(s.sources),
        "version": __version__,
        "seed": seed,
        "replicates": n,
        "scenario_sha256": scenario_sha256(s),
        "start": s.start.isoformat(),
        "horizon": s.horizon_date.isoformat(),
        "horizon_days": s.horizon_days,
        "round_days": s.round_days,
        "issues": {
            k: {
                "description": i.description,
                "unit": i.unit,
                "range": list(i.range),
                "ends": [i.label(0), i.label(1)],
            }
            for k, i in s.issues.items()
        },
        "front_line_issue": s.front_line_issue(),
        "actors": {
            k: {
                "role": a.role,
                "name": a.name or k,
                **({"side": a.side} if a.role == "belligerent" else {}),
            }
            for k, a in s.actors.items()
        },
        "threats": [t.name for m in s.mediators().values() for t in m.threats],
        "wall_seconds": round(wall, 3),
        "scenario_yaml": dump_yaml(s),
        "created_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _trace_outcome(row: pd.Series) -> dict[str, Any]:
    """A traced replicate's outcome row as plain JSON values (sampled parameters left out)."""
    out: dict[str, Any] = jsonable({k: row[k] for k in row.index if not k.startswith("param.")})
    return out
