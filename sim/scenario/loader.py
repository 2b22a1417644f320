"""YAML scenario loader: safe parsing with line marks, extends/merge, --set overrides, dumping.

The loader turns a file (or mapping) into the raw tree the schema validates,
keeping for every location the file, line and column it came from, so each
problem reads ``FILE:LINE:COL: path.to.field: what is wrong (got VALUE)``.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import hashlib
import json
import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, get_args, get_origin

import yaml
from pydantic import BaseModel

from ..errors import Problem, ScenarioError
from .schema import Loc, Scenario, distributions_by_path, omitted, validate_tree

# Refuse inputs that are not plausibly a hand-written scenario (DoS guards).
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 100_000  # nodes in the tree after expanding aliases
MAX_ALIASES = 1_000
MAX_EXTENDS_DEPTH = 32
SET_ORIGIN = "--set"  # the "file" of a value given on the command line

_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {f"{_CORE}{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")}
_TIMESTAMP = f"{_CORE}timestamp"
_MERGE = f"{_CORE}merge"
_BOMB = "alias expansion too large (billion-laughs style); refusing"


class Mark(NamedTuple):
    """Where a value came from: file (or "--set"), 1-based line and column."""

    file: str | None
    line: int | None
    column: int | None


class MarkIndex:
    """Location tuple -> Mark of the value (of the key for block collections), and of the key."""

    def __init__(self) -> None:
        self.values: dict[Loc, Mark] = {}
        self.keys: dict[Loc, Mark] = {}

    def __contains__(self, loc: object) -> bool:
        return loc in self.values

    def __getitem__(self, loc: Loc) -> Mark:
        return self.values[loc]

    def __len__(self) -> int:
        return len(self.values)

    def get(self, loc: Loc, default: Mark | None = None) -> Mark | None:
        return self.values.get(loc, default)

    def locate(self, loc: Loc, key: bool = False) -> Mark | None:
        """The mark of ``loc`` (its key if ``key``), else of its nearest located parent."""
        if key and loc in self.keys:
            return self.keys[loc]
        while True:
            if loc in self.values:
                return self.values[loc]
            if not loc:
                return None
            loc = loc[:-1]

    def drop(self, loc: Loc) -> None:
        """Forget every mark at or under ``loc``."""
        n = len(loc)
        for d in (self.values, self.keys):
            for k in [k for k in d if k[:n] == loc]:
                del d[k]

    def copy_subtree(self, other: MarkIndex, loc: Loc, value: Any) -> None:
        """Take the marks of ``value`` at ``loc`` (and everything under it) from ``other``."""
        for sub in _walk_locs(value, loc):
            if sub in other.values:
                self.values[sub] = other.values[sub]
            if sub in other.keys:
                self.keys[sub] = other.keys[sub]


def _walk_locs(value: Any, loc: Loc) -> Iterator[Loc]:
    stack: list[tuple[Any, Loc]] = [(value, loc)]
    while stack:
        v, at = stack.pop()
        yield at
        if isinstance(v, dict):
            stack.extend((x, (*at, k)) for k, x in v.items())
        elif isinstance(v, list):
            stack.extend((x, (*at, i)) for i, x in enumerate(v))


# ----------------------------------------------------------------------------- YAML


class _Loader(yaml.SafeLoader):
    """SafeLoader composing nodes only; YAML 1.2 booleans and floats (``on`` is a key, ``1e-3`` a number)."""

    alias_count = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise _Refused(_BOMB, event.start_mark)
        return super().compose_node(parent, index)


class _Refused(Exception):
    def __init__(self, message: str, mark: Any):
        super().__init__(message)
        self.message, self.mark = message, mark


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != f"{_CORE}bool"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    f"{_CORE}bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    f"{_CORE}float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _tag_text(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


class _Builder:
    """Builds plain Python data from a composed node graph, recording marks and problems."""

    def __init__(self, loader: _Loader, file: str | None, marks: MarkIndex):
        self.loader, self.file, self.marks = loader, file, marks
        self.problems: list[Problem] = []
        self.nodes = 0
        self.active: set[int] = set()

    def mark(self, m: Any) -> Mark:
        return Mark(self.file, m.line + 1, m.column + 1)

    def problem(self, m: Any, loc: Loc, message: str) -> None:
        self.problems.append(Problem(message, self.file, m.line + 1, m.column + 1, _dotted(loc)))

    def build(self, node: Any, loc: Loc, key_mark: Mark | None = None) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Refused(_BOMB, node.start_mark)
        block = isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style
        empty = isinstance(node, yaml.ScalarNode) and node.value == "" and not node.style
        here = (
            key_mark if (key_mark is not None and (block or empty)) else self.mark(node.start_mark)
        )
        self.marks.values[loc] = here
        tag = node.tag
        if (
            tag not in _ALLOWED_TAGS
            and tag != _TIMESTAMP
            and not (tag == _MERGE and isinstance(node, yaml.ScalarNode))
        ):
            self.problem(node.start_mark, loc, f"tags are not allowed (got {_tag_text(tag)})")
            return None
        if isinstance(node, yaml.ScalarNode):
            if tag in (_TIMESTAMP, _MERGE):
                return node.value  # dates stay text; the schema parses and checks them
            return self.loader.yaml_constructors[tag](self.loader, node)
        if id(node) in self.active:
            raise _Refused(
                "an alias refers to itself (recursive structure); refusing", node.start_mark
            )
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(n, (*loc, i)) for i, n in enumerate(node.value)]
            return self.build_mapping(node, loc)
        finally:
            self.active.discard(id(node))

    def build_mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for knode, vnode in node.value:  # "<<: *base" first; keys given explicitly win
            if knode.tag != _MERGE:
                continue
            sources = vnode.value if isinstance(vnode, yaml.SequenceNode) else [vnode]
            for src in sources:
                if not isinstance(src, yaml.MappingNode):
                    self.problem(
                        vnode.start_mark, loc, "'<<' merges a mapping (or a list of mappings)"
                    )
                    continue
                for k, v in self.build_mapping(src, loc).items():
                    out.setdefault(k, v)
        first: dict[Any, int] = {}
        for knode, vnode in node.value:
            if knode.tag == _MERGE:
                continue
            if not isinstance(knode, yaml.ScalarNode):
                self.problem(
                    knode.start_mark, loc, "a key must be a plain value, not a list or mapping"
                )
                continue
            key = self.build(knode, (*loc, "<key>"))
            self.marks.values.pop((*loc, "<key>"), None)
            if isinstance(key, float) and not math.isfinite(key):
                key = knode.value
            sub = (*loc, key)
            if key in first:
                self.problem(
                    knode.start_mark,
                    sub,
                    f"duplicate key '{key}' (first given on line {first[key]})",
                )
                continue
            first[key] = knode.start_mark.line + 1
            if key in out:
                self.marks.drop(sub)
            km = self.mark(knode.start_mark)
            self.marks.keys[sub] = km
            out[key] = self.build(vnode, sub, km)
        return out


def _expanded_size(root: Any) -> int:
    """Nodes in the tree once aliases are expanded, counted without expanding (memoised)."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Any) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise _Refused(
                "an alias refers to itself (recursive structure); refusing", node.start_mark
            )
        n = 1
        if isinstance(node, yaml.SequenceNode):
            active.add(key)
            n += sum(size(c) for c in node.value)
        elif isinstance(node, yaml.MappingNode):
            active.add(key)
            n += sum(size(k) + size(v) for k, v in node.value)
        active.discard(key)
        sizes[key] = min(n, MAX_NODES + 1)
        return sizes[key]

    return size(root)


def parse_yaml(text: str, file: str | None, loc: Loc = ()) -> tuple[Any, MarkIndex, list[Problem]]:
    """Parse YAML text with safe_load semantics; return data, marks and problems (never raises)."""
    marks = MarkIndex()
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, marks, []
            if _expanded_size(node) > MAX_NODES:
                raise _Refused(_BOMB, node.start_mark)
            b = _Builder(loader, file, marks)
            data = b.build(node, loc)
            return data, marks, b.problems
        finally:
            loader.dispose()
    except _Refused as e:
        m = e.mark
        return None, marks, [Problem(e.message, file, m.line + 1, m.column + 1, _dotted(loc))]
    except yaml.MarkedYAMLError as e:
        m = e.problem_mark or e.context_mark
        what = e.problem or "invalid YAML"
        if e.context and e.context_mark is not None and m is not e.context_mark:
            what += f" ({e.context} on line {e.context_mark.line + 1})"
        line, col = (m.line + 1, m.column + 1) if m is not None else (None, None)
        return None, marks, [Problem(f"YAML syntax error: {what}", file, line, col, _dotted(loc))]
    except RecursionError:
        return (
            None,
            marks,
            [Problem("the YAML is nested too deeply", file, None, None, _dotted(loc))],
        )
    except yaml.YAMLError as e:  # ReaderError: control characters and the like
        return None, marks, [Problem(f"YAML error: {e}", file, None, None, _dotted(loc))]


def _read_text(path: Path, display: str, at: Problem | None = None) -> str:
    """The file's text, or ScenarioError with one clear problem naming it."""

    def fail(msg: str) -> ScenarioError:
        if at is not None:
            return ScenarioError(Problem(f"{msg}", at.file, at.line, at.column, at.path))
        return ScenarioError(Problem(msg, display))

    where = f"'{display}'" if at is not None else "the file"
    try:
        if path.is_dir():
            raise fail(f"{where} is a directory, not a scenario file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise fail(
                f"{where} is too large ({size / 1e6:.1f} MB; limit {MAX_FILE_BYTES / 1e6:g} MB)"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise fail(f"{where} does not exist" if at is not None else "no such file") from None
    except PermissionError:
        raise fail(f"cannot read {where}: permission denied") from None
    except OSError as e:
        raise fail(f"cannot read {where}: {e.strerror or e}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ScenarioError(
            Problem(
                f"is not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}); save it as UTF-8",
                display,
                line,
            )
        ) from None


# ----------------------------------------------------------------------------- files and extends


def _load_file(
    path: Path, display: str, chain: list[tuple[Path, str]], at: Problem | None = None
) -> tuple[dict[Any, Any], MarkIndex, list[Problem]]:
    """One file with its bases merged in; ``chain`` holds the files that extend it."""
    text = _read_text(path, display, at)
    data, marks, problems = parse_yaml(text, display)
    if problems and data is None:
        raise ScenarioError(problems)
    if data is None:
        raise ScenarioError(Problem("the file is empty", display, 1, 1))
    if not isinstance(data, dict):
        raise ScenarioError(
            Problem(
                f"the scenario must be a mapping of keys to values (got {_kind(data)})",
                display,
                *(marks.get(()) or Mark(display, 1, 1))[1:],
            )
        )
    return _resolve_extends(
        data, marks, problems, path.parent, display, [*chain, (path.resolve(), display)]
    )


def _resolve_extends(
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
            [*problems, _with(here, f"must be the path of a base scenario (got {_show(ref)})")]
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
        base, base_marks, base_problems = _load_file(
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
    return isinstance(v, dict) and not _is_dist(v)


def _is_dist(v: Any) -> bool:
    """A one-key mapping named after a distribution is one value: it replaces, never merges."""
    return isinstance(v, dict) and len(v) == 1 and next(iter(v)) in _dist_names()


# ----------------------------------------------------------------------------- overrides


def _parse_overrides(
    overrides: Sequence[str] | Mapping[str, Any] | None,
) -> tuple[list[tuple[str, Any]], list[Problem]]:
    if overrides is None:
        return [], []
    if isinstance(overrides, Mapping):
        return [(str(k), copy.deepcopy(v)) for k, v in overrides.items()], []
    if isinstance(overrides, str):
        overrides = [overrides]
    out: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    for item in overrides:
        path, sep, text = str(item).partition("=")
        path = path.strip()
        if not sep or not path:
            problems.append(Problem(f"expected PATH=VALUE (got {_show(item)})", SET_ORIGIN))
            continue
        if text.strip() == "":
            out.append((path, ""))
            continue
        value, _, probs = parse_yaml(text, SET_ORIGIN)
        probs = [Problem(p.message, SET_ORIGIN, None, None, path) for p in probs]
        if probs:
            problems.extend(probs)
            continue
        out.append((path, value))
    return out, problems


def set_path(
    tree: dict[Any, Any],
    dotted_path: str,
    value: Any,
    marks: MarkIndex | None = None,
    origin: str = SET_ORIGIN,
) -> Loc:
    """Set ``value`` at ``dotted_path`` (dict keys, integer list indices) in a raw tree.

    A missing last key is created (validation rejects it if the schema does not
    know it); a missing parent is created only where the schema has a section of
    that name (e.g. ``pressures.sanctions``), otherwise it is an error with a
    did-you-mean. Marks under the path are replaced by ``origin``. Returns the
    location that was set.
    """

    def fail(msg: str) -> ScenarioError:
        return ScenarioError(Problem(msg, origin, None, None, dotted_path))

    parts = dotted_path.split(".")
    if not dotted_path or any(p == "" for p in parts):
        raise fail("not a field path (use dots between keys, e.g. actors.a.patience)")
    node: Any = tree
    loc: list[str | int] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        here = ".".join(parts[:i]) or "the scenario"
        if isinstance(node, list):
            if not re.fullmatch(r"\d+", part):
                raise fail(
                    f"no such path: {here} is a list; use an index 0..{len(node) - 1} (got '{part}')"
                )
            idx = int(part)
            if idx >= len(node):
                raise fail(
                    f"no such path: index {idx} is out of range ({here} has {len(node)} items)"
                )
            key: str | int = idx
        elif isinstance(node, dict):
            key = part
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
        else:
            raise fail(f"no such path: {here} is a single value ({_show(node)}), not a mapping")
        loc.append(key)
        if last:
            node[key] = value
        else:
            node = node[key]
    at: Loc = tuple(loc)
    if marks is not None:
        marks.drop(at)
        m = Mark(origin, None, None)
        marks.values[at] = m
        marks.keys[at] = m
    return at


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


# ----------------------------------------------------------------------------- public


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
        tree, marks, problems = _resolve_extends(data, MarkIndex(), [], Path.cwd(), None, [])
    elif isinstance(source, (str, os.PathLike)):
        display = os.fspath(source)
        tree, marks, problems = _load_file(Path(display), display, [])
    else:
        raise ScenarioError(f"a scenario is a file path or a mapping (got {type(source).__name__})")
    pairs, set_problems = _parse_overrides(overrides)
    problems = [*problems, *set_problems]
    for p, v in pairs:
        try:
            set_path(tree, p, v, marks)
        except ScenarioError as e:
            problems.extend(e.problems)
    _drop_fixed_correlations(tree, marks, {p for p, v in pairs if not _is_dist(v)})
    return tree, marks, problems


def _drop_fixed_correlations(tree: dict[Any, Any], marks: MarkIndex, fixed: set[str]) -> None:
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


def load_scenario(
    path_or_mapping: str | os.PathLike[str] | Mapping[str, Any],
    overrides: Sequence[str] | Mapping[str, Any] | None = None,
) -> Scenario:
    """Load, merge, override and validate a scenario; ScenarioError lists every problem."""
    tree, marks, problems = _load(path_or_mapping, overrides)
    try:
        s = validate_loaded(tree, marks)
    except ScenarioError as e:
        # Values already reported by the YAML layer (a refused tag, a duplicate) are not repeated.
        bad = {p.path for p in problems}
        extra = [
            q for q in e.problems if not any(q.path == b or q.path.startswith(b + ".") for b in bad)
        ]
        raise ScenarioError([*problems, *extra]) from None
    if problems:
        raise ScenarioError(problems)
    return s


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
            message = f"{message} (got {_show(value)})"
        file, line, col = m if m is not None else (None, None, None)
        problems.append(Problem(message, file, line, col, _dotted(loc)))
    raise ScenarioError(problems)


def scenario_to_tree(s: Scenario) -> dict[str, Any]:
    """The scenario as plain JSON/YAML data that loads back to an equal Scenario."""
    tree = s.model_dump(mode="json", by_alias=True, exclude_none=True)
    tree.pop("extends", None)
    return tree


def scenario_sha256(s: Scenario) -> str:
    """SHA-256 of the canonical JSON (sorted keys) of the resolved scenario."""
    text = json.dumps(
        scenario_to_tree(s), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dump_yaml(s: Scenario, summarise: bool = False) -> str:
    """The fully resolved scenario as YAML; ``summarise`` comments each distribution."""
    dists = distributions_by_path(s) if summarise else {}
    lines: list[str] = []
    _emit(scenario_to_tree(s), 0, "", dists, lines)
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- helpers


def _emit(v: Any, indent: int, path: str, dists: dict[str, Any], out: list[str]) -> None:
    pad = " " * indent
    if isinstance(v, dict):
        for k, x in v.items():
            sub = f"{path}.{k}" if path else str(k)
            if _flowable(x):
                out.append(f"{pad}{_scalar(k)}: {_flow(x)}{_comment(sub, dists)}")
            else:
                out.append(f"{pad}{_scalar(k)}:")
                _emit(x, indent + 2, sub, dists, out)
    else:
        for i, x in enumerate(v):
            sub = f"{path}.{i}"
            if _flowable(x):
                out.append(f"{pad}- {_flow(x)}{_comment(sub, dists)}")
            else:
                start = len(out)
                _emit(x, indent + 2, sub, dists, out)
                out[start] = f"{pad}- {out[start][indent + 2 :]}"


# A list of scalars longer than this (as flow text) is written one item a line.
FLOW_WIDTH = 100


def _flowable(x: Any) -> bool:
    if isinstance(x, (dict, list)):
        if not x:
            return True
        if isinstance(x, list):
            scalars = all(not isinstance(i, (dict, list)) for i in x)
            return scalars and len(_flow(x)) <= FLOW_WIDTH
        return len(x) == 1 and next(iter(x)) in _dist_names()
    return True


def _dist_names() -> set[str]:
    from .distributions import DISTRIBUTIONS

    return set(DISTRIBUTIONS)


# libyaml's emitter when PyYAML was built with it (same output, about ten times faster).
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _flow(x: Any) -> str:
    text: str = yaml.dump(
        x,
        Dumper=_DUMPER,
        default_flow_style=True,
        width=1 << 30,
        allow_unicode=True,
        sort_keys=False,
    )
    text = text.strip()
    if text.endswith("\n..."):
        text = text[: -len("\n...")]
    elif text.endswith("..."):
        text = text[:-3].rstrip()
    return text


def _scalar(k: Any) -> str:
    return _flow(k)


def _comment(path: str, dists: dict[str, Any]) -> str:
    d = dists.get(path)
    if d is None:
        return ""
    text: str = d.summary()
    return "  # " + (text.split("~ ", 1)[1] if "~ " in text else text)


def _dotted(loc: Loc) -> str:
    return ".".join(str(p) for p in loc)


def _with(p: Problem, message: str) -> Problem:
    return Problem(message, p.file, p.line, p.column, p.path)


def _kind(v: Any) -> str:
    if isinstance(v, list):
        return "a list"
    if isinstance(v, str):
        return f"the text {_show(v)}"
    return f"the value {_show(v)}"


def _show(v: Any, limit: int = 60) -> str:
    """A value, compactly: repr of scalars, JSON-ish for containers, at most ``limit`` chars."""
    if isinstance(v, (dt.date, dt.datetime)):
        text = v.isoformat()
    elif isinstance(v, (dict, list, tuple)):
        try:
            text = json.dumps(v, ensure_ascii=False, default=str, separators=(", ", ": "))
        except (TypeError, ValueError):
            text = repr(v)
    else:
        text = repr(v)
    return text if len(text) <= limit else text[: limit - 3] + "..."
