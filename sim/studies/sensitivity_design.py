"""A sensitivity study's design and analysis: the inputs it varies, SALib's points, SALib's indices.

An input is a distribution of the scenario (explored between its 1st and 99th percentiles,
in proportion to how plausible its values are) or a path named with ``--params``: ``PATH``
(a distribution, or a fixed number varied by ±20%) or ``PATH=LO:HI``. SALib designs the
points in the unit cube (one coordinate per input, mapped to values by ``Input.value``)
and computes the indices of each output over them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import UsageError

__all__ = [
    "INDEX_KEYS",
    "METHODS",
    "Input",
    "output_indices",
    "ranking_key",
    "uncertain_inputs",
    "unit_sample",
]

METHODS = ("sobol", "morris")
MORRIS_LEVELS = 4
INDEX_KEYS = {  # the indices SALib gives for each input, by method
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu_star", "mu_star_conf", "sigma"),
}
Q_LO, Q_HI = 0.01, 0.99  # a distribution is explored between these quantiles
SCALAR_SPAN = 0.2  # a named fixed number varies ±20% unless a range is given


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
    from ..model.scenario.schema import distributions_by_path, numbers_by_path

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


def ranking_key(method: str) -> str:
    """The index that ranks inputs: total effect (Sobol ST) or Morris μ*."""
    return "ST" if method == "sobol" else "mu_star"


def unit_sample(problem: dict[str, Any], method: str, samples: int, seed: int) -> np.ndarray:
    """SALib's design in the unit cube: one row per point, one column per input."""
    from SALib.sample import morris as morris_s
    from SALib.sample import sobol as sobol_s

    if method == "sobol":
        U: np.ndarray = sobol_s.sample(problem, samples, calc_second_order=False, seed=seed)
    else:
        U = morris_s.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)
    return U


def _analyze(problem: dict[str, Any], method: str, U: np.ndarray, Y: np.ndarray, seed: int) -> Any:
    """SALib's indices of one output that varies over the points."""
    from SALib.analyze import morris as morris_a
    from SALib.analyze import sobol as sobol_a

    if method == "sobol":
        return sobol_a.analyze(problem, Y, calc_second_order=False, seed=seed)
    return morris_a.analyze(problem, U, Y, num_levels=MORRIS_LEVELS, seed=seed)


def output_indices(
    problem: dict[str, Any],
    method: str,
    U: np.ndarray,
    outputs: dict[str, np.ndarray],
    chance: dict[str, float],
    sample_seed: int,
) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    """The indices of every output (largest total effect first within each) and its variance."""
    rows = []
    variance: dict[str, dict[str, float]] = {}
    for name, Y in outputs.items():
        total = float(np.var(Y, ddof=1))
        variance[name] = {
            "total": total,
            "chance": chance[name],
            "chance_share": chance[name] / total if total > 0 else float("nan"),
        }
        res = (
            {k: np.full(len(problem["names"]), np.nan) for k in INDEX_KEYS[method]}
            if total == 0
            else _analyze(problem, method, U, Y, sample_seed + 1)
        )
        for j, path in enumerate(problem["names"]):
            rows.append(
                {
                    "output": name,
                    "param": path,
                    **{k: float(np.asarray(res[k])[j]) for k in INDEX_KEYS[method]},
                }
            )
    table = pd.DataFrame(rows)
    table = (  # outputs in their order, largest total effect first within each
        table.assign(_o=table["output"].map({o: i for i, o in enumerate(outputs)}))
        .sort_values(
            ["_o", ranking_key(method)], ascending=[True, False], na_position="last", kind="stable"
        )
        .drop(columns="_o")
        .reset_index(drop=True)
    )
    return table, variance
