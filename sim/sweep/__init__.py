"""Parameter sweeps: run a scenario at every point of a design, saving each point as it finishes.

A sweep varies numeric scenario paths over a design (``design``), runs every point with the
same seed (common random numbers, unless ``independent``) and commits each finished point
to ``points/<i>.json`` as it completes; ``manifest.json`` (written once, first) fixes
the scenario hash, seed, replicates and the points, so ``resume`` runs only the
missing points and rebuilds the same ``sweep.parquet`` (``manifest``, ``table``).
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import atomic_write_json, atomic_write_parquet
from ..errors import RunError, ScenarioError, SimError, UsageError
from ..estimate import check_fits, rounds_of, study_estimate
from ..execution import SchedulerUnreachable as SchedulerUnreachable
from ..execution import dask_client as dask_client
from ..execution import map_unordered
from ..folders import check_writable, write_marker
from ..jsonable import jsonable
from ..labels import Vocabulary
from ..limits import MAX_REPLICATES
from ..outputs import check_out_folder
from ..points import check_numeric_path, run_point, scenario_at
from ..points import point_stats as point_stats
from ..stats import fast_median as fast_median
from ..version import __version__
from .design import DESIGNS, Vary, design_points, parse_vary
from .manifest import MANIFEST as MANIFEST
from .manifest import ResumeMismatch as ResumeMismatch
from .manifest import (
    check_resume,
    check_same_sweep,
    finished_points,
    prior_manifest,
    save_point,
)
from .table import SweepResults, build_table, save_sweep_figure
from .table import load_sweep as load_sweep
from .table import plot_sweep as plot_sweep

__all__ = [
    "DESIGNS",
    "SweepResults",
    "Vary",
    "design_points",
    "parse_vary",
    "scenario_at",
    "sweep",
]


def point_seed(seed: int, i: int, independent: bool) -> int:
    """The seed of point ``i``: the sweep's seed (common random numbers) or a distinct one."""
    if not independent:
        return seed
    return int(np.random.SeedSequence(seed, spawn_key=(0x1D, i)).generate_state(1, np.uint32)[0])


def sweep(
    scenario_path: str | os.PathLike[str] | None,
    vary: Sequence[str | Vary] = (),
    design: str = "grid",
    samples: int | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    out: str | os.PathLike[str] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    resume: str | os.PathLike[str] | None = None,
    independent: bool = False,
    overrides: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    figures: bool = True,
    precision: float | None = None,
    max_replicates: int | None = None,
    allow_large: bool = False,
) -> SweepResults:
    """Run ``scenario_path`` at every point of a design over ``vary``; see the module docstring.

    With ``resume`` (a folder of an earlier sweep) the varied paths, design and
    replicates default to the manifest's, and only the points without a
    ``points/<i>.json`` are run. ``out`` defaults to results/<scenario>-sweep-<time>/.
    With ``precision`` (``-n auto``) each point grows until the 95% half-width of its
    P(ceasefire) is at most ``precision`` (or ``max_replicates``); ``replicates`` is ignored.
    A sweep beyond this machine's free memory is refused unless ``allow_large``.
    """
    from ..scenario.loader import load_tree, scenario_sha256, validate_loaded

    if scenario_path is None:  # resume from the manifest alone
        if resume is None:
            raise UsageError("sweep needs a scenario file (or --resume DIR)")
        prior = prior_manifest(Path(resume))
        scenario_path = prior["scenario_file"]
        overrides = prior.get("overrides") if overrides is None else overrides
        seed = prior.get("seed") if seed is None else seed
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise UsageError(f"workers must be an integer >= 1 (got {workers!r})")
    tree, marks = load_tree(scenario_path, list(overrides or []))
    base = validate_loaded(copy.deepcopy(tree), copy.deepcopy(marks))
    sha = scenario_sha256(base)
    seed = base.run.seed if seed is None else seed
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"seed must be an integer >= 0 (got {seed!r})")

    old: dict[str, Any] | None = None
    if resume is not None:
        folder = Path(resume)
        old = prior_manifest(folder)
        check_resume(old, folder, sha, seed)
        if not vary:
            vary = [Vary.from_json(v) for v in old["vary"]]
            design, samples = old["design"], old.get("samples")
            independent = bool(old["independent"])
            replicates = old["replicates"] if replicates is None else replicates
            precision = old.get("precision") if precision is None else precision
            max_replicates = old.get("max_replicates") if max_replicates is None else max_replicates
    specs = [parse_vary(v) for v in vary]
    if precision is not None:
        from ..engine.runner import MAX_AUTO_REPLICATES

        replicates = "auto"  # type: ignore[assignment]
        max_replicates = max_replicates or MAX_AUTO_REPLICATES
        if not 0 < precision < 0.5:
            raise UsageError(f"precision must lie strictly between 0 and 0.5 (got {precision!r})")
    n = base.run.replicates if replicates is None else replicates
    if precision is None and (
        isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_REPLICATES
    ):
        raise UsageError(f"replicates must be an integer in 1..{MAX_REPLICATES:,} (got {n!r})")
    for v in specs:
        check_numeric_path(tree, v.path)
    points = design_points(specs, design, samples, seed)
    size = n if precision is None else int(max_replicates or n)  # -n auto: each point's cap
    est = study_estimate(len(points), size, rounds_of(base), 1 if scheduler else workers)
    check_fits(est, None, allow_large)

    # Validate every point before running anything: a bad path or value fails fast.
    scenarios = []
    for p in points:
        try:
            scenarios.append(scenario_at(tree, marks, p))
        except ScenarioError as e:
            first = e.problems[0]
            vals = ", ".join(f"{k}={v:g}" for k, v in p.items())
            raise ScenarioError(
                [
                    type(first)(
                        f"{first.message} (at sweep point {vals})",
                        first.file,
                        first.line,
                        first.column,
                        first.path,
                    )
                ]
            ) from None
    manifest = {
        "kind": "sim-sweep",
        "scenario": base.name,
        "scenario_file": os.path.abspath(scenario_path),
        "description": base.description,
        "version": __version__,
        "overrides": list(overrides or []),
        "scenario_sha256": sha,
        "seed": seed,
        "replicates": n,
        "precision": precision,
        "max_replicates": max_replicates,
        "independent": bool(independent),
        "design": design,
        "samples": samples,
        "vary": [v.to_json() for v in specs],
        "points": points,
        "labels": {v.path: Vocabulary.from_scenario(base).axis_label(v.path) for v in specs},
    }
    manifest = jsonable(manifest)
    stack = contextlib.ExitStack()
    client = stack.enter_context(dask_client(scheduler, workers)) if scheduler else None
    with stack:
        return _sweep_run(
            manifest,
            old,
            resume,
            out,
            base.name,
            scenarios,
            seed,
            n,
            independent,
            workers,
            client,
            progress,
            figures,
        )


def _sweep_run(
    manifest: dict[str, Any],
    old: dict[str, Any] | None,
    resume: Any,
    out: Any,
    name: str,
    scenarios: list[Any],
    seed: int,
    n: int,
    independent: bool,
    workers: int,
    client: Any,
    progress: Callable[[int, int], None] | None,
    figures: bool,
) -> SweepResults:
    from ..folders import default_folder

    points = manifest["points"]
    if old is not None:
        check_same_sweep(old, manifest, resume)
        folder = Path(str(resume))
        check_writable(folder)
    else:
        folder = Path(out) if out is not None else default_folder(name, kind="sweep")
        hint = f" (continue it with --resume {folder})" if (folder / MANIFEST).is_file() else ""
        check_out_folder(folder, hint=hint)
        check_writable(folder)
        atomic_write_json(folder / MANIFEST, manifest)
        write_marker(folder, "sweep")
    done = finished_points(folder, points)
    precision, cap = manifest.get("precision"), manifest.get("max_replicates")
    jobs = {
        i: (scenarios[i], n, point_seed(seed, i, independent), precision, cap)
        for i in range(len(points))
        if i not in done
    }
    total = len(points)
    try:
        for i, st in map_unordered(run_point, jobs, workers, client):
            save_point(folder, i, manifest["points"][i], st)
            done[i] = st
            if progress is not None:
                progress(len(done), total)
    except SimError:
        raise
    except (OSError, TimeoutError) as e:
        raise RunError(
            f"sweep interrupted ({type(e).__name__}: {e}); "
            f"finished points are kept, continue with --resume {folder}"
        ) from None

    stats = [done[i] for i in range(total)]
    table = build_table(manifest["points"], stats)
    atomic_write_parquet(folder / "sweep.parquet", table)
    res = SweepResults(table=table, manifest=manifest, points=stats, folder=folder)
    if figures:
        save_sweep_figure(res, folder / "figures")
    return res
