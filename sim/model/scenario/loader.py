"""YAML scenario loader: a file (or mapping) to a validated Scenario, every problem located.

The loader turns a file (or mapping) into the raw tree the schema validates,
keeping for every location the file, line and column it came from, so each
problem reads ``FILE:LINE:COL: path.to.field: what is wrong (got VALUE)``. The steps
live in ``yamlparse`` (safe parsing with marks), ``extends`` (bases merged),
``overrides`` (``--set``) and ``dump`` (the resolved scenario written back out);
their public functions are importable from here as well.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ...errors import Problem, ScenarioError
from .dump import dump_yaml as dump_yaml
from .dump import scenario_sha256 as scenario_sha256
from .dump import scenario_to_tree as scenario_to_tree
from .extends import deep_merge as deep_merge
from .extends import load_file, resolve_extends
from .messages import dotted, omitted, show
from .overrides import SET_ORIGIN as SET_ORIGIN
from .overrides import Override, apply_overrides
from .overrides import set_path as set_path
from .schema import Scenario
from .validate import validate_tree
from .yamlparse import Mark as Mark
from .yamlparse import MarkIndex as MarkIndex
from .yamlparse import parse_yaml as parse_yaml

__all__ = [
    "calibration_of",
    "dump_yaml",
    "load_scenario",
    "load_tree",
    "overrides_of",
    "provenance_of",
    "remember_overrides",
    "scenario_sha256",
    "set_path",
    "validate_loaded",
]


def load_tree(
    path: str | os.PathLike[str], overrides: Sequence[str] | Mapping[str, Any] | None = None
) -> tuple[dict[Any, Any], MarkIndex]:
    """The raw scenario mapping of a file (bases merged, overrides applied) and its marks."""
    tree, marks, problems = _load(path, overrides)
    if problems:
        raise ScenarioError(problems)
    return tree, marks


def _load(
    source: str | os.PathLike[str] | Mapping[str, Any],
    overrides: Sequence[str] | Mapping[str, Any] | None,
) -> tuple[dict[Any, Any], MarkIndex, list[Problem]]:
    if isinstance(source, Mapping):
        data = copy.deepcopy(dict(source))
        tree, marks, problems = resolve_extends(data, MarkIndex(), [], Path.cwd(), None, [])
    elif isinstance(source, (str, os.PathLike)):
        display = os.fspath(source)
        tree, marks, problems = load_file(Path(display), display, [])
    else:
        raise ScenarioError(f"a scenario is a file path or a mapping (got {type(source).__name__})")
    return tree, marks, [*problems, *apply_overrides(tree, marks, overrides)]


def load_scenario(
    path_or_mapping: str | os.PathLike[str] | Mapping[str, Any],
    overrides: Sequence[str] | Mapping[str, Any] | None = None,
    observed: str | os.PathLike[str] | None = None,
) -> Scenario:
    """Load, merge, override and validate a scenario; ScenarioError lists every problem.

    ``observed``: a file holding only ``observations:``, appended to the scenario's own (so a
    shared scenario can be conditioned on the record without editing it).
    """
    tree, marks, problems = _load(path_or_mapping, overrides)
    own = tree.get("observations")
    offset = len(own) if isinstance(own, list) else 0
    if observed is not None:
        problems += _add_observations(tree, marks, observed)
    try:
        s = validate_loaded(tree, marks)
    except ScenarioError as e:
        # Values already reported by the YAML layer (a refused tag, a duplicate) are not repeated.
        bad = {p.path for p in problems}
        extra = [
            q for q in e.problems if not any(q.path == b or q.path.startswith(b + ".") for b in bad)
        ]
        if observed is not None:
            extra = [_as_in_file(q, os.fspath(observed), offset) for q in extra]
        raise ScenarioError([*problems, *extra]) from None
    if problems:
        raise ScenarioError(problems)
    remember_overrides(s, overrides)
    return s


OVERRIDES_KEY = "_sim_overrides"  # where a loaded scenario keeps the overrides it was given


def remember_overrides(
    s: Scenario,
    overrides: Sequence[str] | Mapping[str, Any] | None,
    calibration: Mapping[str, Any] | None = None,
) -> None:
    """Keep the ``PATH=VALUE`` overrides on the scenario, so a run's headline and summary can
    say it is not the file as written, and the calibration file the leading ones came from
    (``calibration``, or the file named by those read from one). Stored outside the pydantic
    fields: equality, hashing, the dumped YAML and its hash see only the scenario's content."""
    if calibration:
        object.__setattr__(s, CALIBRATION_KEY, dict(calibration))
    if not overrides:
        return
    if isinstance(overrides, Mapping):
        items = [f"{k}={v}" for k, v in overrides.items()]
    else:
        given = [overrides] if isinstance(overrides, str) else list(overrides)
        items = [str(x).strip() for x in given]
        files = [x for x in given if isinstance(x, Override)]  # a calibration file's numbers
        if files:
            calibration = {"file": files[0].origin, "set": [str(x).strip() for x in files]}
            object.__setattr__(s, CALIBRATION_KEY, calibration)
    object.__setattr__(s, OVERRIDES_KEY, tuple(items))


CALIBRATION_KEY = "_sim_calibration"  # the calibration file a loaded scenario's numbers came from


def provenance_of(s: Scenario) -> dict[str, Any]:
    """What a study's file records of the code and numbers ``s`` was run with: the build, the
    overrides and the calibration file they lead with."""
    from ...version import build

    return {
        "version": build(),
        "overrides": list(overrides_of(s)),
        "calibration": calibration_of(s),
    }


def calibration_of(s: Scenario) -> dict[str, Any] | None:
    """The calibration file ``s`` was loaded with, ``{"file": ..., "set": [PATH=VALUE, ...]}``
    (those overrides lead ``overrides_of(s)``), or None."""
    got = s.__dict__.get(CALIBRATION_KEY)
    return dict(got) if isinstance(got, dict) else None


def overrides_of(s: Scenario) -> tuple[str, ...]:
    """The ``PATH=VALUE`` overrides ``s`` was loaded with (empty for the file as written)."""
    got = s.__dict__.get(OVERRIDES_KEY, ())
    return tuple(got) if isinstance(got, tuple) else ()


def _as_in_file(q: Problem, observed: str, offset: int) -> Problem:
    """A problem of an ``--observed`` file's item, numbered as in that file (its items follow
    the scenario's own ``offset`` observations in the merged list)."""
    m = re.match(r"observations\.(\d+)(.*)", q.path)
    if q.file != observed or m is None or int(m.group(1)) < offset:
        return q
    return dataclasses.replace(q, path=f"observations.{int(m.group(1)) - offset}{m.group(2)}")


def _add_observations(
    tree: dict[Any, Any], marks: MarkIndex, path: str | os.PathLike[str]
) -> list[Problem]:
    """Append the observations of an ``--observed`` file to ``tree``, with their marks."""
    display = os.fspath(path)
    extra, extra_marks, problems = load_file(Path(display), display, [])
    if problems:
        return problems
    if not isinstance(extra, dict) or set(extra) - {"observations"}:
        where = extra_marks.locate(())
        keys = (
            ", ".join(sorted(map(str, set(extra) - {"observations"})))
            if isinstance(extra, dict)
            else ""
        )
        return [
            Problem(
                f"an --observed file holds only 'observations:' (found {keys or 'no mapping'})",
                display,
                where.line if where else None,
                where.column if where else None,
            )
        ]
    items = extra.get("observations") or []
    if not isinstance(items, list):
        m = extra_marks.locate(("observations",))
        return [
            Problem(
                "'observations' must be a list",
                display,
                m.line if m else None,
                m.column if m else None,
                "observations",
            )
        ]
    own = tree.setdefault("observations", [])
    if not isinstance(own, list):
        return []  # the schema reports the scenario's own malformed list
    offset = len(own)
    for loc, mark in list(extra_marks.values.items()):
        if len(loc) >= 2 and loc[0] == "observations" and isinstance(loc[1], int):
            marks.values[("observations", loc[1] + offset, *loc[2:])] = mark
    for loc, mark in list(extra_marks.keys.items()):
        if len(loc) >= 2 and loc[0] == "observations" and isinstance(loc[1], int):
            marks.keys[("observations", loc[1] + offset, *loc[2:])] = mark
    own.extend(items)
    return []


def validate_loaded(tree: Any, marks: MarkIndex | None = None) -> Scenario:
    """Validate a raw tree; ScenarioError with every problem located by ``marks``."""
    s, raw = validate_tree(tree)
    if s is not None and not raw:
        return s
    marks = marks if marks is not None else MarkIndex()
    problems = []
    for loc, message, value in raw:
        # A problem about a key itself (unknown key, unknown issue id) points at the key.
        about_key = bool(loc) and f"'{loc[-1]}'" in message
        m = marks.locate(loc, key=about_key)
        if not omitted(value) and "(got " not in message:
            message = f"{message} (got {show(value)})"
        file, line, col = m if m is not None else (None, None, None)
        problems.append(Problem(message, file, line, col, dotted(loc)))
    raise ScenarioError(problems)
