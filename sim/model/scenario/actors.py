"""The actors: belligerents (utilities, red lines, stalling), mediators and their threats, patrons."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Union

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from .numbers import Number
from .spec import (
    Days,
    Effect,
    Flag,
    Id,
    Name,
    NonNeg,
    Num,
    Patience,
    Pos,
    Prob,
    Signed1,
    Spec,
    Whole,
)

__all__ = ["Actor", "Belligerent", "Mediator", "Patron", "RedLine", "Stalling", "Threat"]


class RedLine(Spec):
    issue: Id
    above: Number | None = Field(default=None, description="violated if the terms exceed this")
    below: Number | None = Field(default=None, description="violated if the terms fall below this")
    penalty: NonNeg = Field(
        default=1.0, description="utility lost when violated (times audience cost and support)"
    )
    from_front: Flag = Field(
        default=False,
        description="on the front-line issue: 'above'/'below' is an offset (real units) from the "
        "front line where it stands, not a fixed value (e.g. above: 0.5 = ceding more than 0.5 "
        "beyond the line of contact)",
    )
    hard: Flag = Field(
        default=False,
        description="indivisible: no deal that crosses it is ever accepted by this side, "
        "whatever its audience cost or support (the penalty then applies only to offers "
        "it refuses anyway)",
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


class Threat(Spec):
    name: Name
    against: Id = Field(
        description="an actor id, or 'obstructer': whoever rejects what the other accepted"
    )
    trigger: Literal["obstruction", "deadline"] = "obstruction"
    deadline: dt.date | None = Field(default=None, description="date for trigger: deadline")
    effect: dict[str, Effect] = Field(
        default_factory=dict,
        description="state changes when carried out (a threat may have only a cost)",
    )
    credibility: Prob = Field(
        default=1.0, description="probability it is carried out when triggered"
    )
    delay_days: Days = Field(default=0.0, description="days between trigger and effect")
    cost: NonNeg = Field(
        default=0.0,
        description="utility the target loses when it is carried out: its value of fighting on "
        "falls by this much (a lasting addition to its per-round cost of war)",
    )
    after: Whole = Field(
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


class Belligerent(Spec):
    role: Literal["belligerent"]
    name: Name | None = Field(default=None, description="display name (default: the id)")
    side: Literal["A", "B"]
    ideal: dict[Id, Num] = Field(description="ideal point per issue, real units")
    salience: dict[Id, NonNeg] = Field(description="weight per issue; normalised to sum 1")
    capability: Pos = Field(default=1.0, description="military capability, arbitrary units")
    economy: Pos = Field(default=1.0, description="economic index, 1 = pre-war level")
    support: Prob = Field(default=0.5, description="domestic support for the war effort, 0..1")
    patience: Patience = Field(
        default=0.998,
        description="discount factor per round, 0 <= delta < 1 (0.998 a week is about 0.9 a year)",
    )
    risk: Pos = Field(default=1.0, description="utility curvature r: U = 1 - |x - y|^r")
    optimism: Signed1 = Field(default=0.0, description="bias of its belief that it prevails")
    audience_cost: NonNeg = Field(
        default=0.0, description="weight of red lines and public reference"
    )
    cost: NonNeg = Field(
        default=0.0005,
        description="utility lost per round of fighting at intensity 1 (divided by the economy)",
    )
    regroup: Prob = Field(
        default=0.0,
        description="shift of the balance (the chance it prevails) in its favour that a "
        "ceasefire's pause gives it by the time fighting resumes: rearming, regrouping",
    )
    reference: dict[Id, Number] = Field(
        default_factory=dict,
        description="terms the public expects (real units); shortfall is penalised",
    )
    red_lines: list[RedLine] = Field(default_factory=list)
    insists_on: list[Id] | None = Field(
        default=None,
        description="issues this side insists a ceasefire settle: it refuses a ceasefire that "
        "defers any of them (default: every issue on the table, a ceasefire is a settlement)",
    )
    stalling: Stalling | None = None
    threats: list[Threat] | None = Field(  # None, not []: scenarios without keep their hash
        default=None,
        description="its own threats against the other side (escalation, strikes, walking out)",
    )


class Mediator(Spec):
    role: Literal["mediator"]
    name: Name | None = None
    proposes: Literal["nash", "split", "none"] = "nash"
    weights: dict[Id, Pos] = Field(
        default_factory=dict, description="bargaining weight per belligerent (default 1)"
    )
    noise: NonNeg = Field(
        default=0.0, description="sd of its error on each side's war value, utility"
    )
    engaged: Flag = True
    reengage_per_year: NonNeg = Field(
        default=0.0,
        description="hazard per year that the mediator takes up its role again while it is not engaged",
    )
    threats: list[Threat] = Field(default_factory=list)


class Patron(Spec):
    role: Literal["patron"]
    name: Name | None = None
    supports: Id
    aid: NonNeg = Field(default=0.0, description="capability added per round")
    reliability: Prob = Field(default=1.0, description="probability the aid arrives in a round")
    threats: list[Threat] | None = Field(  # None, not []: scenarios without keep their hash
        default=None,
        description="its threats, on its own client or the other side (cutting aid, sanctions)",
    )


Actor = Annotated[Union[Belligerent, Mediator, Patron], Field(discriminator="role")]  # noqa: UP007
