"""Safe YAML parsing that remembers where every value came from (file, line, column).

Only plain YAML is accepted: no tags, at most MAX_ALIASES aliases, MAX_NODES nodes once
aliases are expanded, files up to MAX_FILE_BYTES (guards against hostile input).
YAML 1.2 booleans and floats: ``on`` is a key, ``1e-3`` a number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from ..errors import Problem, ScenarioError
from .messages import Loc, dotted

__all__ = ["MAX_FILE_BYTES", "Mark", "MarkIndex", "parse_yaml", "read_text"]

# Refuse inputs that are not plausibly a hand-written scenario (DoS guards).
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 100_000  # nodes in the tree after expanding aliases
MAX_ALIASES = 1_000

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
        self.problems.append(Problem(message, self.file, m.line + 1, m.column + 1, dotted(loc)))

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
        return None, marks, [Problem(e.message, file, m.line + 1, m.column + 1, dotted(loc))]
    except yaml.MarkedYAMLError as e:
        m = e.problem_mark or e.context_mark
        what = e.problem or "invalid YAML"
        if e.context and e.context_mark is not None and m is not e.context_mark:
            what += f" ({e.context} on line {e.context_mark.line + 1})"
        line, col = (m.line + 1, m.column + 1) if m is not None else (None, None)
        return None, marks, [Problem(f"YAML syntax error: {what}", file, line, col, dotted(loc))]
    except RecursionError:
        return (
            None,
            marks,
            [Problem("the YAML is nested too deeply", file, None, None, dotted(loc))],
        )
    except yaml.YAMLError as e:  # ReaderError: control characters and the like
        return None, marks, [Problem(f"YAML error: {e}", file, None, None, dotted(loc))]


def read_text(path: Path, display: str, at: Problem | None = None) -> str:
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
