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
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..bargaining.agents import update_war_values
from ..bargaining.session import Table
from ..dynamics import battlefield, domestic, durability, learning, mediation, sanctions, shocks
from ..errors import RunError, UsageError
from ..results import Results, jsonable
from ..scenario.schema import Scenario
from ..version import __version__
from .calendar import build_agenda
from .checkpoint import load_chunks, open_checkpoint, save_chunk
from .context import Ctx, Tracer
from .model import Compiled, chunk_params, compile_scenario
from .state import State, initial_state

CHUNK_SIZE = 4096  # replicates per chunk: memory stays flat whatever the replicate count
CONTROL_BINS = 2000  # histogram bins for front-line percentiles (resolution 0.05% of the range)

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
    c: Compiled, seed: int, chunk: int, n: int, offset: int, trace: int
) -> ChunkOutput:
    """Simulate replicates ``offset .. offset + n`` (chunk number ``chunk``) from day 0 to the horizon."""
    s = c.scenario
    p = chunk_params(c, n, seed, chunk)
    tracer = Tracer(max(0, min(trace - offset, n)), c)
    ctx = Ctx(c, p, seed, chunk, tracer)
    st = initial_state(c, p)
    table = Table(ctx)
    rounds, agenda = build_agenda(s)
    rd = s.round_days
    sums = {
        "agreed": np.zeros(rounds),
        "in_force": np.zeros(rounds),
        "truce": np.zeros(rounds),
        "control": np.zeros(rounds),
        "control_hist": np.zeros((rounds, CONTROL_BINS)),
        "support": np.zeros((2, rounds)),
    }
    talks_started = False
    battlefield.win_probability(ctx, st)
    for r in range(rounds):
        st.day = r * rd
        shocks.random_events(ctx, st)
        battlefield.step(ctx, st)
        sanctions.step(ctx, st)
        domestic.step(ctx, st)
        learning.step(ctx, st)
        update_war_values(ctx, st, table.sides)
        for it in agenda[r]:  # dated items and sessions, in day order within the round
            st.day = it.day
            if it.kind == "proposal":
                table.scheduled(st, it.day, it.index)
            elif it.kind == "negotiate":
                table.session(st, it.day)
            else:
                if it.kind == "talks_open":
                    st.talks[:] = True
                    talks_started = True
                    tracer.log(it.day, "talks", None, "talks open")
                elif it.kind == "event":
                    shocks.dated_event(ctx, st, it.index)
                elif it.kind == "sanctions_step":
                    sanctions.scheduled_step(ctx, st, it.index)
                elif it.kind == "election":
                    domestic.election(ctx, st, it.extra, it.index)
                elif it.kind == "deadline":
                    mediation.deadline(ctx, st, it.extra, it.index)
                update_war_values(ctx, st, table.sides)  # the item may have changed W
        st.day = r * rd
        mediation.fire_due(ctx, st)  # threats whose delay ends within this round
        durability.step(ctx, st)
        u = ctx.uniforms("reopen", st.day)
        if talks_started:
            back = ~st.talks & ~st.in_force & (u < p.reopen)
            if back.any():
                st.talks[back] = True
                tracer.log(st.day, "reopen", back, "talks reopen")
        _accumulate(sums, r, st, rd)
    _check_finite(st)
    return ChunkOutput(offset, n, _outcomes(c, p, st), sums, tracer.logs)


def _accumulate(sums: dict[str, NDArray[np.float64]], r: int, st: State, round_days: int) -> None:
    """Add the state at the end of round ``r`` (its last day) to the per-round sums."""
    end = st.day + round_days - 1
    sums["agreed"][r] = st.agreed.sum()
    sums["in_force"][r] = st.in_force.sum()
    sums["truce"][r] = (~st.in_force & (st.truce_until > end)).sum()
    sums["control"][r] = st.control.sum()
    idx = np.minimum((st.control * CONTROL_BINS).astype(np.int64), CONTROL_BINS - 1)
    sums["control_hist"][r] = np.bincount(idx, minlength=CONTROL_BINS)
    sums["support"][:, r] = st.support.sum(axis=1)


def _check_finite(st: State) -> None:
    for name in ("control", "capability", "economy", "support", "war", "reject"):
        arr = getattr(st, name)
        if not np.all(np.isfinite(arr)):
            raise RunError(
                f"the simulation produced a non-finite {name}; check the scenario's magnitudes "
                "(e.g. a patience of 1 makes the war value infinite)"
            )


def _outcomes(c: Compiled, p: Any, st: State) -> dict[str, NDArray[Any]]:
    out: dict[str, NDArray[Any]] = {
        "truce_day": st.truce_day,
        "ceasefire": st.agreed,
        "ceasefire_day": st.ceasefire_day,
        "terms": c.unscale(st.terms),
        "breakdown_day": st.breakdown_day,
        "in_force_at_horizon": st.in_force,
        "obstructed_by": _obstructer(st),
        "threats_fired": st.threats_fired,
        "mediator_engaged": (
            np.any(np.stack(list(st.engaged.values())), axis=0)
            if st.engaged
            else np.zeros(st.n, dtype=bool)
        ),
        "final_control": (
            c.lo[c.front] + st.control * c.span[c.front]
            if c.front is not None
            else np.full(st.n, np.nan)
        ),
        "final_support": st.support,
        "stalling": p.stall_type,
    }
    for key, fired in st.threat_fired.items():
        out[f"fired.{key[0]}.{key[1]}"] = fired
    for path, v in p.sampled.values.items():
        out[f"param.{path}"] = v
    return out


def _obstructer(st: State) -> NDArray[np.int64]:
    """The side that obstructed most often (ties: the latest obstructer); -1 if none."""
    a, b = st.obstructions
    code = np.where(a > b, 0, np.where(b > a, 1, st.last_obstructer))
    return np.asarray(np.where((a + b) > 0, code, -1))


# ----------------------------------------------------------------------------- run


def _chunks(replicates: int, chunk_size: int) -> list[tuple[int, int, int]]:
    """(chunk index, offset, size) covering the replicates."""
    n_chunks = math.ceil(replicates / chunk_size)
    return [
        (i, i * chunk_size, min(chunk_size, replicates - i * chunk_size)) for i in range(n_chunks)
    ]


def _job(args: tuple[Compiled, int, int, int, int, int]) -> ChunkOutput:
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
        from ..execution import process_pool

        own = executor = process_pool(workers)
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
    return assemble(compiled, outputs, seed, time.perf_counter() - t0)


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


def assemble(c: Compiled, outputs: list[ChunkOutput], seed: int, wall: float) -> Results:
    """Stack chunk outputs into the outcomes and series tables, with provenance."""
    from ..scenario.loader import dump_yaml, scenario_sha256

    s = c.scenario
    outputs = sorted(outputs, key=lambda o: o.offset)
    n = sum(o.n for o in outputs)

    def cat(key: str) -> NDArray[Any]:
        """One outcome over all chunks; the chunks' copies are released as we go."""
        axis = -1 if outputs[0].outcomes[key].ndim == 2 and key != "terms" else 0
        return np.concatenate([o.outcomes.pop(key) for o in outputs], axis=axis)

    sides = c.side_ids
    cols: dict[str, Any] = {"replicate": np.arange(n)}
    cols["truce_day"] = cat("truce_day")
    cols["ceasefire"] = cat("ceasefire")
    cols["ceasefire_day"] = cat("ceasefire_day")
    terms = cat("terms")
    for i, k in enumerate(c.issues):
        cols[f"terms.{k}"] = terms[:, i]
    cols["breakdown_day"] = cat("breakdown_day")
    cols["in_force_at_horizon"] = cat("in_force_at_horizon")
    code = cat("obstructed_by")
    names = np.array(["", sides[0], sides[1]], dtype=object)
    cols["obstructed_by"] = names[code + 1]
    cols["threats_fired"] = cat("threats_fired")
    cols["mediator_engaged"] = cat("mediator_engaged")
    cols["final_control"] = cat("final_control")
    support = cat("final_support")
    stalling = cat("stalling")
    for j, a in enumerate(sides):
        cols[f"final_support.{a}"] = support[j]
    for j, a in enumerate(sides):
        cols[f"stalling.{a}"] = stalling[j]
    for mid, m in s.mediators().items():
        for ti, t in enumerate(m.threats):
            cols[f"fired.{t.name}"] = cat(f"fired.{mid}.{ti}")
    for key in [k for k in outputs[0].outcomes if k.startswith("param.")]:
        cols[key] = cat(key)
    outcomes = pd.DataFrame(cols, copy=False)  # columns as they are: no second copy

    sums = {k: np.sum([o.sums[k] for o in outputs], axis=0) for k in outputs[0].sums}
    rounds = len(sums["agreed"])
    # Each row holds the state at the end of its round: date it by the round's last day.
    days = np.minimum((np.arange(rounds) + 1) * s.round_days, s.horizon_days) - 1
    series: dict[str, Any] = {
        "day": days,
        "date": [s.start + dt.timedelta(days=int(d)) for d in days],
        "p_agreed": sums["agreed"] / n,
        "p_in_force": sums["in_force"] / n,
        "p_truce": sums["truce"] / n,
    }
    lo = c.lo[c.front] if c.front is not None else np.nan
    span = c.span[c.front] if c.front is not None else np.nan
    series["control_mean"] = lo + span * sums["control"] / n
    for q, name in ((0.1, "control_p10"), (0.5, "control_p50"), (0.9, "control_p90")):
        series[name] = lo + span * _hist_quantile(sums["control_hist"], q)
    for j, a in enumerate(sides):
        series[f"support_mean.{a}"] = sums["support"][j] / n
    series_df = pd.DataFrame(series)
    series_df["date"] = pd.to_datetime(series_df["date"])

    traces = []
    for o in outputs:
        for i, log in enumerate(o.traces):
            rep = o.offset + i
            row = outcomes.iloc[rep]
            traces.append({"replicate": rep, "events": log, "outcome": _trace_outcome(row)})
    meta = {
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
    return Results(outcomes=outcomes, series=series_df, meta=meta, traces=traces)


def _hist_quantile(hist: NDArray[np.float64], q: float) -> NDArray[np.float64]:
    """Per-round quantile (scaled 0..1) from binned counts, linear within the bin."""
    cum = np.cumsum(hist, axis=1)
    total = cum[:, -1:]
    target = q * total
    idx = np.argmax(cum >= target, axis=1)
    prev = np.where(idx > 0, cum[np.arange(len(idx)), idx - 1], 0.0)
    inbin = hist[np.arange(len(idx)), idx]
    frac = np.where(inbin > 0, (target[:, 0] - prev) / np.where(inbin > 0, inbin, 1), 0.0)
    return np.asarray((idx + frac) / hist.shape[1])


def _trace_outcome(row: pd.Series) -> dict[str, Any]:
    """A traced replicate's outcome row as plain JSON values (sampled parameters left out)."""
    out: dict[str, Any] = jsonable({k: row[k] for k in row.index if not k.startswith("param.")})
    return out
