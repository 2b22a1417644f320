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

from .errors import UsageError
from .estimate import check_fits, rounds_of, study_estimate
from .execution import map_unordered
from .jsonable import jsonable
from .limits import MAX_POINTS, MAX_REPLICATES
from .points import check_numeric_path, run_point, scenario_at

__all__ = [
    "Input",
    "SensitivityResults",
    "is_sensitivity_folder",
    "plan_points",
    "sensitivity",
    "uncertain_inputs",
]

METHODS = ("sobol", "morris")
Q_LO, Q_HI = 0.01, 0.99  # a distribution is explored between these quantiles
SCALAR_SPAN = 0.2  # a named fixed number varies ±20% unless a range is given
MORRIS_LEVELS = 4


@dataclass(frozen=True)
class Input:
    """One studied input: its path and how a unit coordinate u ∈ [0, 1] maps to a value."""

    path: str
    lo: float
    hi: float
    dist: Any = None  # a Dist: value = ppf(Q_LO + (Q_HI − Q_LO)·u); else lo + u·(hi − lo)

    def value(self, u: float) -> float:
        if self.dist is not None:
            return float(np.asarray(self.dist.ppf(np.array([Q_LO + (Q_HI - Q_LO) * u])))[0])
        return self.lo + u * (self.hi - self.lo)


def uncertain_inputs(scenario: Any, params: Sequence[str] | None = None) -> list[Input]:
    """The scenario's distributions, or the named paths (``PATH`` or ``PATH=LO:HI``)."""
    from .scenario.schema import distributions_by_path, numbers_by_path

    dists = distributions_by_path(scenario)
    nums = numbers_by_path(scenario)
    if not params:
        if not dists:
            raise UsageError(
                "the scenario has no distributions; name inputs with --params PATH=LO:HI"
            )
        return [_dist_input(p, d) for p, d in dists.items()]
    out = []
    for spec in params:
        path, sep, rng = spec.partition("=")
        path = path.strip()
        if sep:
            parts = rng.split(":")
            try:
                lo, hi = float(parts[0]), float(parts[1])
            except (ValueError, IndexError):
                raise UsageError(f"--params {path}: expected PATH=LO:HI (got {spec!r})") from None
            if len(parts) != 2 or not lo < hi:
                raise UsageError(f"--params {path}: expected PATH=LO:HI with LO < HI (got {rng!r})")
            out.append(Input(path, lo, hi))
        elif path in dists:
            out.append(_dist_input(path, dists[path]))
        elif path in nums:
            v = float(nums[path])  # type: ignore[arg-type]
            if v == 0:
                raise UsageError(f"--params {path}: the value is 0; give a range as {path}=LO:HI")
            a, b = sorted((v * (1 - SCALAR_SPAN), v * (1 + SCALAR_SPAN)))
            out.append(Input(path, a, b))
        else:
            import difflib

            close = difflib.get_close_matches(path, list(nums), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UsageError(f"--params {path}: no numeric field at this path{hint}")
    if len({i.path for i in out}) != len(out):
        raise UsageError("--params names a path twice")
    return out


def _dist_input(path: str, d: Any) -> Input:
    lo, hi = (float(x) for x in d.ppf(np.array([Q_LO, Q_HI])))
    return Input(path, lo, hi, d)


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

    @property
    def key(self) -> str:
        """The column that ranks inputs: total effect (Sobol ST) or Morris μ*."""
        return "ST" if self.method == "sobol" else "mu_star"

    def top(self, output: str = "p_ceasefire", k: int = TOP) -> pd.DataFrame:
        """The ``k`` inputs with the largest total effect on ``output``, with their labels."""
        t = self.indices[self.indices["output"] == output].head(k).copy()
        t.insert(1, "input", [self.labels.get(p, p) for p in t["param"]])
        return t

    def warnings(self) -> list[str]:
        """Plain-language warnings: indices whose intervals are wider than the index."""
        out = []
        conf = f"{self.key}_conf"
        for o in self.indices["output"].unique():
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
                "warnings": self.warnings(),
                "indices": self.indices.to_dict(orient="records"),
            }
        )
        return out

    def plot(self, output: str = "p_ceasefire", ax: Any = None, top: int = TOP) -> Any:
        """Horizontal bars of the ``top`` inputs, largest on top: total and first-order
        (Sobol) or μ* (Morris), with 95% intervals."""
        from .plots.sensitivity import plot_indices

        return plot_indices(self, output, ax, top)

    def save(self, folder: str | os.PathLike[str], report: bool = True) -> Path:
        """Write sensitivity.json, indices.csv, points.parquet, figures and report.html."""
        from .atomic import atomic_write_json, atomic_write_parquet, atomic_write_text
        from .folders import write_marker
        from .plots import save_png

        out = Path(folder)
        atomic_write_json(out / SENSITIVITY_FILE, self.to_dict())
        write_marker(out, "sensitivity")
        atomic_write_text(out / "indices.csv", self.indices.to_csv(index=False))
        atomic_write_parquet(out / "points.parquet", self.points)
        for o in self.indices["output"].unique():
            save_png(self.plot(o).figure, out / "figures" / f"sensitivity_{o}.png")
        if report:
            from .report.sensitivity import write_sensitivity_report

            write_sensitivity_report(out)
        self.folder = out
        return out


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
) -> SensitivityResults:
    """Sobol (first-order and total) or Morris indices of P(ceasefire) and median days.

    ``samples`` is SALib's N: Sobol runs N·(D + 2) points (N a power of two), Morris
    N·(D + 1); each point runs ``replicates`` replicates with the inputs fixed. At most
    MAX_POINTS points; a study beyond this machine's free memory is refused unless
    ``allow_large``. ``plan(points, inputs)`` is called once the design is known, before
    anything runs; ``progress(done, total)`` after each point.
    """
    import time

    t0 = time.perf_counter()
    from SALib.analyze import morris as morris_a
    from SALib.analyze import sobol as sobol_a
    from SALib.sample import morris as morris_s
    from SALib.sample import sobol as sobol_s

    from .scenario.loader import load_tree, validate_loaded

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
    tree, marks = load_tree(scenario_path, list(overrides or []))
    base = validate_loaded(tree, marks)
    seed = base.run.seed if seed is None else seed
    inputs = uncertain_inputs(base, params)
    for i in inputs:
        check_numeric_path(tree, i.path, "--params")
    points = samples * (len(inputs) + (2 if method == "sobol" else 1))
    if points > MAX_POINTS:
        raise UsageError(
            f"{method} with --samples {samples} over {len(inputs)} inputs runs {points:,} "
            f"points; at most {MAX_POINTS:,} are run: use fewer samples or --params"
        )
    est = study_estimate(points, replicates, rounds_of(base), 1 if scheduler else workers)
    check_fits(est, None, allow_large)
    problem = {
        "num_vars": len(inputs),
        "names": [i.path for i in inputs],
        "bounds": [[0.0, 1.0]] * len(inputs),
    }
    sample_seed = int(np.random.SeedSequence(seed, spawn_key=(0x5A1B,)).generate_state(1)[0])
    if method == "sobol":
        U = sobol_s.sample(problem, samples, calc_second_order=False, seed=sample_seed)
    else:
        U = morris_s.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=sample_seed)
    values = [{i.path: i.value(float(u)) for i, u in zip(inputs, row, strict=True)} for row in U]
    if plan is not None:
        plan(len(values), len(inputs))
    jobs = {
        k: (scenario_at(tree, marks, v, origin="--params"), replicates, seed)
        for k, v in enumerate(values)
    }
    got: dict[int, dict[str, Any]] = {}
    for k, st in map_unordered(run_point, jobs, workers, scheduler):
        got[k] = st
        if progress is not None:
            progress(len(got), len(jobs))
    h = float(base.horizon_days)
    P = np.array([got[k]["p_ceasefire"]["estimate"] for k in range(len(U))], dtype=float)
    med = np.array([_censor(got[k]["median_days_to_ceasefire"], h) for k in range(len(U))])
    halves = np.array(
        [[_censor(x, h) for x in got[k]["median_split_halves"]] for k in range(len(U))]
    )
    outputs = {"p_ceasefire": P, "median_days": med}
    chance = {
        "p_ceasefire": float(np.mean(P * (1 - P) / replicates)),
        "median_days": float(np.mean((halves[:, 0] - halves[:, 1]) ** 2) / 4),
    }
    rows = []
    variance: dict[str, dict[str, float]] = {}
    analyze_seed = sample_seed + 1
    for name, Y in outputs.items():
        total = float(np.var(Y, ddof=1))
        variance[name] = {
            "total": total,
            "chance": chance[name],
            "chance_share": chance[name] / total if total > 0 else float("nan"),
        }
        if total == 0:
            res = {
                k: np.full(len(inputs), np.nan)
                for k in ("S1", "S1_conf", "ST", "ST_conf", "mu_star", "mu_star_conf", "sigma")
            }
        elif method == "sobol":
            res = sobol_a.analyze(problem, Y, calc_second_order=False, seed=analyze_seed)
        else:
            res = morris_a.analyze(problem, U, Y, num_levels=MORRIS_LEVELS, seed=analyze_seed)
        keys = (
            ("S1", "S1_conf", "ST", "ST_conf")
            if method == "sobol"
            else ("mu_star", "mu_star_conf", "sigma")
        )
        for j, i in enumerate(inputs):
            rows.append(
                {"output": name, "param": i.path, **{k: float(np.asarray(res[k])[j]) for k in keys}}
            )
    pts = pd.DataFrame(values)
    pts["p_ceasefire"] = P
    pts["median_days"] = med
    from .labels import Vocabulary

    vocab = Vocabulary.from_scenario(base)
    key = "ST" if method == "sobol" else "mu_star"
    table = pd.DataFrame(rows)
    table = (  # outputs in their order, largest total effect first within each
        table.assign(_o=table["output"].map({o: i for i, o in enumerate(outputs)}))
        .sort_values(["_o", key], ascending=[True, False], na_position="last", kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )
    return SensitivityResults(
        method,
        inputs,
        table,
        variance,
        pts,
        replicates,
        seed,
        scenario=base.name,
        labels={i.path: vocab.axis_label(i.path) for i in inputs},
        samples=samples,
        wall_seconds=round(time.perf_counter() - t0, 3),
    )


def _censor(x: float | None, horizon: float) -> float:
    """A median not reached by the horizon counts as the horizon (a censored value)."""
    return horizon if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)
