"""One point of a study (sweep, comparison variant, sensitivity sample): a scenario with values set, run, summarised."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import UsageError
from ..io.jsonable import jsonable
from ..model.scenario.distributions import is_distribution_tree
from ..output.stats import fast_median

__all__ = ["Point", "apply_values", "check_numeric_path", "point_stats", "run_point", "scenario_at"]

_MISSING = object()


def _get(tree: Any, path: str) -> Any:
    node = tree
    for part in path.split("."):
        if isinstance(node, list) and re.fullmatch(r"\d+", part) and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return _MISSING
    return node


def check_numeric_path(tree: dict[str, Any], path: str, option: str = "--vary") -> None:
    """UsageError unless ``path`` holds a number or a distribution in the raw tree
    (``option`` names the command-line option the path came from)."""
    v = _get(tree, path)
    if v is _MISSING:
        return  # set_path/validation say precisely what is wrong
    if isinstance(v, bool) or not (isinstance(v, (int, float)) or is_distribution_tree(v)):
        raise UsageError(
            f"{option} {path}: not a numeric field (it holds {json.dumps(jsonable(v), ensure_ascii=False)[:60]})"
        )


def apply_values(
    tree: dict[str, Any], values: dict[str, Any], marks: Any = None, origin: str = "--vary"
) -> dict[str, Any]:
    """A copy of ``tree`` with each path set; correlations of paths made constant are dropped.
    Problems are reported as coming from ``origin`` (--vary, --variant, --params)."""
    from ..model.scenario.overrides import set_path

    out = copy.deepcopy(tree)
    for path, value in values.items():
        set_path(out, path, value, marks, origin=origin)
    fixed = {p for p, v in values.items() if not isinstance(v, dict)}
    if isinstance(out.get("correlations"), list) and fixed:
        out["correlations"] = [
            c
            for c in out["correlations"]
            if not (isinstance(c, dict) and fixed & set(map(str, c.get("between") or [])))
        ]
    return out


def scenario_at(
    tree: dict[str, Any], marks: Any, values: dict[str, Any], origin: str = "--vary"
) -> Any:
    """The validated Scenario with ``values`` applied to the raw ``tree``."""
    from ..model.scenario.loader import validate_loaded

    m = copy.deepcopy(marks) if marks is not None else None
    return validate_loaded(apply_values(tree, values, m, origin), m)


def point_stats(results: Any) -> dict[str, Any]:
    """The statistics kept per point: the run summary without timing, plus split-half medians."""
    s = dict(results.summary())
    s.pop("wall_seconds", None)
    # Split-half estimate of run-to-run chance in the median (sensitivity analysis uses it).
    days = np.asarray(results.column("ceasefire_day"), dtype=float)
    halves = [fast_median(days[: len(days) // 2]), fast_median(days[len(days) // 2 :])]
    s["median_split_halves"] = halves
    return jsonable(s)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Point:
    """One point of a study, picklable for a worker: the scenario with the point's values set,
    its replicates and seed, and for ``-n auto`` the precision and the replicate cap."""

    scenario: Any  # a validated Scenario
    replicates: int | None  # None with a precision (-n auto)
    seed: int
    precision: float | None = None
    max_replicates: int | None = None


def run_point(point: Point) -> dict[str, Any]:
    """Run one point in this process and return its statistics; with a precision the point
    grows to it (``-n auto``)."""
    from ..io.limits import MAX_AUTO_REPLICATES
    from .runner import run

    if point.precision is not None:
        cap = point.max_replicates or MAX_AUTO_REPLICATES
        return point_stats(
            run(point.scenario, seed=point.seed, precision=point.precision, max_replicates=cap)
        )
    if point.replicates is None:
        raise ValueError("a point needs replicates or a precision")
    return point_stats(run(point.scenario, replicates=point.replicates, seed=point.seed, workers=1))
