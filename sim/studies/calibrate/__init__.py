"""Calibration: structural numbers shared across conflicts, fitted on the history library by the hindcast log score, with leave-one-case-out scores.

A design (a grid, or a Latin hypercube) over ``--param`` paths gives the points; every point
is applied to every case as ``--set`` overrides, and every (point, case) is run and scored
exactly as ``sim hindcast`` does (conditioned on the record at the snapshot; Brier, log,
CRPS, coverage), on common random numbers: the same seed at every point. The fit is the
point with the lowest log score summed over the cases; leave-one-case-out (LOO) scores each
case at the point fitted on the other cases. Each finished (point, case) is committed to the
folder as it completes, so ``resume`` runs only what is missing (``folder``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import RunError, SimError, UsageError
from ..hindcast import BASE_MEDIAN_DAYS
from ..snapshot import FEW_FUTURES, MAX_GROWTH
from ..sweep.design import Vary
from .design import (
    Case,
    check_fixed,
    check_points,
    load_cases,
    param_labels,
    plan_points,
    point_overrides,
)
from .folder import (
    cell_jobs,
    check_new_folder,
    check_same,
    finished_cells,
    prior_manifest,
    save_cell,
    start_folder,
)
from .results import CalibrationResults
from .same import same_runs

__all__ = ["CalibrationResults", "Plan", "calibrate", "run_cell"]

DEFAULT_REPLICATES = 1000
DEFAULT_SEED = 1


@dataclass(frozen=True)
class Plan:
    """What a calibration will run, known before anything runs: ``todo`` of ``total`` case
    runs (the rest are in the folder already), of which ``same`` are the same run as another
    (a case that does not use the values that differ: run once), the replicates x rounds of
    those run, and the case file and overrides of the first one to run (to time a pilot run)."""

    points: int
    cases: int
    total: int
    todo: int
    replicates: int
    replicate_rounds: int
    first: tuple[str, list[str]] | None
    folder: Path | None
    same: int = 0  # of ``todo``, case runs that are another point's run (run once, not counted)


# how a cell meets its case's record at the snapshot, as hindcast does (sim/studies/snapshot.py)
CONDITIONING = f"resample-move, grown to {FEW_FUTURES} effective futures (at most {MAX_GROWTH}x)"


def run_cell(job: tuple[str, list[str], int, int, float]) -> dict[str, Any]:
    """One case at one point, run and scored as ``sim hindcast`` runs and scores a case (the
    same functions, conditioned on the record at the snapshot by resample-move and grown
    where that record leaves few futures), without its
    sample stories (traces do not change the outcomes); its hindcast row."""
    from ...io.jsonable import jsonable
    from ...model.scenario.loader import load_scenario
    from ..hindcast import score_case
    from ..snapshot import snapshot_run

    file, overrides, replicates, seed, median = job
    s = load_scenario(file, overrides)
    results = snapshot_run(s, replicates, seed, 1, 0)
    return jsonable({**score_case(s, results, median), "file": file})  # type: ignore[no-any-return]


def calibrate(
    cases: Sequence[str | os.PathLike[str]] = (),
    params: Sequence[str | Vary] = (),
    replicates: int | None = None,
    seed: int | None = None,
    design: str = "grid",
    samples: int | None = None,
    workers: int = 1,
    out: str | os.PathLike[str] | None = None,
    resume: str | os.PathLike[str] | None = None,
    force: bool = False,
    median_days: float = BASE_MEDIAN_DAYS,
    progress: bool | Callable[[int, int], None] = False,
    plan: Callable[[Plan], None] | None = None,
    report: bool = True,
    allow_large: bool = False,
    fixed: Sequence[str] = (),
    scheduler: str | None = None,
) -> CalibrationResults:
    """Fit ``params`` ("PATH=LO:HI[:K]" or "PATH=v1,v2,...") on the hindcast ``cases``.

    ``design`` is "grid" (K values per param, default 5) or "lhs" (``samples`` points). Every
    (point, case) is run with ``replicates`` (default 1000) on ``seed`` (default 1). With
    ``out`` each finished run is checkpointed there and the folder written at the end (an
    existing folder only with ``force``, and only sim's); ``resume`` continues such a folder
    (its cases, params, size and seed by default). Without either nothing is written until
    ``.save(folder)``. ``plan(Plan)`` is called once everything has been checked, before the
    first run; ``progress`` is True for a bar or a callback (done, total) in case runs.
    ``fixed`` ("PATH=VALUE", as --set) applies to every case at every point, before the
    point's values, and heads the calibration file's ``set:`` (a fit on top of another).
    ``scheduler`` (an address, or "local") runs the case runs on Dask instead of ``workers``
    local processes; the results are the same.
    """
    old = prior_manifest(resume) if resume is not None else None
    if old is not None:
        cases = cases or [c["file"] for c in old["cases"]]
        if not params:
            params = [Vary.from_json(p) for p in old["params"]]
            design, samples = old["design"], old.get("samples")
        replicates = old["replicates"] if replicates is None else replicates
        seed = old["seed"] if seed is None else seed
        median_days = float(old.get("median_days", median_days))
        fixed = fixed or list(old.get("fixed") or [])
    n = DEFAULT_REPLICATES if replicates is None else replicates
    seed = DEFAULT_SEED if seed is None else seed
    _check_numbers(n, seed, workers)
    folder = _folder(out, resume, force)
    specs, points = plan_points(params, design, samples, seed)
    check_fixed(fixed, specs)
    loaded = load_cases(cases)
    identity = check_points(loaded, specs, points, fixed)
    manifest = _manifest(loaded, specs, design, samples, points, n, seed, median_days)
    if fixed:
        manifest["fixed"] = [str(x) for x in fixed]  # plain text (a calibration file's carry where)
    if old is not None:
        check_same(old, manifest, resume)
    _check_size(loaded, len(points), n, 1 if scheduler else workers, folder, allow_large)
    if folder is not None and old is None:
        start_folder(folder, manifest, force)
    return _run(manifest, loaded, folder, (workers, scheduler), progress, plan, report, identity)


def _folder(out: Any, resume: Any, force: bool) -> Path | None:
    """Where the calibration writes, checked before any work (nothing is written yet)."""
    folder = Path(resume) if resume is not None else (Path(out) if out is not None else None)
    if resume is None and folder is not None:
        check_new_folder(folder, force)
    elif folder is not None:
        from ...io.folders import check_writable

        check_writable(folder, "--resume")
    return folder


def _check_numbers(n: Any, seed: Any, workers: Any) -> None:
    from ...io.limits import MAX_REPLICATES

    for what, v, lo, hi in (
        ("replicates", n, 1, MAX_REPLICATES),
        ("seed", seed, 0, 2**63 - 1),
        ("workers", workers, 1, 10**6),
    ):
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise UsageError(f"{what} must be a whole number in {lo}..{hi:,} (got {v!r})")


def _manifest(
    cases: list[Case],
    specs: list[Vary],
    design: str,
    samples: int | None,
    points: list[dict[str, float]],
    n: int,
    seed: int,
    median_days: float,
) -> dict[str, Any]:
    from ...io.jsonable import jsonable
    from ...version import build
    from .folder import KIND

    return jsonable(  # type: ignore[no-any-return]
        {
            "kind": KIND,
            "version": build(),
            "cases": [c.to_json() for c in cases],
            "params": [v.to_json() for v in specs],
            "design": design,
            "samples": samples if design != "grid" else None,
            "points": points,
            "replicates": n,
            "seed": seed,
            "median_days": median_days,
            "conditioning": CONDITIONING,
            "labels": param_labels(cases[0].file, [v.path for v in specs]),
        }
    )


def _check_size(
    cases: list[Case], points: int, n: int, workers: int, folder: Path | None, allow: bool
) -> None:
    """Refuse a calibration beyond this machine's memory or disk before anything runs."""
    from ...io.estimate import check_fits, study_estimate

    est = study_estimate(points * len(cases), n, max(c.rounds for c in cases), workers)
    check_fits(est, folder, allow)


def _run(
    manifest: dict[str, Any],
    cases: list[Case],
    folder: Path | None,
    where: tuple[int, str | None],
    progress: bool | Callable[[int, int], None],
    plan: Callable[[Plan], None] | None,
    report: bool,
    identity: list[list[str]],
) -> CalibrationResults:
    from ...io.progress import reporter
    from ..cells import run_jobs

    points, n_c = manifest["points"], len(cases)
    done = finished_cells(folder, manifest) if folder is not None else {}
    n, seed, median = manifest["replicates"], manifest["seed"], manifest["median_days"]
    todo = [i * n_c + j for i in range(len(points)) for j in range(n_c) if (i, j) not in done]

    def save(cell: tuple[int, int], row: dict[str, Any]) -> None:
        assert folder is not None
        save_cell(folder, cell[0], points[cell[0]], manifest["cases"][cell[1]], row)

    copies = same_runs(todo, n_c, identity, done, None if folder is None else save)
    fixed = manifest.get("fixed") or ()
    jobs = {
        k: (cases[k % n_c].file, point_overrides(points[k // n_c], fixed), n, seed, median)
        for k in todo
        if k not in copies.of and divmod(k, n_c) not in copies.settled
    }
    total = len(points) * n_c - len(copies.of)  # the case runs; a run shared counts once
    if plan is not None:
        job = next(iter(jobs.values()), None)
        first = None if job is None else (job[0], job[1])
        work = sum(n * cases[k % n_c].rounds for k in jobs)
        same = len(copies.of) + len(copies.settled)
        plan(Plan(len(points), n_c, len(points) * n_c, len(todo), n, work, first, folder, same))
    bar = reporter(progress, "case runs")
    done.update(copies.settled)
    before = len(done)
    try:
        bar(before, total)
        cells = [*jobs, *copies.of]  # the cells of the jobs run and of those run with them
        kept = None if folder is None else copies.kept(cell_jobs(folder, manifest, cells))
        workers, scheduler = where  # local processes, or a Dask scheduler
        got = run_jobs(
            run_cell, jobs, workers, lambda d, _: bar(before + d, total), kept, scheduler
        )
        done.update({divmod(k, n_c): row for k, row in copies.spread(got).items()})
    except SimError:
        raise
    except (OSError, TimeoutError) as e:
        hint = f"; finished case runs are kept, continue with --resume {folder}" if folder else ""
        raise RunError(f"calibration interrupted ({type(e).__name__}: {e}){hint}") from None
    finally:
        bar.close()
    res = CalibrationResults(manifest, done, folder, len(jobs))
    if folder is not None:
        res.save(folder, report=report)
    return res
