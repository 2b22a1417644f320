"""Safe YAML parsing that remembers where every value came from (file, line, column).

Only plain YAML is accepted: no tags, at most MAX_ALIASES aliases, MAX_WRITTEN_NODES nodes
as written and MAX_NODES once aliases are expanded, MAX_DEPTH levels of nesting, files up to
MAX_FILE_BYTES (guards against hostile input; each refusal says which limit and where).
YAML 1.2 booleans and floats: ``on`` is a key, ``1e-3`` a number.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterator
from typing import Any, NamedTuple

import yaml

from ...errors import Problem
from .messages import Loc, dotted
from .readfile import MAX_FILE_BYTES as MAX_FILE_BYTES
from .readfile import read_text as read_text
from .yamlfast import c_loader, fast_node

__all__ = ["MAX_FILE_BYTES", "Mark", "MarkIndex", "parse_yaml", "read_text"]

# Refuse inputs that are not plausibly a hand-written scenario (DoS guards; the file size
# limit, MAX_FILE_BYTES, is enforced by readfile.read_text while it reads).
MAX_NODES = 100_000  # nodes in the tree after expanding aliases
MAX_WRITTEN_NODES = 20_000  # nodes as written (the baseline scenario has under 1,000)
MAX_ALIASES = 1_000
MAX_DEPTH = 64  # levels of nested mappings and lists (a scenario needs fewer than 10)

_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {f"{_CORE}{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")}
_TIMESTAMP = f"{_CORE}timestamp"
_MERGE = f"{_CORE}merge"
_BOMB = "alias expansion too large (billion-laughs style); refusing"
_TOO_MANY = (
    f"the file holds more than {MAX_WRITTEN_NODES:,} YAML values; a scenario has a few hundred "
    "(is this the right file?)"
)
_TOO_DEEP = f"the YAML is nested more than {MAX_DEPTH} levels deep; refusing"


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
    node_count = 0  # nodes as written: a huge plain file stops here, early and fast
    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise _Refused(_BOMB, event.start_mark)
        self.node_count += 1
        if self.node_count > MAX_WRITTEN_NODES:
            raise _Refused(_TOO_MANY, self.peek_event().start_mark)  # type: ignore[no-untyped-call]
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Refused(_TOO_DEEP, self.peek_event().start_mark)  # type: ignore[no-untyped-call]
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Refused(Exception):
    def __init__(self, message: str, mark: Any):
        super().__init__(message)
        self.message, self.mark = message, mark


# YAML 1.2 (core schema) booleans, integers and floats, not PyYAML's YAML 1.1: "on" and "yes"
# are text, and so are "1:30" (1.1: base 60, 90), "1_000" (1.1: 1000), "0b11" and "010"
# (1.1: octal 8; 1.2: decimal 10); the schema then refuses text where a number belongs.
_BOOL_12 = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT_12 = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_12 = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_NUMBER_TAGS = {f"{_CORE}{t}" for t in ("bool", "int", "float")}
_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag not in _NUMBER_TAGS]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(f"{_CORE}bool", _BOOL_12, list("tTfF"))
_Loader.add_implicit_resolver(f"{_CORE}int", _INT_12, list("-+0123456789"))  # before float
_Loader.add_implicit_resolver(f"{_CORE}float", _FLOAT_12, list("-+0123456789."))


# libyaml composes the same nodes about twenty times as fast, when the text is ordinary
# (sim/model/scenario/yamlfast.py); anything else is composed by the Python loader above.
_CLoader = c_loader(_Loader.yaml_implicit_resolvers)


def _fast_node(text: str) -> Any:
    """The node graph of ``text`` composed by libyaml, or None (the Python loader composes it)."""
    return fast_node(text, _CLoader, (MAX_DEPTH, MAX_WRITTEN_NODES, MAX_ALIASES))


def _number_12(tag: str, text: str) -> bool | int | float:
    """A YAML 1.2 boolean, integer or float (tagged implicitly or with !!bool, !!int,
    !!float); ValueError for any other text (YAML 1.1's forms among them)."""
    kind = tag[len(_CORE) :]
    if kind == "bool" and _BOOL_12.match(text):
        return text.lower() == "true"
    if kind in ("int", "float") and _INT_12.match(text):
        body = text.lower()
        if body.startswith(("0o", "0x")):
            n = int(body[2:], 8 if body[1] == "o" else 16)
        else:
            n = int(text, 10)
        if abs(n) > sys.float_info.max:  # no number field can hold it, and float() fails
            raise ValueError(f"a number of {len(text):,} digits is beyond every limit")
        return n if kind == "int" else float(n)
    if kind == "float" and _FLOAT_12.match(text):
        return _float_12(text)
    expected = {"bool": "true or false", "int": "an integer", "float": "a number"}[kind]
    raise ValueError(f"expected {expected} as YAML 1.2 writes it (got {text!r})")


def _float_12(text: str) -> float:
    """A YAML 1.2 float's value (.inf, -.inf, .nan spelled YAML's way)."""
    low = text.lower()
    if low.endswith(".inf"):
        return -math.inf if low.startswith("-") else math.inf
    if low == ".nan":
        return math.nan
    return float(text)


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
        if len(loc) > MAX_DEPTH:  # aliases nested in aliases can reach deeper than the text
            raise _Refused(_TOO_DEEP, node.start_mark)
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
            if tag in _NUMBER_TAGS:
                try:
                    return _number_12(tag, node.value)
                except ValueError as e:
                    self.problem(node.start_mark, loc, str(e))
                    return None
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
            node = _fast_node(text)
            if node is None:
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
    except RecursionError:  # not expected after the depth limits; still one located line
        return None, marks, [Problem(_TOO_DEEP, file, 1, 1, dotted(loc))]
    except yaml.reader.ReaderError as e:  # a control character such as NUL
        before = text[: e.position]
        line, col = before.count("\n") + 1, e.position - (before.rfind("\n") + 1) + 1
        what = f"character #x{e.character:04x}" if isinstance(e.character, int) else "byte"
        message = f"YAML error: unacceptable {what} ({e.reason}); remove it"
        return None, marks, [Problem(message, file, line, col, dotted(loc))]
    except yaml.YAMLError as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        return None, marks, [Problem(f"YAML error: {first}", file, 1, 1, dotted(loc))]
