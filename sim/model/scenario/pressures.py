"""Pressures on the belligerents (battlefield, sanctions, domestic politics, learning) and events."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from .numbers import Number
from .spec import AtLeast1, Effect, Flag, Id, Name, NonNeg, Num, Pos, Prob, Spec

__all__ = [
    "Battlefield",
    "Domestic",
    "Election",
    "Event",
    "Learning",
    "Pressures",
    "SanctionStep",
    "Sanctions",
]


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
    tail: AtLeast1 = Field(
        default=4.0,
        description="nu: Student-t degrees of freedom of the noise, >= 1 (1: the Cauchy, the "
        "fattest tail whose draws stay finite)",
    )
    intensity: NonNeg = Field(default=1.0, description="I: intensity of fighting, 1 = current")
    decisive_per_year: NonNeg = Field(
        default=0.25,
        description="expected decisive ends of the war per year at intensity 1: the hazard that "
        "the war is decided by force (it sets when each side expects the prize of fighting on); "
        "when not given and the scenario has war_began: a third of the hazard that a war of that "
        "age ends (Correlates of War durations; Pillar 1983: a third end in victory)",
    )
    decisive_ends: Flag = Field(
        default=True,
        description="the war is actually decided by force with that hazard (false: only the "
        "sides' valuation counts it, as in the closed-form oracles of docs/model.md)",
    )
    signed_after_decision: Prob = Field(
        default=0.0,
        description="the chance that a war decided by force is closed by a ceasefire both sides "
        "sign on the winner's terms (a surrender, an armistice after a rout: what the history "
        "cases count as a ceasefire) rather than by conquest or a unilateral withdrawal; a "
        "structural number, 0 by default",
    )
    signed_needs_broker: Flag = Field(
        default=False,
        description="a decided war is closed by a signed ceasefire (with the chance "
        "signed_after_decision) only where a mediator that puts its own terms (proposes: nash "
        "or split) is engaged on the day it is decided: a broker to draft the surrender or "
        "armistice; elsewhere it ends by conquest or withdrawal (a structural switch, off by "
        "default)",
    )
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
    lapse_per_year: NonNeg = Field(
        default=0.1,
        description="hazard per year that sanctions left in place by a deal lapse (their lasting "
        "cost is counted over an expected life of 1/lapse years, not for ever)",
    )


class Election(Spec):
    on: dt.date
    base: Num = Field(default=-2.0, description="theta0: log-odds of replacement at support 0")
    slope: NonNeg = Field(default=4.0, description="theta1: fall in log-odds per unit of support")
    shift: dict[Id, Number] = Field(
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
    prior_sd: NonNeg | None = Field(
        default=None,
        description="sd of each side's initial uncertainty about p: when set, beliefs also learn "
        "from the front line's moves (a Kalman filter, Slantchev 2003); unset, only rate and "
        "noise move them",
    )


class Pressures(Spec):
    battlefield: Battlefield | None = None
    sanctions: Sanctions | None = None
    domestic: dict[Id, Domestic] = Field(default_factory=dict)
    learning: Learning = Field(default_factory=Learning)


class Event(Spec):
    name: Name
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
