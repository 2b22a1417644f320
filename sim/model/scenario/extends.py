"""``extends:``: a scenario file on top of its base, merged key by key, with the marks of both."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from ...errors import Problem, ScenarioError
from .distributions import is_distribution_tree
from .messages import Loc, show
from .readfile import read_text
from .schema import Scenario
from .yamlparse import Mark, MarkIndex, parse_yaml

__all__ = [
    "MAX_EXTENDS_DEPTH",
    "NOT_A_SCENARIO",
    "deep_merge",
    "is_scenario_mapping",
    "load_file",
    "resolve_extends",
]

MAX_EXTENDS_DEPTH = 32
# The top-level keys of a scenario: a mapping with none of them is not one.
SCENARIO_KEYS = frozenset(f.alias or k for k, f in Scenario.model_fields.items())
NOT_A_SCENARIO = (
    "is not a scenario: none of its keys is a scenario key (name, start, horizon, issues, "
    "actors, ...); its content is not shown"
)


def is_scenario_mapping(data: Any) -> bool:
    """A mapping with at least one top-level scenario key (empty counts: nothing to show)."""
    return isinstance(data, dict) and (not data or any(k in SCENARIO_KEYS for k in data))


def load_file(
    path: Path, display: str, chain: list[tuple[Path, str]], at: Problem | None = None
) -> tuple[dict[Any, Any], MarkIndex, list[Problem]]:
    """One file with its bases merged in; ``chain`` holds the files that extend it."""
    text = read_text(path, display, at)
    data, marks, problems = parse_yaml(text, display)
    if problems and data is None:
        raise ScenarioError(problems)
    if data is None:
        raise ScenarioError(Problem("the file is empty", display, 1, 1))
    # A file that is not a scenario mapping may be anything (extends: /etc/shadow): say what
    # it is not, never what it holds (nor the YAML problems found in it).
    what = None
    if not isinstance(data, dict):
        what = f"must be a mapping of keys to values (got {_kind(data)}); its content is not shown"
    elif not is_scenario_mapping(data):
        what = NOT_A_SCENARIO
    if what is not None:
        if at is not None:  # reported where the base is named: "base scenario 'x' is not..."
            raise ScenarioError(_with(at, f"'{display}' {what.replace('must be', 'is not')}"))
        line, col = (marks.get(()) or Mark(display, 1, 1))[1:]
        subject = "the scenario" if what.startswith("must") else "the file"
        raise ScenarioError(Problem(f"{subject} {what}", display, line, col))
    return resolve_extends(
        data, marks, problems, path.parent, display, [*chain, (path.resolve(), display)]
    )


def resolve_extends(
    data: dict[Any, Any],
    marks: MarkIndex,
    problems: list[Problem],
    base_dir: Path,
    display: str | None,
    chain: list[tuple[Path, str]],
) -> tuple[dict[Any, Any], MarkIndex, list[Problem]]:
    if "extends" not in data:
        return data, marks, problems
    ref = data.pop("extends")
    m = marks.locate(("extends",)) or Mark(display, None, None)
    here = Problem("", m.file, m.line, m.column, "extends")
    if not isinstance(ref, str) or not ref.strip():
        raise ScenarioError(
            [*problems, _with(here, f"must be the path of a base scenario (got {show(ref)})")]
        )
    if len(chain) > MAX_EXTENDS_DEPTH:
        raise ScenarioError(
            [*problems, _with(here, f"more than {MAX_EXTENDS_DEPTH} levels of extends")]
        )
    base_path = (base_dir / ref).resolve()
    base_display = os.path.normpath(os.path.join(os.path.dirname(display or ""), ref))
    seen = [p for p, _ in chain]
    if base_path in seen:
        names = [d for _, d in chain[seen.index(base_path) :]] + [base_display]
        raise ScenarioError([*problems, _with(here, "extends cycle: " + " -> ".join(names))])
    try:
        base, base_marks, base_problems = load_file(
            base_path, base_display, chain, at=_with(here, "")
        )
    except ScenarioError as e:
        fixed = [
            _with(here, f"base scenario {p.message}") if p.message.startswith("'") else p
            for p in e.problems
        ]
        raise ScenarioError([*problems, *fixed]) from None
    merged, merged_marks = deep_merge(base, base_marks, data, marks)
    return merged, merged_marks, [*base_problems, *problems]


def deep_merge(
    base: dict[Any, Any], base_marks: MarkIndex, child: dict[Any, Any], child_marks: MarkIndex
) -> tuple[dict[Any, Any], MarkIndex]:
    """Mappings merge key by key; lists and scalars in ``child`` replace the base's."""
    out_marks = MarkIndex()
    if () in child_marks:
        out_marks.values[()] = child_marks.values[()]

    def merge(b: dict[Any, Any], c: dict[Any, Any], loc: Loc) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for k in [*b, *(k for k in c if k not in b)]:  # the base's order, then new keys
            sub = (*loc, k)
            if k not in c:
                out[k] = copy.deepcopy(b[k])
                out_marks.copy_subtree(base_marks, sub, b[k])
            elif k in b and _mergeable(b[k]) and _mergeable(c[k]):
                if sub in child_marks.values:
                    out_marks.values[sub] = child_marks.values[sub]
                if sub in child_marks.keys:
                    out_marks.keys[sub] = child_marks.keys[sub]
                out[k] = merge(b[k], c[k], sub)
            else:
                out[k] = copy.deepcopy(c[k])
                out_marks.copy_subtree(child_marks, sub, c[k])
        return out

    return merge(base, child, ()), out_marks


def _mergeable(v: Any) -> bool:
    return isinstance(v, dict) and not is_distribution_tree(v)


def _with(p: Problem, message: str) -> Problem:
    return Problem(message, p.file, p.line, p.column, p.path)


def _kind(v: Any) -> str:
    """What a parsed file is, without any of its content."""
    if isinstance(v, list):
        return "a list"
    if isinstance(v, str):
        return "text"
    if isinstance(v, bool):
        return "true or false"
    if isinstance(v, (int, float)):
        return "a number"
    return "a single value"
