"""The scenario language: frozen pydantic models, field rules and cross-reference checks.

A scenario mapping (already merged and overridden by the loader) becomes a
:class:`Scenario` through :func:`validate_tree`, which returns every problem it
finds as ``(location, message, value)`` so the loader can point at file and line.
Specs only hold values; the engine turns them into arrays and strategies.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .distributions import Dist, Finite, describe, num_union, support_of

ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
Text = Annotated[str, StringConstraints(strip_whitespace=True)]  # YAML block scalars end in "\n"
Id = Annotated[str, Field(pattern=ID_PATTERN)]
_NUM = num_union()


class _UnknownKey:
    """Stands in for the value of an unknown key so the error can carry a suggestion."""

    def __init__(self, key: str, value: Any, suggestion: str | None):
        self.key, self.value, self.suggestion = key, value, suggestion

    def __repr__(self) -> str:
        return repr(self.value)


class Spec(BaseModel):
    """Base of every scenario model: frozen, no unknown keys (with a 'did you mean')."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

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
                out[k] = _UnknownKey(k, v, close[0] if close else None)
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
                raise PydanticCustomError(
                    "out_of_range",
                    "{rule}, but {dist} can fall outside (support [{slo}, {shi}]); "
                    "use a bounded one such as truncnormal, beta, uniform or pert",
                    {"rule": rule(), "dist": v.name, "slo": f"{s_lo:g}", "shi": f"{s_hi:g}"},
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
else:
    Num = _NUM
    Prob = Annotated[_NUM, _bounds(0, 1, False, False)]
    NonNeg = Annotated[_NUM, _bounds(0, None, False, False)]
    Pos = Annotated[_NUM, _bounds(0, None, True, False)]
    Patience = Annotated[_NUM, _bounds(0, 1, False, True)]
    Signed1 = Annotated[_NUM, _bounds(-1, 1, False, False)]

Effect = Annotated[
    Union[Finite, Annotated[str, Field(pattern=r"^[+\-*]\s*[0-9.eE+\-]+$")]],  # noqa: UP007
    Field(description='new value, or a change: "+x", "-x" or "*x"'),
]


# ----------------------------------------------------------------------------- issues


class Issue(Spec):
    description: Text = ""
    unit: str = ""
    range: tuple[Finite, Finite] = Field(description="[lo, hi] in real units, lo < hi")
    ends: tuple[str, str] | None = Field(
        default=None, description="labels of the lo and hi ends (default: the numbers)"
    )
    status_quo: Finite | Literal["front_line"] | None = Field(
        default=None,
        description="current value in real units, or front_line: the battlefield moves it",
    )

    @model_validator(mode="after")
    def _check(self) -> Issue:
        lo, hi = self.range
        if not lo < hi:
            raise PydanticCustomError(
                "range", "range needs lo < hi (got [{lo}, {hi}])", {"lo": lo, "hi": hi}
            )
        if isinstance(self.status_quo, float) and not lo <= self.status_quo <= hi:
            raise PydanticCustomError(
                "range",
                "status_quo {v:g} is outside the issue's range [{lo:g}, {hi:g}]",
                {"v": self.status_quo, "lo": lo, "hi": hi},
            )
        return self

    def label(self, end: int) -> str:
        if self.ends is not None:
            return self.ends[end]
        return f"{self.range[end]:g}"


# ----------------------------------------------------------------------------- actors


class RedLine(Spec):
    issue: Id
    above: Finite | None = Field(default=None, description="violated if the terms exceed this")
    below: Finite | None = Field(default=None, description="violated if the terms fall below this")
    penalty: NonNeg = Field(
        default=1.0, description="utility lost when violated (times audience cost and support)"
    )

    @model_validator(mode="after")
    def _one_side(self) -> RedLine:
        if (self.above is None) == (self.below is None):
            raise PydanticCustomError(
                "red_line", "a red line needs exactly one of 'above' or 'below'"
            )
        return self


class Stalling(Spec):
    prior: Prob = Field(description="probability that this side is a stalling type")
    weeks: NonNeg = Field(description="length of the regroup window from the start, in weeks")
    premium: NonNeg = Field(description="utility a staller adds to its war value while regrouping")


class Belligerent(Spec):
    role: Literal["belligerent"]
    name: str | None = Field(default=None, description="display name (default: the id)")
    side: Literal["A", "B"]
    ideal: dict[Id, Num] = Field(description="ideal point per issue, real units")
    salience: dict[Id, NonNeg] = Field(description="weight per issue; normalised to sum 1")
    capability: Pos = Field(default=1.0, description="military capability, arbitrary units")
    economy: Pos = Field(default=1.0, description="economic index, 1 = pre-war level")
    support: Prob = Field(default=0.5, description="domestic support for the war effort, 0..1")
    patience: Patience = Field(
        default=0.98, description="discount factor per round, 0 <= delta < 1"
    )
    risk: Pos = Field(default=1.0, description="utility curvature r: U = 1 - |x - y|^r")
    optimism: Signed1 = Field(default=0.0, description="bias of its belief that it prevails")
    audience_cost: NonNeg = Field(
        default=0.0, description="weight of red lines and public reference"
    )
    cost: NonNeg = Field(
        default=0.002, description="utility lost per round of fighting at intensity 1"
    )
    reference: dict[Id, Finite] = Field(
        default_factory=dict,
        description="terms the public expects (real units); shortfall is penalised",
    )
    red_lines: list[RedLine] = Field(default_factory=list)
    stalling: Stalling | None = None


class Threat(Spec):
    name: str
    against: Id = Field(
        description="an actor id, or 'obstructer': whoever rejects what the other accepted"
    )
    trigger: Literal["obstruction", "deadline"] = "obstruction"
    deadline: dt.date | None = Field(default=None, description="date for trigger: deadline")
    effect: dict[str, Effect] = Field(description="state changes when carried out")
    credibility: Prob = Field(
        default=1.0, description="probability it is carried out when triggered"
    )
    delay_days: NonNeg = Field(default=0.0, description="days between trigger and effect")
    cost: NonNeg = Field(
        default=0.0, description="utility the target expects to lose if it is carried out"
    )
    after: int = Field(
        default=1,
        ge=1,
        description="trigger: obstruction only: the target's obstruction that sets it off (1 = the first)",
    )

    @model_validator(mode="after")
    def _deadline(self) -> Threat:
        if self.trigger == "deadline" and self.deadline is None:
            raise PydanticCustomError("threat", "trigger: deadline needs a 'deadline' date")
        if self.trigger == "obstruction" and self.deadline is not None:
            raise PydanticCustomError("threat", "'deadline' is only for trigger: deadline")
        return self


class Mediator(Spec):
    role: Literal["mediator"]
    name: str | None = None
    proposes: Literal["nash", "split", "none"] = "nash"
    weights: dict[Id, Pos] = Field(
        default_factory=dict, description="bargaining weight per belligerent (default 1)"
    )
    noise: NonNeg = Field(
        default=0.0, description="sd of its error on each side's war value, utility"
    )
    engaged: bool = True
    threats: list[Threat] = Field(default_factory=list)


class Patron(Spec):
    role: Literal["patron"]
    name: str | None = None
    supports: Id
    aid: NonNeg = Field(default=0.0, description="capability added per round")
    reliability: Prob = Field(default=1.0, description="probability the aid arrives in a round")


Actor = Annotated[Union[Belligerent, Mediator, Patron], Field(discriminator="role")]  # noqa: UP007


# ----------------------------------------------------------------------------- pressures


class Battlefield(Spec):
    control: Num | None = Field(
        default=None, description="front line at the start, real units of the front_line issue"
    )
    decisiveness: Pos = Field(default=1.0, description="m in p = K_B^m / (K_A^m + K_B^m)")
    drift: NonNeg = Field(
        default=0.01,
        description="alpha: share of the issue range moved per round per unit of (p - balance)",
    )
    balance: Prob = Field(default=0.5, description="p-bar: p at which the front does not move")
    volatility: NonNeg = Field(
        default=0.005, description="s: scale of the per-round front-line noise, share of range"
    )
    tail: Pos = Field(default=4.0, description="nu: Student-t degrees of freedom of the noise")
    intensity: NonNeg = Field(default=1.0, description="I: intensity of fighting, 1 = current")
    attrition: dict[Id, Prob] = Field(
        default_factory=dict, description="share of capability lost per round at intensity 1"
    )
    regeneration: dict[Id, NonNeg] = Field(
        default_factory=dict, description="capability rebuilt per round per unit of economy"
    )


class SanctionStep(Spec):
    on: dt.date
    level: Prob


class Sanctions(Spec):
    target: Id
    level: Prob = Field(default=0.0, description="sigma at the start, 0..1")
    bite: NonNeg = Field(
        default=0.0, description="share of the target's economy lost per round at sigma = 1"
    )
    cost: NonNeg = Field(default=0.0, description="utility per round the target loses at sigma = 1")
    schedule: list[SanctionStep] = Field(default_factory=list)
    relief_issue: Id | None = Field(
        default=None, description="issue whose agreed value lifts sanctions"
    )


class Election(Spec):
    on: dt.date
    base: Num = Field(default=-2.0, description="theta0: log-odds of replacement at support 0")
    slope: NonNeg = Field(default=4.0, description="theta1: fall in log-odds per unit of support")
    shift: dict[Id, Finite] = Field(
        default_factory=dict, description="move of the ideal point if replaced, real units"
    )


class Domestic(Spec):
    reversion: Prob = Field(
        default=0.05, description="share of the gap to the starting support closed per round"
    )
    casualty_sensitivity: NonNeg = Field(
        default=0.0, description="support lost per round at intensity 1"
    )
    cost_sensitivity: NonNeg = Field(
        default=0.0,
        description="support lost per unit of the per-round war cost C_i (economy, sanctions)",
    )
    elections: list[Election] = Field(default_factory=list)


class Learning(Spec):
    rate: Prob = Field(
        default=0.05, description="kappa: share of optimism lost per round of fighting"
    )
    noise: NonNeg = Field(default=0.0, description="sd of the per-round change in optimism")


class Pressures(Spec):
    battlefield: Battlefield | None = None
    sanctions: Sanctions | None = None
    domestic: dict[Id, Domestic] = Field(default_factory=dict)
    learning: Learning = Field(default_factory=Learning)


# ----------------------------------------------------------------------------- negotiation


class Negotiation(Spec):
    talks_open: bool | dt.date = Field(
        default=True, description="true (from the start), false, or the date talks open"
    )
    every_days: int = Field(default=7, gt=0, description="days between negotiation sessions")
    rationality: Pos = Field(
        default=50.0, description="lambda of the quantal response (large = rational)"
    )
    candidates: int = Field(
        default=128, ge=2, le=65536, description="quasi-random candidate agreements (power of two)"
    )
    collapse: Prob = Field(default=0.0, description="probability per session that talks collapse")
    direct: Prob = Field(
        default=0.0,
        description="probability that the belligerents bargain directly in a session no mediator "
        "leads: one side, drawn at random, makes a take-it-or-leave-it offer",
    )
    reopen: Prob = Field(
        default=0.0, description="probability per round that collapsed talks reopen"
    )

    @model_validator(mode="after")
    def _pow2(self) -> Negotiation:
        c = self.candidates
        if c & (c - 1):
            lo = 1 << (c.bit_length() - 1)
            raise PydanticCustomError(
                "candidates",
                "candidates must be a power of two (got {c}; nearest {lo} or {hi})",
                {"c": c, "lo": lo, "hi": lo * 2},
            )
        return self


class Proposal(Spec):
    name: str
    by: Id
    on: dt.date | None = None
    every_days: int | None = Field(default=None, gt=0)
    from_: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None
    terms: dict[Id, Finite | Literal["status_quo"]] | None = None
    truce_days: int | None = Field(default=None, gt=0)
    reward: dict[Id, NonNeg] = Field(
        default_factory=dict, description="utility a side gains by accepting (truces)"
    )

    @model_validator(mode="after")
    def _shape(self) -> Proposal:
        if (self.on is None) == (self.every_days is None):
            raise PydanticCustomError(
                "proposal", "a proposal needs exactly one of 'on' or 'every_days'"
            )
        if (self.terms is None) == (self.truce_days is None):
            raise PydanticCustomError(
                "proposal", "a proposal needs exactly one of 'terms' or 'truce_days'"
            )
        if self.on is not None and (self.from_ is not None or self.until is not None):
            raise PydanticCustomError(
                "proposal", "'from' and 'until' go with 'every_days', not 'on'"
            )
        return self


class Event(Spec):
    name: str
    on: dt.date | None = None
    rate_per_year: NonNeg | None = None
    from_: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None
    effect: dict[str, Effect]

    @model_validator(mode="after")
    def _shape(self) -> Event:
        if (self.on is None) == (self.rate_per_year is None):
            raise PydanticCustomError(
                "event", "an event needs exactly one of 'on' or 'rate_per_year'"
            )
        return self


class Durability(Spec):
    base_hazard_per_year: NonNeg = Field(
        default=0.3, description="h0: breakdowns per year of a ceasefire nobody resents"
    )
    dissatisfaction: NonNeg = Field(
        default=5.0, description="gamma1: log-hazard per unit of max(W - V)"
    )
    guarantees: dict[Id, NonNeg] = Field(
        default_factory=dict,
        description="log-hazard reduction per unit of the issue (scaled 0..1) in the agreed terms",
    )


class Correlation(Spec):
    between: tuple[str, str] = Field(description="two field paths given as distributions")
    rank: Finite = Field(description="Spearman rank correlation, -1 < rank < 1")

    @model_validator(mode="after")
    def _rank(self) -> Correlation:
        if not -1 < self.rank < 1:
            raise PydanticCustomError(
                "out_of_range", "rank must be in (-1, 1) (got {r})", {"r": self.rank}
            )
        return self


class RunSettings(Spec):
    replicates: int = Field(default=10000, ge=1, le=100_000_000)
    seed: int = Field(default=0, ge=0, le=2**63 - 1)


class Scenario(Spec):
    extends: str | None = Field(
        default=None, description="base scenario, path relative to this file"
    )
    name: str = Field(min_length=1)
    description: Text = ""
    sources: list[str] = Field(default_factory=list)
    start: dt.date
    horizon: dt.date | Annotated[int, Field(gt=0)] = Field(description="ISO date or number of days")
    round_days: int = Field(default=7, gt=0)
    issues: dict[Id, Issue] = Field(min_length=1)
    actors: dict[Id, Actor] = Field(min_length=2)
    pressures: Pressures = Field(default_factory=Pressures)
    negotiation: Negotiation = Field(default_factory=Negotiation)
    proposals: list[Proposal] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    durability: Durability = Field(default_factory=Durability)
    correlations: list[Correlation] = Field(default_factory=list)
    run: RunSettings = Field(default_factory=RunSettings)

    # -- derived views (no state; cheap) --------------------------------------------
    @property
    def horizon_days(self) -> int:
        if isinstance(self.horizon, dt.date):
            return (self.horizon - self.start).days
        return int(self.horizon)

    @property
    def horizon_date(self) -> dt.date:
        return self.start + dt.timedelta(days=self.horizon_days)

    def belligerents(self) -> dict[str, Belligerent]:
        return {k: a for k, a in self.actors.items() if isinstance(a, Belligerent)}

    def side(self, s: str) -> tuple[str, Belligerent]:
        for k, a in self.belligerents().items():
            if a.side == s:
                return k, a
        raise KeyError(s)

    def mediators(self) -> dict[str, Mediator]:
        return {k: a for k, a in self.actors.items() if isinstance(a, Mediator)}

    def patrons(self) -> dict[str, Patron]:
        return {k: a for k, a in self.actors.items() if isinstance(a, Patron)}

    def front_line_issue(self) -> str | None:
        for k, i in self.issues.items():
            if i.status_quo == "front_line":
                return k
        return None

    def day_of(self, d: dt.date) -> int:
        return (d - self.start).days


# ----------------------------------------------------------------------------- numbers by path


def iter_numbers(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, float | Dist]]:
    """Every scenario number (value or distribution) with its dotted path, in a fixed order."""
    for name, field in type(model).model_fields.items():
        key = field.alias or name
        yield from _iter_value(getattr(model, name), f"{prefix}{key}")


def _iter_value(v: Any, path: str) -> Iterator[tuple[str, float | Dist]]:
    if isinstance(v, Dist):
        yield path, v
    elif isinstance(v, bool) or v is None or isinstance(v, (str, dt.date)):
        return
    elif isinstance(v, (int, float)):
        if isinstance(v, float):
            yield path, v
    elif isinstance(v, BaseModel):
        yield from iter_numbers(v, path + ".")
    elif isinstance(v, dict):
        for k, x in v.items():
            yield from _iter_value(x, f"{path}.{k}")
    elif isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            yield from _iter_value(x, f"{path}.{i}")


def distributions_by_path(s: Scenario) -> dict[str, Dist]:
    return {p: v for p, v in iter_numbers(s) if isinstance(v, Dist)}


def numbers_by_path(s: Scenario) -> dict[str, float | Dist]:
    return dict(iter_numbers(s))


# ----------------------------------------------------------------------------- validation

Loc = tuple[Union[str, int], ...]  # noqa: UP007
RawProblem = tuple[Loc, str, Any]

STATE_PATHS = {
    "capability": "belligerent",
    "economy": "belligerent",
    "support": "belligerent",
    "optimism": "belligerent",
    "cost": "belligerent",
    "aid": "patron",
    "engaged": "mediator",
    "sanctions": None,
    "intensity": None,
    "talks": None,
}


# Pydantic names union members in error locations ("date", "constrained-int",
# "function-after[...]", a distribution or role tag); they are not keys of the tree.
_TYPE_TAG = re.compile(
    r"^(?:date|datetime|int|float|bool|str|none|number|constrained-[a-z]+|[a-z-]+\[.*\])$"
)
_ROLES = ("belligerent", "mediator", "patron")


def _clean_loc(loc: Loc, tree: Any) -> Loc:
    """Drop union/discriminator tags from a pydantic location by walking the raw tree."""
    from .distributions import DISTRIBUTIONS

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
    from typing import get_args

    from .distributions import DISTRIBUTIONS

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


_RULES = {
    "greater_than": "must be > {gt}",
    "greater_than_equal": "must be >= {ge}",
    "less_than": "must be < {lt}",
    "less_than_equal": "must be <= {le}",
    "too_short": "needs at least {min_length} item(s)",
    "too_long": "takes at most {max_length} item(s)",
}


def _friendly(err: dict[str, Any], tree: Any) -> tuple[Loc, str, Any]:
    loc = _clean_loc(tuple(err["loc"]), tree)
    typ, msg, value = err["type"], err["msg"], err.get("input")
    ctx = err.get("ctx") or {}
    if isinstance(value, _UnknownKey):
        hint = f" (did you mean '{value.suggestion}'?)" if value.suggestion else ""
        return loc, f"unknown key '{value.key}'{hint}", _Omit
    arity = _arity(loc, typ, value)
    if arity is not None:
        return arity
    if typ == "extra_forbidden":
        return loc, "unknown key", _Omit
    if typ == "missing":
        if loc and isinstance(loc[-1], int):
            return loc[:-1], f"needs more than {loc[-1]} value(s)", value
        return loc, "required key is missing", _Omit
    if typ == "union_tag_not_found":
        return loc, "an actor needs 'role': belligerent, mediator or patron", _Omit
    if typ == "union_tag_invalid":
        if isinstance(value, dict):
            return (
                loc,
                f"unknown role {value.get('role')!r} (use belligerent, mediator or patron)",
                _Omit,
            )
        return loc, msg, value
    if typ == "finite_number":
        return loc, "must be a finite number", value
    if typ in ("float_type", "int_type", "float_parsing", "int_parsing", "int_from_float"):
        kind = "an integer" if typ.startswith("int") else "a number"
        return loc, f"expected {kind}", value
    if typ.startswith("date") or typ.startswith("datetime"):
        detail = msg.split(", ", 1)[1] if ", " in msg else ""
        return (
            loc,
            "not a valid date" + (f" ({detail})" if detail else "") + "; use YYYY-MM-DD",
            value,
        )
    if typ in ("bool_type", "bool_parsing"):
        return loc, "expected true or false", value
    if typ == "string_type":
        return loc, "expected text (a string)", value
    if typ in ("dict_type", "model_type", "model_attributes_type"):
        return loc, "expected a mapping (key: value)", value
    if typ in ("list_type", "tuple_type"):
        return loc, "expected a list", value
    if typ == "string_pattern_mismatch" and ctx.get("pattern") == ID_PATTERN:
        return loc, "must be an identifier: a letter or _ then letters, digits or _", value
    if typ in _RULES and all(k in ctx for k in re.findall(r"{(\w+)}", _RULES[typ])):
        return loc, _RULES[typ].format(**ctx), value
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    msg = msg.replace("{{", "{").replace("}}", "}").replace("Input should be", "must be")
    return loc, msg, value


def _merge_union(probs: list[tuple[Loc, str, Any, str]]) -> list[RawProblem]:
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


class _OmitType:
    def __repr__(self) -> str:
        return "<omit>"


_Omit = _OmitType()


def validate_tree(tree: Any) -> tuple[Scenario | None, list[RawProblem]]:
    """Validate a merged scenario mapping; return the model (or None) and every problem."""
    if not isinstance(tree, dict):
        return None, [((), "the scenario must be a mapping of keys to values", _Omit)]
    try:
        s = Scenario.model_validate(tree)
    except ValidationError as e:
        probs = []
        for err in e.errors(include_url=False):
            loc, msg, v = _friendly(dict(err), tree)
            probs.append((loc, msg, v, str(err["type"])))
        return None, _merge_union(probs)
    problems = reference_problems(s)
    return (s if not problems else None), problems


def reference_problems(s: Scenario) -> list[RawProblem]:
    """Cross-references and rules that span fields; every one is reported."""
    P: list[RawProblem] = []
    issues = s.issues
    actors = s.actors
    bell = s.belligerents()

    def need_issue(loc: Loc, k: str) -> bool:
        if k not in issues:
            close = difflib.get_close_matches(k, list(issues), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            P.append((loc, f"unknown issue '{k}'{hint}; issues are {', '.join(issues)}", _Omit))
            return False
        return True

    def need_actor(loc: Loc, k: str, kind: type | None = None, what: str = "actor") -> bool:
        pool = {a: v for a, v in actors.items() if kind is None or isinstance(v, kind)}
        if k not in pool:
            close = difflib.get_close_matches(k, list(pool), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            P.append(
                (loc, f"unknown {what} '{k}'{hint}; {what}s are {', '.join(pool) or 'none'}", _Omit)
            )
            return False
        return True

    def in_range(loc: Loc, k: str, v: float | Dist) -> None:
        lo, hi = issues[k].range
        s_lo, s_hi = support_of(v)
        if s_lo < lo or s_hi > hi:
            what = f"{describe(v)}" if isinstance(v, Dist) else f"{float(v):g}"
            P.append((loc, f"outside issue '{k}' range [{lo:g}, {hi:g}] (got {what})", _Omit))

    # start / horizon
    if s.horizon_days <= 0:
        P.append((("horizon",), f"horizon must be after start ({s.start.isoformat()})", s.horizon))

    # exactly one belligerent per side
    for side in ("A", "B"):
        ids = [k for k, a in bell.items() if a.side == side]
        if len(ids) != 1:
            found = ", ".join(ids) if ids else "none"
            P.append(
                (
                    ("actors",),
                    f"v1 needs exactly one belligerent with side: {side} (found {found})",
                    _Omit,
                )
            )

    for aid, a in actors.items():
        base: Loc = ("actors", aid)
        if isinstance(a, Belligerent):
            for k, v in a.ideal.items():
                if need_issue((*base, "ideal", k), k):
                    in_range((*base, "ideal", k), k, v)
            for k in issues:
                if k not in a.ideal:
                    P.append(((*base, "ideal"), f"no ideal point for issue '{k}'", _Omit))
            for k in a.salience:
                need_issue((*base, "salience", k), k)
            if a.salience and all(support_of(v)[1] <= 0 for v in a.salience.values()):
                P.append(((*base, "salience"), "salience weights must not all be zero", _Omit))
            if not a.salience:
                P.append(
                    ((*base, "salience"), "give a salience weight for at least one issue", _Omit)
                )
            for k, v in a.reference.items():
                if need_issue((*base, "reference", k), k):
                    in_range((*base, "reference", k), k, v)
            for i, rl in enumerate(a.red_lines):
                if need_issue((*base, "red_lines", i, "issue"), rl.issue):
                    thr = rl.above if rl.above is not None else rl.below
                    assert thr is not None
                    in_range(
                        (*base, "red_lines", i, "above" if rl.above is not None else "below"),
                        rl.issue,
                        thr,
                    )
        elif isinstance(a, Mediator):
            for k in a.weights:
                need_actor((*base, "weights", k), k, Belligerent, "belligerent")
            for i, t in enumerate(a.threats):
                tl: Loc = (*base, "threats", i)
                if t.against != "obstructer":
                    need_actor((*tl, "against"), t.against, Belligerent, "belligerent")
                if t.deadline is not None and not s.start < t.deadline:
                    P.append(
                        (
                            (*tl, "deadline"),
                            f"deadline must be after start ({s.start})",
                            t.deadline.isoformat(),
                        )
                    )
                _check_effects(P, s, (*tl, "effect"), t.effect, threat=True)
        elif isinstance(a, Patron):
            need_actor((*base, "supports"), a.supports, Belligerent, "belligerent")

    # pressures
    pr = s.pressures
    front = [k for k, i in issues.items() if i.status_quo == "front_line"]
    if len(front) > 1:
        P.append(
            (
                ("issues",),
                f"only one issue may have status_quo: front_line (found {', '.join(front)})",
                _Omit,
            )
        )
    if pr.battlefield is not None:
        bf = pr.battlefield
        for k in bf.attrition:
            need_actor(("pressures", "battlefield", "attrition", k), k, Belligerent, "belligerent")
        for k in bf.regeneration:
            need_actor(
                ("pressures", "battlefield", "regeneration", k), k, Belligerent, "belligerent"
            )
        if front:
            if bf.control is None:
                P.append(
                    (
                        ("pressures", "battlefield"),
                        f"'control' (where the front line of issue '{front[0]}' starts) is required",
                        _Omit,
                    )
                )
            else:
                in_range(("pressures", "battlefield", "control"), front[0], bf.control)
        elif bf.control is not None:
            P.append(
                (
                    ("pressures", "battlefield", "control"),
                    "no issue has status_quo: front_line for the front line to move",
                    _Omit,
                )
            )
    elif front:
        P.append(
            (
                ("issues", front[0], "status_quo"),
                "status_quo: front_line needs pressures.battlefield with a 'control'",
                _Omit,
            )
        )
    if pr.sanctions is not None:
        sc = pr.sanctions
        need_actor(("pressures", "sanctions", "target"), sc.target, Belligerent, "belligerent")
        if sc.relief_issue is not None:
            need_issue(("pressures", "sanctions", "relief_issue"), sc.relief_issue)
        for i, st in enumerate(sc.schedule):
            _check_date(P, s, ("pressures", "sanctions", "schedule", i, "on"), st.on)
    for k, d in pr.domestic.items():
        if need_actor(("pressures", "domestic", k), k, Belligerent, "belligerent"):
            for i, el in enumerate(d.elections):
                _check_date(P, s, ("pressures", "domestic", k, "elections", i, "on"), el.on)
                for ik in el.shift:
                    need_issue(("pressures", "domestic", k, "elections", i, "shift", ik), ik)

    # negotiation
    if isinstance(s.negotiation.talks_open, dt.date):
        _check_date(P, s, ("negotiation", "talks_open"), s.negotiation.talks_open)

    # proposals
    for i, p in enumerate(s.proposals):
        pl: Loc = ("proposals", i)
        need_actor((*pl, "by"), p.by)
        if p.on is not None:
            _check_date(P, s, (*pl, "on"), p.on)
        if p.from_ is not None and p.until is not None and p.until < p.from_:
            P.append(
                ((*pl, "until"), f"until must not be before from ({p.from_})", p.until.isoformat())
            )
        for k in p.reward:
            need_actor((*pl, "reward", k), k, Belligerent, "belligerent")
        if p.terms is not None:
            for k, tv in p.terms.items():
                if need_issue((*pl, "terms", k), k):
                    if tv == "status_quo":
                        if issues[k].status_quo is None:
                            P.append(
                                (
                                    (*pl, "terms", k),
                                    f"issue '{k}' has no status_quo to refer to",
                                    tv,
                                )
                            )
                    else:
                        in_range((*pl, "terms", k), k, float(tv))
            for k, iss in issues.items():
                if k not in p.terms and iss.status_quo is None:
                    P.append(
                        (
                            (*pl, "terms"),
                            f"proposal '{p.name}' leaves issue '{k}' open and it has no status_quo to fall back on",
                            _Omit,
                        )
                    )

    # events
    for i, ev in enumerate(s.events):
        if ev.on is not None:
            _check_date(P, s, ("events", i, "on"), ev.on)
        _check_effects(P, s, ("events", i, "effect"), ev.effect)

    # durability
    for k in s.durability.guarantees:
        need_issue(("durability", "guarantees", k), k)

    # correlations
    dists = distributions_by_path(s)
    for i, c in enumerate(s.correlations):
        for j, path in enumerate(c.between):
            if path not in dists:
                nums = numbers_by_path(s)
                if path in nums:
                    P.append(
                        (
                            ("correlations", i, "between", j),
                            f"'{path}' is a fixed number; only distributions can be correlated",
                            path,
                        )
                    )
                else:
                    close = difflib.get_close_matches(path, list(dists), n=1)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    P.append(
                        (
                            ("correlations", i, "between", j),
                            f"no distribution at path '{path}'{hint}",
                            path,
                        )
                    )
        if c.between[0] == c.between[1]:
            P.append(
                (("correlations", i, "between"), "a correlation needs two different paths", _Omit)
            )
    if not P and s.correlations:
        import numpy as np

        from .distributions import rank_to_pearson

        paths = sorted({p for c in s.correlations for p in c.between})
        idx = {p: n for n, p in enumerate(paths)}
        m = np.eye(len(paths))
        for i, c in enumerate(s.correlations):
            ia, ib = idx[c.between[0]], idx[c.between[1]]
            if m[ia, ib] != 0 and ia != ib:
                P.append(
                    (
                        ("correlations", i),
                        f"the pair {c.between[0]} / {c.between[1]} is given twice",
                        _Omit,
                    )
                )
            m[ia, ib] = m[ib, ia] = rank_to_pearson(c.rank)
        if not P and np.linalg.eigvalsh(m).min() <= 1e-10:
            P.append(
                (
                    ("correlations",),
                    "these correlations cannot hold together (the matrix is not positive definite)",
                    _Omit,
                )
            )
    return P


def _check_date(P: list[RawProblem], s: Scenario, loc: Loc, d: dt.date) -> None:
    if d < s.start:
        P.append((loc, f"date is before the scenario start {s.start.isoformat()}", d.isoformat()))


def _check_effects(
    P: list[RawProblem], s: Scenario, loc: Loc, effect: dict[str, Any], threat: bool = False
) -> None:
    """State paths of an effect; in a threat, ``<head>.target`` names the threat's target."""
    for path in effect:
        parts = path.split(".")
        head = parts[0]
        if head not in STATE_PATHS:
            close = difflib.get_close_matches(head, list(STATE_PATHS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            P.append(
                (
                    (*loc, path),
                    f"unknown state path '{path}'{hint}; known: {', '.join(sorted(STATE_PATHS))}",
                    _Omit,
                )
            )
            continue
        kind = STATE_PATHS[head]
        if kind is None:
            if len(parts) != 1:
                P.append(((*loc, path), f"'{head}' takes no actor (got '{path}')", _Omit))
            continue
        if len(parts) != 2:
            P.append(
                ((*loc, path), f"state path must be '{head}.<{kind} id>' (got '{path}')", _Omit)
            )
            continue
        pools: dict[str, list[str]] = {
            "belligerent": list(s.belligerents()),
            "patron": list(s.patrons()),
            "mediator": list(s.mediators()),
        }
        pool = pools[kind]
        if threat and kind == "belligerent" and parts[1] == "target":
            continue
        if parts[1] not in pool:
            close = difflib.get_close_matches(parts[1], list(pool), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            P.append(((*loc, path), f"unknown {kind} '{parts[1]}' in '{path}'{hint}", _Omit))


def omitted(v: Any) -> bool:
    """True where a problem has no meaningful value to show."""
    return v is _Omit


def parse_effect(v: float | str) -> tuple[str, float]:
    """An effect value as (op, x): op is '=', '+', '-' or '*'."""
    if isinstance(v, (int, float)):
        return "=", float(v)
    m = re.match(r"^([+\-*])\s*(.+)$", v.strip())
    assert m is not None  # the schema pattern guarantees the shape
    x = float(m.group(2))
    if not math.isfinite(x):
        raise ValueError(f"non-finite effect {v!r}")
    return m.group(1), x
