"""Paired comparisons of scenarios on common random numbers: differences with paired intervals.

Every scenario runs with the same seed, so replicate i of A and of B share their random
streams (scenario paths and mechanisms each draw from their own stream); the differences
are taken replicate by replicate (``sim.paired``). A scenario given twice (the same
resolved scenario) is compared once, with a note. With ``precision`` (``-n auto``) the
runs grow in step until the intervals on each P(ceasefire) and on each paired ΔP are
narrow enough.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..io.jsonable import jsonable
from ..output.results import Results
from .paired import BOOTSTRAP, LEVEL, paired_differences

if TYPE_CHECKING:
    from ..model.scenario.schema import Scenario

__all__ = ["COMPARE_FILE", "Comparison", "comparable", "compare", "is_compare_folder"]

COMPARE_FILE = "compare.json"


@dataclass
class Comparison:
    """Results of each scenario (same seed) and the differences of each against the first."""

    labels: list[str]
    results: list[Results]
    seed: int
    replicates: int
    notes: list[str] = field(default_factory=list)  # duplicates skipped, issues not shared
    precision: float | None = None
    folder: Path | None = None

    def __repr__(self) -> str:
        """A few lines (each run is large: see ``.text()`` and ``.results``)."""
        return (
            f"<Comparison of {len(self.labels)} scenarios ({', '.join(self.labels)}), "
            f"{self.replicates:,} replicates each, seed {self.seed}\n  see .text(), "
            f".differences(), .results; folder {self.folder}>"
        )

    def differences(self) -> list[dict[str, Any]]:
        base = self.results[0]
        return [
            {"label": lab, "vs": self.labels[0], **paired_differences(base, r, self.seed)}
            for lab, r in zip(self.labels[1:], self.results[1:], strict=True)
        ]

    def to_dict(self) -> dict[str, Any]:
        scenarios = []
        for lab, r in zip(self.labels, self.results, strict=True):
            s = r.summary()
            scenarios.append(
                {
                    "label": lab,
                    "scenario": r.meta.get("scenario"),
                    "scenario_sha256": r.meta.get("scenario_sha256"),
                    "scenario_yaml": r.meta.get("scenario_yaml"),
                    "version": r.meta.get("version"),
                    "calibration": r.meta.get("calibration"),
                    "p_ceasefire": s["p_ceasefire"],
                    "p_in_force_at_horizon": s["p_in_force_at_horizon"],
                    "median_days_to_ceasefire": s["median_days_to_ceasefire"],
                    "terms_median": {k: t["p50"] for k, t in s["terms"].items()},
                }
            )
        first = self.results[0]
        out: dict[str, Any] = jsonable(
            {
                "kind": "sim-compare",
                "seed": self.seed,
                "replicates": self.replicates,
                "precision": self.precision,
                "level": LEVEL,
                "start": first.start.isoformat(),
                "horizon": first.horizon.isoformat(),
                "issues": first.issues(),
                "actors": first.meta.get("actors") or {},
                "method": {
                    "probabilities": "paired difference of per-replicate indicators, normal approximation",
                    "terms": "over replicates where both agreed: mean paired difference (normal "
                    "interval) and median paired difference (order-statistic interval)",
                    "median_days": f"paired percentile bootstrap, {BOOTSTRAP} resamples",
                },
                "notes": self.notes,
                "scenarios": scenarios,
                "differences": self.differences(),
            }
        )
        return out

    def text(self) -> str:
        """What the terminal shows: each scenario's levels and paired differences."""
        from ..output.report.compare import compare_text

        return compare_text(self.to_dict())

    def plot(self, ax: Any = None) -> Any:
        """The paired differences from the first scenario, with their 95% intervals."""
        from ..output.plots.compare import plot_differences

        return plot_differences(self.to_dict(), ax)

    def plot_curves(self, ax: Any = None) -> Any:
        """Cumulative P(ceasefire by date) of every scenario, overlaid, with bands."""
        from ..output.plots.compare import plot_curves

        return plot_curves(self.labels, self.results, ax)

    def save(self, folder: str | os.PathLike[str], report: bool = True) -> Path:
        """Write compare.json, figures/compare.png (differences), figures/compare_curves.png
        and report.html into ``folder``."""
        from ..io.atomic import atomic_write_json
        from ..io.folders import write_folder
        from ..io.readback import seal
        from ..output.plots import save_png

        def fill(tmp: Path) -> None:
            atomic_write_json(tmp / COMPARE_FILE, self.to_dict())
            seal(tmp, "compare", [COMPARE_FILE])
            save_png(self.plot().figure, tmp / "figures" / "compare.png")
            save_png(self.plot_curves().figure, tmp / "figures" / "compare_curves.png")
            if report:
                from ..output.report.compare import write_compare_report

                write_compare_report(tmp)

        # written beside and renamed into place; only an empty folder or sim's own compare
        # folder is replaced (the CLI refuses one holding compare.json before running)
        self.folder = write_folder(folder, True, "compare", fill)
        return self.folder


def is_compare_folder(folder: str | os.PathLike[str]) -> bool:
    import json

    p = Path(folder) / COMPARE_FILE
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "differences" in data and "scenarios" in data


def compare(
    scenarios: Sequence[Any],
    labels: Sequence[str] | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    overrides: Sequence[str] | None = None,
    variants: Sequence[str] | None = None,
    progress: bool | Callable[[int, int], None] = False,
    precision: float | None = None,
    max_replicates: int | None = None,
    allow_large: bool = False,
    checkpoint: str | os.PathLike[str] | None = None,
    executor: Any = None,
) -> Comparison:
    """Run scenarios (paths, mappings or Scenario objects) on common random numbers.

    With one scenario and ``variants`` (each a space-separated list of PATH=VALUE), the
    baseline is the scenario itself and each variant applies its values on top. Seed and
    replicates default to the first scenario's. A scenario that resolves to one already
    listed is skipped with a note. ``progress``: True for a bar, or a callback (done, total)
    over all runs. ``precision``: grow the runs until each 95% half-width on P(ceasefire)
    and on each paired ΔP is at most this (``-n auto``). Scenarios with another start or
    horizon than the first are refused; issues not shared are noted. A comparison beyond
    free memory is refused unless ``allow_large``. With ``checkpoint`` (a folder) each run
    keeps its chunks in a subfolder (--resume); ``executor`` (Dask's) runs the chunks.
    """
    from ..io.estimate import check_fits, compare_estimate, rounds_of
    from ..io.limits import MAX_AUTO_REPLICATES, MAX_COMPARED, check_at_most

    items = list(scenarios)
    if not items:
        raise UsageError("compare needs at least one scenario")
    check_at_most(len(items) + len(variants or ()), MAX_COMPARED, "scenarios and variants compared")
    if variants:
        names, loaded = _variants(items, overrides, variants)
    else:
        names, loaded = _scenarios(items, overrides)
    if labels is not None:
        if len(labels) != len(loaded):
            raise UsageError(f"{len(labels)} labels for {len(loaded)} scenarios")
        names = list(labels)
    names, loaded, notes = _distinct(names, loaded)
    notes += comparable(loaded, names)
    n = loaded[0].run.replicates if replicates is None else replicates
    s = loaded[0].run.seed if seed is None else seed
    size = n if precision is None else (max_replicates or MAX_AUTO_REPLICATES)
    check_fits(
        compare_estimate(len(loaded), size, rounds_of(loaded[0]), workers), None, allow_large
    )
    size_, where = (n, precision, max_replicates), (workers, executor)
    results = _run_all(loaded, s, where, progress, size_, checkpoint)
    return Comparison(
        labels=names,
        results=results,
        seed=s,
        replicates=results[0].n,
        notes=notes,
        precision=precision,
    )


def _variant_values(variant: str) -> dict[str, Any]:
    """The values one ``--variant`` sets: its PATH=VALUE words, each VALUE read as YAML."""
    from ..model.scenario.loader import parse_yaml

    sets = variant.split()
    if not sets or any("=" not in x for x in sets):
        raise UsageError(f"--variant expects 'PATH=VALUE [PATH=VALUE ...]' (got {variant!r})")
    values = {}
    for x in sets:
        path, _, text = x.partition("=")
        value, _, problems = parse_yaml(text, "--variant")
        if problems:
            raise UsageError(f"--variant {x!r}: {problems[0].message}")
        values[path] = value
    return values


def _variants(
    items: list[Any], overrides: Sequence[str] | None, variants: Sequence[str]
) -> tuple[list[str], list[Scenario]]:
    """One scenario ("base") and each variant of it, with their names."""
    from ..model.scenario.loader import load_tree, remember_overrides, validate_loaded
    from ..model.scenario.schema import Scenario
    from .points import scenario_at

    if len(items) != 1:
        raise UsageError("--variant compares one scenario with itself; give exactly one scenario")
    src = items[0]
    if isinstance(src, Scenario):
        raise UsageError("variants need a scenario file or mapping, not a Scenario object")
    tree, marks = load_tree(src, list(overrides or []))
    names, loaded = ["base"], [validate_loaded(copy.deepcopy(tree), copy.deepcopy(marks))]
    for v in variants:
        values = _variant_values(v)
        # set like a sweep point: a path made constant leaves its correlations
        loaded.append(scenario_at(tree, marks, values, origin="--variant"))
        names.append(v)
    for s in loaded:  # each was loaded with them (and the calibration they lead with)
        remember_overrides(s, overrides)
    return names, loaded


def _scenarios(
    items: list[Any], overrides: Sequence[str] | None
) -> tuple[list[str], list[Scenario]]:
    """Two or more scenarios, loaded, named after their files (else their names)."""
    from ..model.scenario.loader import load_scenario
    from ..model.scenario.schema import Scenario

    if len(items) < 2:
        raise UsageError("compare needs two or more scenarios (or one with --variant)")
    names: list[str] = []
    loaded: list[Scenario] = []
    for src in items:
        loaded.append(
            src if isinstance(src, Scenario) else load_scenario(src, list(overrides or []))
        )
        names.append(
            Path(os.fspath(src)).stem if isinstance(src, (str, os.PathLike)) else loaded[-1].name
        )
    return names, loaded


def _distinct(
    names: list[str], loaded: list[Scenario]
) -> tuple[list[str], list[Scenario], list[str]]:
    """The scenarios without repeats (the same resolved scenario), with a note on each dropped."""
    from ..model.scenario.loader import scenario_sha256

    notes: list[str] = []
    seen: dict[str, str] = {}
    keep = []
    for name, sc in zip(names, loaded, strict=True):
        sha = scenario_sha256(sc)
        if sha in seen:
            notes.append(f"{name} is the same scenario as {seen[sha]}: compared once")
        else:
            seen[sha] = name
            keep.append((name, sc))
    if len(keep) < 2:
        raise UsageError(
            "compare needs two different scenarios: " + "; ".join(notes)
            if notes
            else "compare needs two or more scenarios"
        )
    return [k[0] for k in keep], [k[1] for k in keep], notes


def _run_all(
    loaded: list[Scenario],
    seed: int,
    where: tuple[int, Any],
    progress: bool | Callable[[int, int], None],
    size: tuple[int, float | None, int | None],
    checkpoint: str | os.PathLike[str] | None,
) -> list[Results]:
    """Run every scenario on the same seed (``where``: workers and an executor or None;
    ``size``: replicates, precision, cap; grown in step under a precision), each keeping its
    chunks in ``checkpoint``/<i> if given; their results."""
    from ..io.limits import MAX_AUTO_REPLICATES
    from .runner import CHUNK_SIZE, Simulation

    n, precision, max_replicates = size
    workers, executor = where
    bar = _Combined(progress, len(loaded))

    def one(i: int, sc: Scenario) -> Simulation:
        ck = None if checkpoint is None else Path(checkpoint) / str(i)
        return Simulation(
            sc, seed, workers, bar.part(i), 0, executor, CHUNK_SIZE, ck, replicates=n,
            precision=precision, max_replicates=max_replicates or MAX_AUTO_REPLICATES,
        )  # fmt: skip

    sims = [one(i, sc) for i, sc in enumerate(loaded)]
    try:
        if precision is None:
            for sim in sims:
                sim.grow(sim.limit)
        else:
            from .precision import grow_until_precise

            grow_until_precise(sims, precision)
        return [sim.results() for sim in sims]
    except BaseException:
        for sim in sims:
            sim.close(failed=True)
        raise
    finally:
        bar.close()


def comparable(scenarios: Sequence[Any], labels: Sequence[str]) -> list[str]:
    """UsageError unless the scenarios share start and horizon (their paired differences
    are by the same dates); notes on issues not shared by all (terms are compared only
    on the issues both sides of a difference have)."""
    first, name = scenarios[0], labels[0]
    for sc, lab in zip(scenarios[1:], labels[1:], strict=True):
        for what, a, b in (
            ("start", first.start, sc.start),
            ("horizon", first.horizon_date, sc.horizon_date),
        ):
            if a != b:
                raise UsageError(
                    f"cannot compare {lab!r} with {name!r}: different {what} ({b} vs {a}); "
                    f"give them the same one, e.g. --set {what}={a}"
                )
    notes = []
    for sc, lab in zip(scenarios[1:], labels[1:], strict=True):
        only = sorted(set(sc.issues) ^ set(first.issues))
        if only:
            notes.append(
                f"{lab!r} and {name!r} do not share the issue(s) {', '.join(only)}; "
                "their terms are compared only on the issues they share"
            )
    return notes


class _Combined:
    """One progress report over several runs: each run's (done, total) summed."""

    def __init__(self, progress: bool | Callable[[int, int], None], runs: int):
        self.done = [0] * runs
        self.total = [0] * runs
        from ..io.progress import reporter

        self.fn = reporter(progress)

    def part(self, i: int) -> Callable[[int, int], None]:
        def report(done: int, total: int) -> None:
            self.done[i], self.total[i] = done, max(total, done)
            self.fn(sum(self.done), sum(self.total))

        return report

    def close(self) -> None:
        self.fn.close()


def default_compare_folder(name: str, reserve: bool = False) -> Path:
    from ..io.folders import default_folder

    return default_folder(name, kind="compare", reserve=reserve)
