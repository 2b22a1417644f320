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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from ...errors import RunError, ScenarioError, SimError, UsageError
from ...io.atomic import atomic_write_json, atomic_write_parquet
from ...io.estimate import check_fits, rounds_of, study_estimate
from ...io.execution import SchedulerUnreachable as SchedulerUnreachable
from ...io.execution import dask_client as dask_client
from ...io.folders import check_writable, write_marker
from ...io.jsonable import jsonable
from ...io.limits import MAX_REPLICATES
from ...output.labels import Vocabulary
from ...output.stats import fast_median as fast_median
from ...output.sweep_manifest import MANIFEST as MANIFEST
from ...output.sweep_manifest import (
    POINTS_DIR,
    PointStore,
    check_resume,
    check_same_sweep,
    prior_manifest,
)
from ...output.sweep_manifest import ResumeMismatch as ResumeMismatch
from ...output.sweep_table import SweepResults, build_table, save_sweep_figure
from ...output.sweep_table import load_sweep as load_sweep
from ...output.sweep_table import plot_sweep as plot_sweep
from ...version import build
from ..outputs import check_out_folder
from ..points import Point, check_numeric_path, run_point, scenario_at
from ..points import point_stats as point_stats
from .design import DESIGNS, Vary, design_points, parse_vary

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


@dataclass(frozen=True)
class _Design:
    """A sweep's design and size as asked for (a resumed sweep's manifest fills in the rest)."""

    vary: Sequence[str | Vary]
    design: str
    samples: int | None
    replicates: int | str | None  # "auto" once a precision is set
    independent: bool
    precision: float | None
    max_replicates: int | None

    def resumed(self, old: dict[str, Any]) -> _Design:
        """With no ``vary``: the design of the manifest ``old`` (sizes given here still win)."""
        if self.vary:
            return self
        return _Design(
            vary=[Vary.from_json(v) for v in old["vary"]],
            design=old["design"],
            samples=old.get("samples"),
            replicates=old["replicates"] if self.replicates is None else self.replicates,
            independent=bool(old["independent"]),
            precision=old.get("precision") if self.precision is None else self.precision,
            max_replicates=(
                old.get("max_replicates") if self.max_replicates is None else self.max_replicates
            ),
        )

    def sized(self, base: Any) -> _Design:
        """With the replicates per point ("auto" under a precision, then capped), checked."""
        if self.precision is not None:
            from ...io.limits import MAX_AUTO_REPLICATES

            if not 0 < self.precision < 0.5:
                raise UsageError(
                    f"precision must lie strictly between 0 and 0.5 (got {self.precision!r})"
                )
            cap = self.max_replicates or MAX_AUTO_REPLICATES
            return replace(self, replicates="auto", max_replicates=cap)
        n = base.run.replicates if self.replicates is None else self.replicates
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_REPLICATES:
            raise UsageError(f"replicates must be an integer in 1..{MAX_REPLICATES:,} (got {n!r})")
        return replace(self, replicates=n)

    @property
    def size(self) -> int:
        """Replicates a point runs at most: its count, or under a precision the cap."""
        return int(cast(int, self.replicates if self.precision is None else self.max_replicates))


@dataclass(frozen=True)
class _Plan:
    """A checked sweep, ready to run: its manifest and the scenario at every point."""

    manifest: dict[str, Any]
    scenarios: list[Any]
    name: str
    seed: int
    design: _Design
    old: dict[str, Any] | None  # the manifest of the sweep resumed, if any


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
    if scenario_path is None:  # resume from the manifest alone
        scenario_path, overrides, seed = _from_manifest(resume, overrides, seed)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise UsageError(f"workers must be an integer >= 1 (got {workers!r})")
    asked = _Design(vary, design, samples, replicates, independent, precision, max_replicates)
    parallel = 1 if scheduler else workers
    plan = _plan(scenario_path, overrides, seed, resume, asked, parallel, allow_large)
    stack = contextlib.ExitStack()
    client = stack.enter_context(dask_client(scheduler, workers)) if scheduler else None
    with stack:
        folder = _sweep_folder(plan, resume, out)
        stack.enter_context(_locked(folder))
        stats = _run_points(plan, folder, workers, client, progress)
        return _finish(plan, folder, stats, figures)


def _from_manifest(
    resume: str | os.PathLike[str] | None, overrides: Sequence[str] | None, seed: int | None
) -> tuple[str, Sequence[str] | None, int | None]:
    """The scenario file of the sweep resumed, and its overrides and seed where none are given."""
    if resume is None:
        raise UsageError("sweep needs a scenario file (or --resume DIR)")
    prior = prior_manifest(Path(resume))
    return (
        prior["scenario_file"],
        prior.get("overrides") if overrides is None else overrides,
        prior.get("seed") if seed is None else seed,
    )


def _plan(
    scenario_path: str | os.PathLike[str],
    overrides: Sequence[str] | None,
    seed: int | None,
    resume: str | os.PathLike[str] | None,
    asked: _Design,
    parallel: int,
    allow_large: bool,
) -> _Plan:
    """Load and check everything a sweep needs (its size too), before anything runs."""
    from ...model.scenario.loader import load_tree, scenario_sha256, validate_loaded

    tree, marks = load_tree(scenario_path, list(overrides or []))
    base = validate_loaded(copy.deepcopy(tree), copy.deepcopy(marks))
    sha = scenario_sha256(base)
    seed = base.run.seed if seed is None else seed
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"seed must be an integer >= 0 (got {seed!r})")
    old: dict[str, Any] | None = None
    if resume is not None:
        old = prior_manifest(Path(resume))
        check_resume(old, Path(resume), sha, seed)
        asked = asked.resumed(old)
    specs = [parse_vary(v) for v in asked.vary]
    d = asked.sized(base)
    for v in specs:
        check_numeric_path(tree, v.path)
    points = design_points(specs, d.design, d.samples, seed)
    est = study_estimate(len(points), d.size, rounds_of(base), parallel)
    check_fits(est, None, allow_large)
    scenarios = _point_scenarios(tree, marks, points)
    manifest = {
        "kind": "sim-sweep",
        "scenario": base.name,
        "scenario_file": os.path.abspath(scenario_path),
        "description": base.description,
        "version": build(),
        "overrides": list(overrides or []),
        "scenario_sha256": sha,
        "seed": seed,
        "replicates": d.replicates,
        "precision": d.precision,
        "max_replicates": d.max_replicates,
        "independent": bool(d.independent),
        "design": d.design,
        "samples": d.samples,
        "vary": [v.to_json() for v in specs],
        "points": points,
        "labels": {v.path: Vocabulary.from_scenario(base).axis_label(v.path) for v in specs},
    }
    return _Plan(jsonable(manifest), scenarios, base.name, seed, d, old)


def _point_scenarios(tree: Any, marks: Any, points: list[dict[str, float]]) -> list[Any]:
    """The scenario at every point, all validated first: a bad path or value fails fast."""
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
    return scenarios


def _sweep_folder(plan: _Plan, resume: Any, out: Any) -> Path:
    """The folder of a resumed sweep (checked to be the same sweep), or a new one with its manifest."""
    from ...io.folders import default_folder

    if plan.old is not None:
        check_same_sweep(plan.old, plan.manifest, resume)
        folder = Path(str(resume))
        check_writable(folder)
        return folder
    folder = Path(out) if out is not None else default_folder(plan.name, kind="sweep", reserve=True)
    hint = f" (continue it with --resume {folder})" if (folder / MANIFEST).is_file() else ""
    check_out_folder(folder, hint=hint, kind="sweep")
    check_writable(folder)
    atomic_write_json(folder / MANIFEST, plan.manifest)
    write_marker(folder, "sweep")
    return folder


def _locked(folder: Path) -> Any:
    """The sweep folder's lock, held while its points run: a second sweep or resume into the
    same folder is refused instead of running the same points again."""
    from ...io.locks import locked

    return locked(
        folder,
        f"another 'sim sweep' is writing into {str(folder)!r} right now (the folder is in "
        "use: locked{pid}); wait for it to finish, or sweep into another --out",
    )


def _run_points(
    plan: _Plan,
    folder: Path,
    workers: int,
    client: Any,
    progress: Callable[[int, int], None] | None,
) -> list[dict[str, Any]]:
    """Run the points not yet saved in ``folder``, saving each as it finishes; all points' stats."""
    from ..cells import Kept, run_jobs

    points = plan.manifest["points"]
    d = plan.design
    jobs = {
        i: Point(
            plan.scenarios[i],
            d.replicates if isinstance(d.replicates, int) else None,
            point_seed(plan.seed, i, d.independent),
            plan.manifest.get("precision"),
            plan.manifest.get("max_replicates"),
        )
        for i in range(len(points))
    }
    kept = Kept(PointStore(folder), {i: str(i) for i in jobs}, dict(enumerate(points)))
    try:
        done = run_jobs(run_point, jobs, workers, progress, kept, client)
    except SimError:
        raise
    except (OSError, TimeoutError) as e:
        raise RunError(
            f"sweep interrupted ({type(e).__name__}: {e}); "
            f"finished points are kept, continue with --resume {folder}"
        ) from None
    return [done[i] for i in range(len(points))]


def _finish(plan: _Plan, folder: Path, stats: list[dict[str, Any]], figures: bool) -> SweepResults:
    """Write sweep.parquet (and the figure) from every point's statistics."""
    from ...io.readback import seal

    table = build_table(plan.manifest["points"], stats)
    atomic_write_parquet(folder / "sweep.parquet", table)
    points = [f"{POINTS_DIR}/{i}.json" for i in range(len(stats))]
    seal(folder, "sweep", [MANIFEST, "sweep.parquet", *points])  # what a report reads back
    res = SweepResults(table=table, manifest=plan.manifest, points=stats, folder=folder)
    if figures:
        save_sweep_figure(res, folder / "figures")
    return res
