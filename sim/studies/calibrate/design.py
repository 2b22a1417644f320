"""What a calibration runs: the cases, the ``--param`` ranges, the design's points as ``--set`` overrides, checked against every case before anything runs."""

from __future__ import annotations

import copy
import hashlib
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import ScenarioError, UsageError
from ...model.scenario.schema import Scenario
from ..sweep.design import Vary, design_points, parse_vary

__all__ = [
    "DEFAULT_STEPS",
    "DESIGNS",
    "Case",
    "check_fixed",
    "check_points",
    "format_value",
    "load_cases",
    "param_labels",
    "parse_param",
    "plan_points",
    "point_overrides",
    "run_identity",
]

DESIGNS = ("grid", "lhs")
DEFAULT_STEPS = 5  # grid values per --param without :K


@dataclass(frozen=True)
class Case:
    """One history case: its file, the key naming its checkpoints (the file's stem), the
    scenario's name, the hash of its resolved scenario, its rounds and its raw tree."""

    file: str
    key: str
    name: str
    sha256: str
    rounds: int
    tree: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "key": self.key, "name": self.name, "sha256": self.sha256}


def parse_param(spec: str | Vary, design: str = "grid") -> Vary:
    """``PATH=LO:HI[:K]`` or ``PATH=v1,v2,...``; a grid without K takes DEFAULT_STEPS values."""
    try:
        v = parse_vary(spec)
    except UsageError as e:
        text = str(e).replace("--vary", "--param", 1).replace("LO:HI:STEPS", "LO:HI[:K]")
        raise UsageError(text) from None
    if v.values is None and not v.lo < v.hi:
        raise UsageError(f"--param {v.path}: LO must be below HI (got {v.lo:g}:{v.hi:g})")
    if v.values is not None and len(set(v.values)) < 2:
        raise UsageError(
            f"--param {v.path}: give a range LO:HI[:K] or at least two values (got {spec})"
        )
    if design == "grid" and v.values is None and v.steps is None:
        return Vary(v.path, v.lo, v.hi, DEFAULT_STEPS)
    return v


def plan_points(
    params: Sequence[str | Vary], design: str, samples: int | None, seed: int
) -> tuple[list[Vary], list[dict[str, float]]]:
    """The parsed params and the design's points ({path: value}, values to 12 significant
    digits, so that the override written is the value run and reported)."""
    if design not in DESIGNS:
        raise UsageError(f"design must be one of {', '.join(DESIGNS)} (got {design!r})")
    if not params:
        raise UsageError("calibrate needs at least one --param PATH=LO:HI[:K]")
    if design == "grid" and samples is not None:
        raise UsageError("--samples is for --design lhs; a grid takes PATH=LO:HI:K")
    specs = [parse_param(p, design) for p in params]
    points = design_points(specs, design, samples, seed)
    return specs, [{k: float(f"{v:.12g}") for k, v in p.items()} for p in points]


def format_value(v: float) -> str:
    """A value as an override writes it: whole numbers without a decimal point."""
    f = float(v)
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)


def point_overrides(values: dict[str, float], fixed: Sequence[str] = ()) -> list[str]:
    """A design point as ``--set`` overrides: ["PATH=VALUE", ...], after the ``fixed`` ones
    (--calibration and --set, the same at every point)."""
    return [*fixed, *(f"{path}={format_value(v)}" for path, v in values.items())]


def check_fixed(fixed: Sequence[str], specs: list[Vary]) -> None:
    """UsageError when a fixed override sets a path the design varies."""
    varied = {v.path for v in specs}
    for o in fixed:
        path = o.split("=", 1)[0].strip()
        if path in varied:
            raise UsageError(
                f"--set/--calibration {o}: {path} is also a --param of the design; fit it or fix "
                "it, not both"
            )


def load_cases(files: Sequence[str | os.PathLike[str]]) -> list[Case]:
    """Every case loaded and its record read (ScenarioError or UsageError before anything
    runs); two cases with the same file name are refused (the name keys their checkpoints)."""
    from ...io.estimate import rounds_of
    from ...io.limits import MAX_CASES, check_at_most
    from ...model.scenario.loader import load_scenario, load_tree, scenario_sha256
    from ..hindcast import realised_day

    if len(files) < 2:
        raise UsageError(
            f"calibrate needs at least two CASE files (got {len(files)}): the leave-one-case-out "
            "scores leave each case out of the fit in turn"
        )
    check_at_most(len(files), MAX_CASES, "cases in one calibration")
    out: list[Case] = []
    for f in files:
        s = load_scenario(f)
        realised_day(s)
        tree, _ = load_tree(f)
        key = Path(f).stem
        if any(c.key == key for c in out):
            raise UsageError(f"two cases are named {key!r} (file names must differ): {f}")
        path = os.path.abspath(f)
        out.append(Case(path, key, s.name, scenario_sha256(s), rounds_of(s), tree))
    return out


def check_points(
    cases: list[Case], specs: list[Vary], points: list[dict[str, float]], fixed: Sequence[str] = ()
) -> list[list[str]]:
    """UsageError, naming the case and the point, when a case cannot take a point: the path is
    not a number there, is not in its schema, or the value is refused. Returns the identity of
    each case's run at each point (``run_identity``), by point and case."""
    from ...model.scenario.loader import validate_loaded
    from ...model.scenario.overrides import apply_overrides
    from ...model.scenario.yamlparse import MarkIndex
    from ..points import check_numeric_path

    for c in cases:
        for v in specs:
            try:
                check_numeric_path(c.tree, v.path, "--param")
            except UsageError as e:
                raise UsageError(f"case {c.file}: {e}") from None
    out: list[list[str]] = []
    for p in points:
        ovs = point_overrides(p, fixed)
        out.append([])
        for c in cases:
            tree = copy.deepcopy(c.tree)
            try:
                problems = apply_overrides(tree, MarkIndex(), ovs)
                if not problems:
                    out[-1].append(run_identity(validate_loaded(tree)))
            except ScenarioError as e:
                problems = e.problems
            if problems:
                _refuse(c, ovs)
    return out


def run_identity(s: Scenario) -> str:
    """A hash of everything a case's run and scores depend on: the compiled model (nothing in a
    run reads the scenario after ``compile_scenario``) and what the conditioning and scoring
    read from the scenario (its observations, dates, name and record). Two points whose values
    a case does not use (a scale for another kind of war) give it the same identity, and
    their runs are the same run: a calibration runs it once."""
    from ...model.mechanisms import compile_scenario
    from ..hindcast import realised_day

    what = (compile_scenario(s), s.observations, s.start, s.horizon_days, s.name, s.war_began)
    data = pickle.dumps((*what, realised_day(s)), protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.sha256(data).hexdigest()


def _refuse(case: Case, overrides: list[str]) -> None:
    """The located problem of a case at a point (the case loaded again with its marks)."""
    from ...model.scenario.loader import load_scenario

    what = "the overrides are refused"
    try:
        load_scenario(case.file, overrides)
    except ScenarioError as e:
        first = e.problems[0]
        what = f"{first.path + ': ' if first.path else ''}{first.message}"
    raise UsageError(
        f"--param: case {case.file} cannot take the point {', '.join(overrides)} ({what}); "
        "every case must take every point of the design"
    )


def param_labels(case_file: str, paths: list[str]) -> dict[str, str]:
    """Each path's name for people, with its unit (as the first case's vocabulary gives it)."""
    from ...model.scenario.loader import load_scenario
    from ...output.labels import Vocabulary

    vocab = Vocabulary.from_scenario(load_scenario(case_file))
    out = {}
    for p in paths:
        label = vocab.axis_label(p)
        if ":" not in label and "." in p:  # a section the vocabulary does not name
            head, _, rest = p.partition(".")
            label = f"{head.capitalize()}: {rest.replace('_', ' ').replace('.', ' ')}"
        unit = next((u for s, u in _UNIT_SUFFIXES.items() if p.endswith(s)), None)
        out[p] = f"{label} ({unit})" if unit and not label.endswith(")") else label
    return out


_UNIT_SUFFIXES = {
    "_days": "days",
    "_per_year": "per year",
    "_scale": "× as written",
}  # units a field's name tells
