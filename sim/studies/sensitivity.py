"""Global sensitivity (SALib Sobol or Morris) of P(ceasefire) and median time to the uncertain inputs.

Parameter uncertainty and run-to-run chance are kept apart: at each SALib point every
studied input is fixed to one value (the path is set to a constant, so it no longer
varies across replicates) and the scenario is run with ``replicates`` replicates on the
common seed. The outputs are then estimates carrying chance error, whose variance is
estimated and reported next to the indices:

- P(ceasefire by horizon): binomial variance p(1 − p)/m, averaged over the points;
- median days: split-half estimate E[(med₁ − med₂)²]/4 over the points, where med₁
  and med₂ are the medians of the two halves of the replicates (each half has twice
  the variance of the full-sample median, their difference four times).

``chance_share`` = chance variance / total variance of the output across points: when it
is small the indices describe the inputs, not the noise. Inputs are sampled uniformly in
quantile space (1st to 99th percentile) and mapped through each distribution's ppf, so
each input is explored in proportion to how plausible its values are.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import UsageError
from ..io.estimate import check_fits, rounds_of, study_estimate
from ..io.jsonable import jsonable
from ..io.limits import MAX_POINTS, MAX_REPLICATES
from .points import Point, check_numeric_path, run_point, scenario_at
from .sensitivity_design import (
    METHODS,
    Input,
    output_indices,
    ranking_key,
    uncertain_inputs,
    unit_sample,
)

__all__ = [
    "Input",
    "SensitivityResults",
    "is_sensitivity_folder",
    "plan_points",
    "sensitivity",
    "uncertain_inputs",
]

SENSITIVITY_FILE = "sensitivity.json"
TOP = 15  # inputs shown in the terminal and the figures (all are in the files)


@dataclass
class SensitivityResults:
    """Indices per output (``indices``: one row per input and output, largest total effect
    first within each output) and the chance variance."""

    method: str
    inputs: list[Input]
    indices: pd.DataFrame
    variance: dict[str, dict[str, float]]
    points: pd.DataFrame
    replicates: int
    seed: int
    scenario: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    samples: int | None = None
    wall_seconds: float | None = None
    folder: Path | None = None
    provenance: dict[str, Any] = field(default_factory=dict)  # build, overrides, calibration

    def __repr__(self) -> str:
        """A few lines (the indices and points are long: see ``.top()``)."""
        return (
            f"<SensitivityResults ({self.method}) of {self.scenario!r}: {len(self.inputs)} inputs, "
            f"{len(self.points)} points of {self.replicates:,} replicates\n  see .top(), "
            f".indices, .warnings(); folder {self.folder}>"
        )

    @property
    def key(self) -> str:
        """The column that ranks inputs: total effect (Sobol ST) or Morris μ*."""
        return ranking_key(self.method)

    def top(self, output: str = "p_ceasefire", k: int = TOP) -> pd.DataFrame:
        """The ``k`` inputs with the largest total effect on ``output``, with their labels."""
        t = self.indices[self.indices["output"] == output].head(k).copy()
        t.insert(1, "input", [self.labels.get(p, p) for p in t["param"]])
        return t

    def constant(self) -> dict[str, float]:
        """The outputs that take one value at every point, with that value: with no variance
        to share among the inputs their indices are undefined (left empty, not reported)."""
        return {
            o: float(self.points[o].iloc[0])
            for o, v in self.variance.items()
            if not v["total"] > 0 and o in self.points and len(self.points)
        }

    def warnings(self) -> list[str]:
        """Plain-language warnings: outputs that do not vary, indices whose intervals are
        wider than the index."""
        still = self.constant()
        out = [
            f"{o} is {v:g} at every one of the {len(self.points):,} points: it does not vary, "
            "so its sensitivity indices are undefined (there is no variance to share among the "
            "inputs). Widen the inputs' ranges (--params, the scenario's distributions) or "
            "study a scenario where this output moves."
            for o, v in still.items()
        ]
        conf = f"{self.key}_conf"
        for o in self.indices["output"].unique():
            if o in still:
                continue
            t = self.indices[self.indices["output"] == o]
            wide = t[t[conf] > t[self.key].abs()]
            if self.method == "sobol":
                wide = t[(t["S1_conf"] > t["S1"].abs()) | (t[conf] > t[self.key].abs())]
            if len(wide):
                share = self.variance.get(o, {}).get("chance_share")
                chance = (
                    "" if share is None else f" Chance makes up {100 * share:.1f}% of the spread."
                )
                out.append(
                    f"{o}: {len(wide)} of {len(t)} inputs have a 95% interval wider than the "
                    f"index itself, so their effect cannot be told from zero.{chance} Raise "
                    "--samples (more points narrow the intervals) and -n (less chance noise "
                    "per point), or study fewer inputs with --params."
                )
        return out

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = jsonable(
            {
                "kind": "sim-sensitivity",
                "scenario": self.scenario,
                "method": self.method,
                "samples": self.samples,
                "replicates_per_point": self.replicates,
                "seed": self.seed,
                "points": len(self.points),
                "wall_seconds": self.wall_seconds,
                **self.provenance,
                "inputs": [
                    {
                        "path": i.path,
                        "label": self.labels.get(i.path, i.path),
                        "lo": i.lo,
                        "hi": i.hi,
                        "distribution": i.dist.summary() if i.dist is not None else None,
                    }
                    for i in self.inputs
                ],
                "variance": self.variance,
                "constant_outputs": self.constant(),
                "warnings": self.warnings(),
                "indices": self.indices.to_dict(orient="records"),
            }
        )
        return out

    def plot(self, output: str = "p_ceasefire", ax: Any = None, top: int = TOP) -> Any:
        """Horizontal bars of the ``top`` inputs, largest on top: total and first-order
        (Sobol) or μ* (Morris), with 95% intervals."""
        from ..output.plots.sensitivity import plot_indices

        return plot_indices(self, output, ax, top)

    def save(self, folder: str | os.PathLike[str], report: bool = True) -> Path:
        """Write sensitivity.json, indices.csv, points.parquet, figures and report.html."""
        from ..io.atomic import atomic_write_json, atomic_write_parquet, atomic_write_text
        from ..io.folders import write_folder
        from ..io.readback import seal
        from ..output.plots import save_png

        def fill(out: Path) -> None:
            atomic_write_json(out / SENSITIVITY_FILE, self.to_dict())
            atomic_write_text(out / "indices.csv", self.indices.to_csv(index=False))
            atomic_write_parquet(out / "points.parquet", self.points)
            seal(out, "sensitivity", [SENSITIVITY_FILE, "indices.csv", "points.parquet"])
            for o in self.indices["output"].unique():
                if o not in self.constant():  # no indices to draw
                    save_png(self.plot(o).figure, out / "figures" / f"sensitivity_{o}.png")
            if report:
                from ..output.report.sensitivity import write_sensitivity_report

                write_sensitivity_report(out)

        # written beside and renamed into place (see Comparison.save)
        self.folder = write_folder(folder, True, "sensitivity", fill)
        return self.folder


def is_sensitivity_folder(folder: str | os.PathLike[str]) -> bool:
    import json

    try:
        data = json.loads((Path(folder) / SENSITIVITY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "indices" in data and "method" in data


def plan_points(method: str, samples: int, inputs: int) -> int:
    """Points a study runs: Sobol N·(D + 2), Morris N·(D + 1)."""
    return samples * (inputs + (2 if method == "sobol" else 1))


@dataclass(frozen=True)
class _Study:
    """A checked study: the scenario (tree and validated), its seed, inputs and SALib problem."""

    tree: Any
    marks: Any
    base: Any
    seed: int
    inputs: list[Input]
    problem: dict[str, Any]  # one dict for sampling and analysis (SALib adds keys to it)

    @property
    def sample_seed(self) -> int:
        """SALib's sampling seed, drawn from the study's seed (the analysis takes the next)."""
        return int(np.random.SeedSequence(self.seed, spawn_key=(0x5A1B,)).generate_state(1)[0])


def sensitivity(
    scenario_path: str | os.PathLike[str],
    method: str = "sobol",
    samples: int = 16,
    params: Sequence[str] | None = None,
    replicates: int = 500,
    seed: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    overrides: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    plan: Callable[[int, int], None] | None = None,
    allow_large: bool = False,
    checkpoint: str | os.PathLike[str] | None = None,
) -> SensitivityResults:
    """Sobol (first-order and total) or Morris indices of P(ceasefire) and median days.

    ``samples`` is SALib's N: Sobol runs N·(D + 2) points (N a power of two), Morris
    N·(D + 1); each point runs ``replicates`` replicates with the inputs fixed. At most
    MAX_POINTS points; a study beyond this machine's free memory is refused unless
    ``allow_large``. ``plan(points, inputs)`` is called once the design is known, before
    anything runs; ``progress(done, total)`` after each point. With ``checkpoint`` (a folder)
    each finished point is kept there, and a point kept for the same scenario, values, size and
    seed is read back instead of run (sim/studies/cells.py).
    """
    import time

    from ..model.scenario.loader import provenance_of
    from ..output.labels import Vocabulary

    t0 = time.perf_counter()
    _check_sizes(method, samples, replicates)
    study = _study(scenario_path, overrides, params, seed)
    _check_points(study, method, samples, replicates, 1 if scheduler else workers, allow_large)
    U = unit_sample(study.problem, method, samples, study.sample_seed)
    values = [
        {i.path: i.value(float(u)) for i, u in zip(study.inputs, row, strict=True)} for row in U
    ]
    if plan is not None:
        plan(len(values), len(study.inputs))
    got = _run_points(study, values, (replicates, workers), scheduler, progress, checkpoint)
    outputs, chance = _outputs(got, float(study.base.horizon_days), replicates)
    table, variance = output_indices(study.problem, method, U, outputs, chance, study.sample_seed)
    pts = pd.DataFrame(values).assign(**{k: outputs[k] for k in ("p_ceasefire", "median_days")})
    vocab = Vocabulary.from_scenario(study.base)
    return SensitivityResults(
        method,
        study.inputs,
        table,
        variance,
        pts,
        replicates,
        study.seed,
        scenario=study.base.name,
        labels={i.path: vocab.axis_label(i.path) for i in study.inputs},
        samples=samples,
        wall_seconds=round(time.perf_counter() - t0, 3),
        provenance=provenance_of(study.base),
    )


def _check_sizes(method: str, samples: int, replicates: int) -> None:
    """UsageError unless the method is known and samples and replicates are valid for it."""
    if method not in METHODS:
        raise UsageError(f"method must be one of {', '.join(METHODS)} (got {method!r})")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 2:
        raise UsageError(f"samples must be an integer >= 2 (got {samples!r})")
    if method == "sobol" and samples & (samples - 1):
        lower = 1 << (samples.bit_length() - 1)
        near = lower if samples - lower <= 2 * lower - samples else 2 * lower
        raise UsageError(
            f"--samples for Sobol indices must be a power of two (got {samples}; nearest is {near})"
        )
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 2:
        raise UsageError(f"replicates must be an integer >= 2 (got {replicates!r})")
    if replicates > MAX_REPLICATES:
        raise UsageError(f"replicates must be at most {MAX_REPLICATES:,} (got {replicates:,})")


def _study(
    scenario_path: str | os.PathLike[str],
    overrides: Sequence[str] | None,
    params: Sequence[str] | None,
    seed: int | None,
) -> _Study:
    """Load the scenario and the inputs studied, each checked to be a numeric path."""
    from ..model.scenario.loader import load_tree, remember_overrides, validate_loaded

    tree, marks = load_tree(scenario_path, list(overrides or []))
    base = validate_loaded(tree, marks)
    remember_overrides(base, overrides)  # the provenance of sensitivity.json
    inputs = uncertain_inputs(base, params)
    for i in inputs:
        check_numeric_path(tree, i.path, "--params")
    problem = {
        "num_vars": len(inputs),
        "names": [i.path for i in inputs],
        "bounds": [[0.0, 1.0]] * len(inputs),
    }
    return _Study(tree, marks, base, base.run.seed if seed is None else seed, inputs, problem)


def _check_points(
    study: _Study, method: str, samples: int, replicates: int, parallel: int, allow_large: bool
) -> None:
    """Refuse a study of more than MAX_POINTS points, or beyond this machine's free memory."""
    points = plan_points(method, samples, len(study.inputs))
    if points > MAX_POINTS:
        raise UsageError(
            f"{method} with --samples {samples} over {len(study.inputs)} inputs runs {points:,} "
            f"points; at most {MAX_POINTS:,} are run: use fewer samples or --params"
        )
    est = study_estimate(points, replicates, rounds_of(study.base), parallel)
    check_fits(est, None, allow_large)


def _run_points(
    study: _Study,
    values: list[dict[str, float]],
    size: tuple[int, int],
    scheduler: str | None,
    progress: Callable[[int, int], None] | None,
    checkpoint: str | os.PathLike[str] | None = None,
) -> list[dict[str, Any]]:
    """Run the scenario at every point (inputs fixed to its values) with ``size`` (replicates,
    workers); the points' statistics, kept in ``checkpoint`` as they finish."""
    from ..model.scenario.loader import scenario_sha256
    from ..version import build
    from .cells import CellStore, Kept, run_jobs

    replicates, workers = size
    jobs = {
        k: Point(scenario_at(study.tree, study.marks, v, origin="--params"), replicates, study.seed)
        for k, v in enumerate(values)
    }
    kept = None
    if checkpoint is not None:
        same = {"sha256": scenario_sha256(study.base), "replicates": replicates}
        same |= {"seed": study.seed, "version": build()}
        keys = {k: {"values": v, **same} for k, v in enumerate(values)}
        kept = Kept(CellStore(checkpoint), {k: str(k) for k in jobs}, keys)
    got = run_jobs(run_point, jobs, workers, progress, kept, scheduler)
    return [got[k] for k in range(len(values))]


def _outputs(
    got: list[dict[str, Any]], horizon: float, replicates: int
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Each output at every point, and its chance (run-to-run) variance; see the module docstring."""
    P = np.array([g["p_ceasefire"]["estimate"] for g in got], dtype=float)
    med = np.array([_censor(g["median_days_to_ceasefire"], horizon) for g in got])
    halves = np.array([[_censor(x, horizon) for x in g["median_split_halves"]] for g in got])
    chance = {
        "p_ceasefire": float(np.mean(P * (1 - P) / replicates)),
        "median_days": float(np.mean((halves[:, 0] - halves[:, 1]) ** 2) / 4),
    }
    return {"p_ceasefire": P, "median_days": med}, chance


def _censor(x: float | None, horizon: float) -> float:
    """A median not reached by the horizon counts as the horizon (a censored value)."""
    return horizon if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)
