"""Validation errors as the user reads them: a table from pydantic error type to message, clean locations.

A problem is ``(location, message, value)``: the location is a tuple of keys and
indices into the scenario tree; ``OMIT`` stands for a value not worth showing.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Iterable
from typing import Any, Union, get_args

from .distributions import DISTRIBUTIONS
from .spec import ID_PATTERN, UnknownKey

__all__ = [
    "MESSAGES",
    "OMIT",
    "Loc",
    "RawProblem",
    "did_you_mean",
    "dotted",
    "merge_union",
    "omitted",
    "show",
    "translate",
]

Loc = tuple[Union[str, int], ...]  # noqa: UP007
RawProblem = tuple[Loc, str, Any]


class _OmitType:
    def __repr__(self) -> str:
        return "<omit>"


OMIT: Any = _OmitType()


def omitted(v: Any) -> bool:
    """True where a problem has no meaningful value to show."""
    return v is OMIT


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` with the closest of ``choices``, or "" when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def dotted(loc: Loc) -> str:
    """A location as the dotted field path users write: ``actors.russia.patience``."""
    return ".".join(str(p) for p in loc)


def show(v: Any, limit: int = 60) -> str:
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


# Messages by error type: pydantic's, or one of the kinds _refine tells apart. The {fields}
# come from the error's ctx and from _refine; an error whose template needs a field it
# does not have keeps pydantic's own message (see _pydantic_text).
MESSAGES: dict[str, str] = {
    "unknown_key": "unknown key '{key}'{hint}",
    "extra_forbidden": "unknown key",
    "missing": "required key is missing",
    "missing_item": "needs more than {count} value(s)",
    "union_tag_not_found": "an actor needs 'role': belligerent, mediator or patron",
    "union_tag_invalid": "unknown role {role!r} (use belligerent, mediator or patron)",
    "finite_number": "must be a finite number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "int_type": "expected an integer",
    "int_parsing": "expected an integer",
    "int_from_float": "expected an integer",
    "date": "not a valid date{detail}; use YYYY-MM-DD",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": "expected text (a string)",
    "dict_type": "expected a mapping (key: value)",
    "model_type": "expected a mapping (key: value)",
    "model_attributes_type": "expected a mapping (key: value)",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "identifier": "must be an identifier: a letter or _ then letters, digits or _",
    "greater_than": "must be > {gt}",
    "greater_than_equal": "must be >= {ge}",
    "less_than": "must be < {lt}",
    "less_than_equal": "must be <= {le}",
    "too_short": "needs at least {min_length} item(s)",
    "too_long": "takes at most {max_length} item(s)",
}

# Messages about a key rather than its value: the value is not shown after them.
ABOUT_A_KEY = frozenset(
    {"unknown_key", "extra_forbidden", "missing", "union_tag_not_found", "union_tag_invalid"}
)


def translate(err: dict[str, Any], tree: Any) -> tuple[Loc, str, Any]:
    """One pydantic error (``ValidationError.errors()`` item) as (location, message, value)."""
    loc = clean_loc(tuple(err["loc"]), tree)
    typ, msg, value = err["type"], err["msg"], err.get("input")
    ctx = err.get("ctx") or {}
    if not isinstance(value, UnknownKey):
        arity = _arity(loc, typ, value)
        if arity is not None:
            return arity
    kind, loc, extra = _refine(typ, loc, value, msg, ctx)
    template = MESSAGES.get(kind)
    if template is not None:
        try:
            text = template.format(**{**ctx, **extra})
        except KeyError:
            pass
        else:
            return loc, text + yaml11_hint(value), OMIT if kind in ABOUT_A_KEY else value
    return loc, _pydantic_text(msg) + yaml11_hint(value), value


_YAML11_NUMBER = re.compile(
    r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?$"
)


def yaml11_hint(value: Any) -> str:
    """For text that YAML 1.1 read as a number (base 60 "1:30", "1_000"): why it is text."""
    if not isinstance(value, str) or not _YAML11_NUMBER.match(value):
        return ""
    if ":" not in value and "_" not in value:
        return ""
    return (
        " (scenarios are YAML 1.2: no base-60 numbers such as 1:30 and no '_' in numbers; "
        "write the number in full, e.g. 90 or 1000)"
    )


def _refine(
    typ: str, loc: Loc, value: Any, msg: str, ctx: dict[str, Any]
) -> tuple[str, Loc, dict[str, Any]]:
    """The MESSAGES key of an error, where it points, and the fields it adds to the ctx:
    a few pydantic types read differently by what they are about."""
    if isinstance(value, UnknownKey):
        hint = f" (did you mean '{value.suggestion}'?)" if value.suggestion else ""
        return "unknown_key", loc, {"key": value.key, "hint": hint}
    if typ == "missing" and loc and isinstance(loc[-1], int):  # a list or tuple too short
        return "missing_item", loc[:-1], {"count": loc[-1]}
    if typ == "union_tag_invalid" and isinstance(value, dict):
        return typ, loc, {"role": value.get("role")}
    if typ.startswith("date"):  # date_* and datetime_*
        detail = msg.split(", ", 1)[1] if ", " in msg else ""
        return "date", loc, {"detail": f" ({detail})" if detail else ""}
    if typ == "string_pattern_mismatch" and ctx.get("pattern") == ID_PATTERN:
        return "identifier", loc, {}
    return typ, loc, {}


def _pydantic_text(msg: str) -> str:
    """Pydantic's own message, in our wording."""
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return msg.replace("{{", "{").replace("}}", "}").replace("Input should be", "must be")


# Pydantic names union members in error locations ("date", "constrained-int",
# "function-after[...]", a distribution or role tag); they are not keys of the tree.
_TYPE_TAG = re.compile(
    r"^(?:date|datetime|int|float|bool|str|none|number|constrained-[a-z]+|[a-z-]+\[.*\])$"
)
_ROLES = ("belligerent", "mediator", "patron")


def clean_loc(loc: Loc, tree: Any) -> Loc:
    """Drop union/discriminator tags from a pydantic location by walking the raw tree."""
    out: list[str | int] = []
    node: Any = tree
    present = True
    for p in loc:
        if present and isinstance(node, dict) and p in node:
            out.append(p)
            node = node[p]
            continue
        if present and isinstance(node, list) and isinstance(p, int) and 0 <= p < len(node):
            out.append(p)
            node = node[p]
            continue
        if isinstance(p, str) and (_TYPE_TAG.match(p) or p in DISTRIBUTIONS or p in _ROLES):
            continue
        out.append(p)  # a missing key or index: the path ends here
        present = False
    return tuple(out)


def _arity(loc: Loc, typ: str, value: Any) -> tuple[Loc, str, Any] | None:
    """A distribution given the wrong number of parameters, as one clear rule."""
    if typ not in ("missing", "too_short", "too_long", "tuple_type"):
        return None
    for i in range(len(loc) - 1, -1, -1):
        name = loc[i]
        if isinstance(name, str) and name in DISTRIBUTIONS and name != "choice":
            field = DISTRIBUTIONS[name].model_fields[name]
            n = len(get_args(field.annotation))
            if n == 0:
                return None
            return loc[:i], f"{name} takes {n} parameters {field.description}", value
    return None


def merge_union(probs: list[tuple[Loc, str, Any, str]]) -> list[RawProblem]:
    """One problem per location: a union (date or days) reports each member; keep the one meant."""
    by_loc: dict[Loc, list[tuple[str, Any, str]]] = {}
    for loc, msg, v, typ in probs:
        group = by_loc.setdefault(loc, [])
        if all(m != msg for m, _, _ in group):
            group.append((msg, v, typ))
    out: list[RawProblem] = []
    for loc, group in by_loc.items():
        if len(group) > 1:
            dates = [g for g in group if g[2].startswith("date")]
            if dates and isinstance(dates[0][1], str):
                group = dates[:1]
            elif all(g[2] != "missing" for g in group) and len({repr(g[1]) for g in group}) == 1:
                group = [(" or ".join(g[0] for g in group), group[0][1], group[0][2])]
        out.extend((loc, m, v) for m, v, _ in group)
    return out
