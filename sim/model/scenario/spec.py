"""Building blocks of the scenario models: the frozen Spec base, identifiers, ranged numbers, effects.

Every scenario model derives from :class:`Spec`; a number field is a value or a
distribution whose range rule (``Prob``, ``NonNeg``, ...) travels with its type.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ...io.limits import MAX_HORIZON_DAYS
from ...io.terminal import escape_controls, is_control, visible
from .distributions import Dist, Finite, num_union, support_of

__all__ = [
    "ID_PATTERN",
    "AtLeast1",
    "Days",
    "Effect",
    "Flag",
    "Id",
    "Label",
    "Name",
    "NonNeg",
    "Num",
    "Patience",
    "Pos",
    "Prob",
    "Signed1",
    "Spec",
    "Text",
    "UnknownKey",
    "Whole",
    "parse_effect",
    "whole_number",
]

ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


def _no_controls(v: str, allowed: str = "") -> str:
    """Refuse C0/C1 control characters (but those ``allowed``): a terminal would obey them
    when the text is printed (they are escaped there too, sim.terminal)."""
    bad = next((i for i, c in enumerate(v) if is_control(c) and c not in allowed), None)
    if bad is not None:
        shown = escape_controls(v[bad]) if v[bad] not in "\n\t" else repr(v[bad])[1:-1]
        raise PydanticCustomError(
            "control",
            "must not hold control characters (found '{ch}' at character {at})",
            {"ch": shown, "at": bad + 1},
        )
    return v


def _prose(v: str) -> str:
    return _no_controls(v, allowed="\n\t")


def _not_blank(v: str) -> str:
    _no_controls(v)
    if not v.strip():
        raise PydanticCustomError("blank", "must not be empty or only spaces")
    if not visible(v):
        raise PydanticCustomError(
            "blank", "must hold visible text (not only spaces, zero-width or format characters)"
        )
    return v


# A description or source: prose whose lines may break (YAML block scalars end in "\n").
Text = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_prose)]
Name = Annotated[str, AfterValidator(_not_blank)]  # a display name: some visible text, one line
Label = Annotated[str, AfterValidator(_no_controls)]  # a unit or an end's label: one line


def whole_number(v: Any) -> Any:
    """A whole number as written: an int or an integral float, never true or "7"."""
    if isinstance(v, (bool, str)):  # true is not 1, "7" is not 7 (7.0 is)
        raise PydanticCustomError("int_type", "expected an integer")
    return v


# true or false as written: never "true", "yes" or 1 (pydantic would coerce them)
Flag = Annotated[bool, Strict()]
Whole = Annotated[int, BeforeValidator(whole_number)]  # an int, or a float that is one (1e4)
Id = Annotated[str, Field(pattern=ID_PATTERN)]
_NUM = num_union()


class UnknownKey:
    """Stands in for the value of an unknown key so the error can carry a suggestion."""

    def __init__(self, key: str, value: Any, suggestion: str | None):
        self.key, self.value, self.suggestion = key, value, suggestion

    def __repr__(self) -> str:
        return repr(self.value)


class Spec(BaseModel):
    """Base of every scenario model: frozen, no unknown keys (with a 'did you mean')."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _mark_unknown(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        known: set[str] = set()
        for name, f in cls.model_fields.items():
            known.add(name)
            if f.alias:
                known.add(f.alias)
        out = {}
        for k, v in data.items():
            if isinstance(k, str) and k not in known:
                close = difflib.get_close_matches(k, sorted(known), n=1, cutoff=0.6)
                out[k] = UnknownKey(k, v, close[0] if close else None)
            else:
                out[k] = v
        return out


def _bounds(lo: float | None, hi: float | None, lo_open: bool, hi_open: bool) -> Any:
    def rule() -> str:
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        a = "-inf" if lo is None else f"{lo:g}"
        b = "inf" if hi is None else f"{hi:g}"
        if hi is None:
            return f"must be {'>' if lo_open else '>='} {a}"
        if lo is None:
            return f"must be {'<' if hi_open else '<='} {b}"
        return f"must be in {left}{a}, {b}{right}"

    def check(v: float | Dist) -> float | Dist:
        s_lo, s_hi = support_of(v)
        if isinstance(v, Dist):
            # A distribution's support must lie inside the closed range of the field.
            if (lo is not None and s_lo < lo) or (hi is not None and s_hi > hi):
                bounded = math.isfinite(s_lo) and math.isfinite(s_hi)
                fix = (
                    "narrow its range"
                    if bounded
                    else "use a bounded one such as truncnormal, beta, uniform or pert"
                )
                raise PydanticCustomError(
                    "out_of_range",
                    "{rule}, but {dist} can fall outside (support [{slo}, {shi}]); {fix}",
                    {
                        "rule": rule(),
                        "dist": v.name,
                        "slo": f"{s_lo:g}",
                        "shi": f"{s_hi:g}",
                        "fix": fix,
                    },
                )
            return v
        x = float(v)
        bad = (lo is not None and (x < lo or (lo_open and x == lo))) or (
            hi is not None and (x > hi or (hi_open and x == hi))
        )
        if bad:
            raise PydanticCustomError("out_of_range", "{rule}", {"rule": rule()})
        return v

    return AfterValidator(check)


# Typed number aliases: value or distribution, with the range rule attached.
if TYPE_CHECKING:  # what the fields hold, for the type checker
    Num = float | Dist
    Prob = Num
    NonNeg = Num
    Pos = Num
    Patience = Num
    Signed1 = Num
    AtLeast1 = Num
    Days = Num
else:
    Num = _NUM
    Prob = Annotated[_NUM, _bounds(0, 1, False, False)]
    NonNeg = Annotated[_NUM, _bounds(0, None, False, False)]
    Pos = Annotated[_NUM, _bounds(0, None, True, False)]
    Patience = Annotated[_NUM, _bounds(0, 1, False, True)]
    Signed1 = Annotated[_NUM, _bounds(-1, 1, False, False)]
    AtLeast1 = Annotated[_NUM, _bounds(1, None, False, False)]
    # a span of days: none acts past the longest horizon (and dates stay in the calendar)
    Days = Annotated[_NUM, _bounds(0, MAX_HORIZON_DAYS, False, False)]


# ----------------------------------------------------------------------------- effects


def _effect_in_range(v: float | str) -> float | str:
    """A change whose number is finite and within ±MAX_MAGNITUDE, like every scenario number
    ("*1e309" reads as an infinite factor; "*1e3e3" as no number at all)."""
    from ...io.limits import MAX_MAGNITUDE

    try:
        _, x = _split_effect(v)
    except ValueError:
        raise PydanticCustomError(
            "effect", 'expected a number or "+x", "-x", "*x" with x a number'
        ) from None
    if not abs(x) <= MAX_MAGNITUDE:
        raise PydanticCustomError(
            "number_range",
            "the number of a change must be finite and within ±{limit} (the largest magnitude "
            "a scenario number may take)",
            {"limit": f"{MAX_MAGNITUDE:g}"},
        )
    return v


Effect = Annotated[
    Union[Finite, Annotated[str, Field(pattern=r"^[+\-*]\s*[0-9.eE+\-]+$")]],  # noqa: UP007
    AfterValidator(_effect_in_range),
    Field(description='new value, or a change: "+x", "-x" or "*x"'),
]


def _split_effect(v: float | str) -> tuple[str, float]:
    """(op, x) of an effect value; ValueError where x is no number."""
    if isinstance(v, (int, float)):
        return "=", float(v)
    m = re.match(r"^([+\-*])\s*(.+)$", v.strip())
    if m is None:
        raise ValueError(f"not an effect: {v!r}")
    return m.group(1), float(m.group(2))


def parse_effect(v: float | str) -> tuple[str, float]:
    """An effect value as (op, x): op is '=', '+', '-' or '*' (the schema checked x is a
    finite number within ±MAX_MAGNITUDE)."""
    op, x = _split_effect(v)
    if not math.isfinite(x):
        raise ValueError(f"non-finite effect {v!r}")
    return op, x
