"""``--set PATH=VALUE`` overrides: parsed as YAML, set into the raw tree with their own marks."""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from ...errors import Problem, ScenarioError
from .distributions import is_distribution_tree
from .messages import Loc, show
from .schema import Scenario
from .yamlparse import Mark, MarkIndex, parse_yaml

__all__ = [
    "LIBRARY_ORIGIN",
    "SET_ORIGIN",
    "Override",
    "apply_overrides",
    "parse_overrides",
    "set_path",
]

SET_ORIGIN = "--set"  # the "file" of a value given on the command line
# the "file" of the history library's calibration, which every command applies by default
LIBRARY_ORIGIN = "sim/model/scenario/history_library.yaml"


class Override(str):
    """A ``PATH=VALUE`` override written in a file (a calibration's ``set:`` list), with where:
    a problem with it names that file, line and column instead of the command line."""

    origin: str
    line: int | None
    column: int | None

    def __new__(
        cls, text: str, origin: str, line: int | None = None, column: int | None = None
    ) -> Override:
        self = super().__new__(cls, text)
        self.origin, self.line, self.column = origin, line, column
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Override, (str(self), self.origin, self.line, self.column))


def _where(item: object) -> tuple[str, int | None, int | None]:
    """(file, line, column) an override came from: the command line unless it says otherwise."""
    if isinstance(item, Override):
        return item.origin, item.line, item.column
    return SET_ORIGIN, None, None


def parse_overrides(
    overrides: Sequence[str] | Mapping[str, Any] | None,
) -> tuple[list[tuple[str, Any, tuple[str, int | None, int | None]]], list[Problem]]:
    """Each override's (path, value, where it came from: ``_where``), and the problems of
    those that are not ``PATH=VALUE`` with a readable value."""
    if overrides is None:
        return [], []
    cli = (SET_ORIGIN, None, None)
    if isinstance(overrides, Mapping):
        return [(str(k), copy.deepcopy(v), cli) for k, v in overrides.items()], []
    if isinstance(overrides, str):
        overrides = [overrides]
    out: list[tuple[str, Any, tuple[str, int | None, int | None]]] = []
    problems: list[Problem] = []
    for item in overrides:
        where = _where(item)
        path, sep, text = str(item).partition("=")
        path = path.strip()
        if not sep or not path:
            problems.append(Problem(f"expected PATH=VALUE (got {show(str(item))})", *where))
            continue
        if text.strip() == "":
            out.append((path, "", where))
            continue
        value, _, probs = parse_yaml(text, where[0])
        probs = [Problem(p.message, *where, path) for p in probs]
        if probs:
            problems.extend(probs)
            continue
        out.append((path, value, where))
    return out, problems


def set_path(
    tree: dict[Any, Any],
    dotted_path: str,
    value: Any,
    marks: MarkIndex | None = None,
    origin: str = SET_ORIGIN,
    line: int | None = None,
    column: int | None = None,
) -> Loc:
    """Set ``value`` at ``dotted_path`` (dict keys, integer list indices) in a raw tree.

    A missing last key is created (validation rejects it if the schema does not
    know it); a missing parent is created only where the schema has a section of
    that name (e.g. ``pressures.sanctions``), otherwise it is an error with a
    did-you-mean. Marks under the path are replaced by ``origin``. Returns the
    location that was set.
    """

    def fail(msg: str) -> ScenarioError:
        return ScenarioError(Problem(msg, origin, line, column, dotted_path))

    parts = dotted_path.split(".")
    if not dotted_path or any(p == "" for p in parts):
        raise fail("not a field path (use dots between keys, e.g. actors.a.patience)")
    if parts[0] == "extends":
        raise fail(
            f"cannot be set with {origin}: bases are merged before overrides are applied; "
            "write 'extends:' in the scenario file (or run the base file itself)"
        )
    node: Any = tree
    loc: list[str | int] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        key = _key(node, part, loc, ".".join(parts[:i]) or "the scenario", last, fail)
        loc.append(key)
        if last:
            node[key] = value
        else:
            node = node[key]
    at: Loc = tuple(loc)
    if marks is not None:
        marks.drop(at)
        m = Mark(origin, line, column)
        marks.values[at] = m
        marks.keys[at] = m
    return at


def _key(
    node: Any,
    part: str,
    loc: list[str | int],
    here: str,
    last: bool,
    fail: Callable[[str], ScenarioError],
) -> str | int:
    """The key (or list index) ``part`` names in ``node``; a missing schema section on the
    way is created; anything else that does not exist is an error with a did-you-mean."""
    if isinstance(node, list):
        if not re.fullmatch(r"\d+", part):
            raise fail(
                f"no such path: {here} is a list; use an index 0..{len(node) - 1} (got '{part}')"
            )
        idx = int(part)
        if idx >= len(node):
            raise fail(f"no such path: index {idx} is out of range ({here} has {len(node)} items)")
        return idx
    if not isinstance(node, dict):
        raise fail(f"no such path: {here} is a single value ({show(node)}), not a mapping")
    key: str | int = part
    if part not in node and re.fullmatch(r"-?\d+", part) and int(part) in node:
        key = int(part)
    if key not in node and not last:
        if _schema_section((*loc, part)):
            node[part] = {}
        else:
            keys = [str(k) for k in node]
            close = difflib.get_close_matches(part, keys, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            have = f"; {here} has {', '.join(keys)}" if keys and len(keys) <= 12 else ""
            raise fail(f"no such path: '{part}' is not in {here}{hint}{have}")
    return key


def _schema_section(loc: Loc) -> bool:
    """True when the last part of ``loc`` is a section (a model field) the schema knows, not a free key."""
    types = _leaves(Scenario)
    for i, part in enumerate(loc):
        nxt: list[Any] = []
        for tp in types:
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                for name, f in tp.model_fields.items():
                    if part in (name, f.alias):
                        nxt += _leaves(f.annotation)
            elif i < len(loc) - 1 and get_origin(tp) in (dict, list):
                nxt += _leaves(get_args(tp)[-1])
        types = nxt
    return any(isinstance(tp, type) and issubclass(tp, BaseModel) for tp in types)


def _leaves(tp: Any) -> list[Any]:
    """The member types of an annotation: unions, Optional and Annotated unwrapped."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    if get_origin(tp) in (dict, list):
        return [tp]
    out: list[Any] = []
    for a in get_args(tp):
        if a is not type(None):
            out += _leaves(a)
    return out


def apply_overrides(
    tree: dict[Any, Any],
    marks: MarkIndex,
    overrides: Sequence[str] | Mapping[str, Any] | None,
) -> list[Problem]:
    """Set every ``PATH=VALUE`` in ``tree``; return the problems of those that cannot be set."""
    pairs, problems = parse_overrides(overrides)
    for p, v, where in pairs:
        try:
            set_path(tree, p, v, marks, *where)
        except ScenarioError as e:
            problems.extend(e.problems)
    drop_fixed_correlations(tree, marks, {p for p, v, _ in pairs if not is_distribution_tree(v)})
    return problems


def drop_fixed_correlations(tree: dict[Any, Any], marks: MarkIndex, fixed: set[str]) -> None:
    """An override that fixes a correlated input to a number also removes its correlations."""
    cors = tree.get("correlations")
    if not fixed or not isinstance(cors, list):
        return
    keep = [
        c
        for c in cors
        if not (
            isinstance(c, dict)
            and isinstance(c.get("between"), list)
            and fixed & set(map(str, c["between"]))
        )
    ]
    if len(keep) != len(cors):
        old = MarkIndex()
        old.copy_subtree(marks, ("correlations",), cors)
        top = ("correlations",)
        top_value, top_key = marks.values.get(top), marks.keys.get(top)
        marks.drop(top)
        if top_value is not None:
            marks.values[top] = top_value
        if top_key is not None:
            marks.keys[top] = top_key
        new_i = 0
        for i, c in enumerate(cors):
            if c in keep:
                for loc, mark in list(old.values.items()):
                    if loc[:2] == ("correlations", i):
                        marks.values[("correlations", new_i, *loc[2:])] = mark
                for loc, mark in list(old.keys.items()):
                    if loc[:2] == ("correlations", i):
                        marks.keys[("correlations", new_i, *loc[2:])] = mark
                new_i += 1
        tree["correlations"] = keep
