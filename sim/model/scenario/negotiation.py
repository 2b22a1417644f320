"""How talks run (sessions, misjudgement, collapse), scheduled proposals, and how long a ceasefire holds."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from .numbers import Number
from .spec import Flag, Id, Name, NonNeg, Pos, Prob, Spec, Whole

__all__ = ["Durability", "Misperception", "Negotiation", "Proposal"]


DEFAULT_SD = 0.03  # utility: a side's typical misjudgement of what fighting on is worth


class Misperception(Spec):
    """Each side misjudges what fighting on is worth by an error that persists across decisions."""

    sd: NonNeg | None = Field(
        default=None,
        description=f"sd of the error, utility (normal errors; {DEFAULT_SD} when neither sd nor "
        "rationality is given)",
    )
    rationality: Pos | None = Field(
        default=None,
        description="instead of sd: logistic errors of scale 1/rationality "
        "(with persistence 0, the quantal response of McKelvey and Palfrey)",
    )
    persistence: Prob = Field(
        default=0.8,
        description="AR(1) coefficient of the error from one decision day to the next "
        "(0: a fresh error each time; 1: the same error throughout)",
    )

    @model_validator(mode="after")
    def _one_scale(self) -> Misperception:
        if self.rationality is not None and self.sd is not None:
            raise PydanticCustomError(
                "misperception",
                "give either 'sd' (normal errors) or 'rationality' (logistic), not both",
            )
        return self


class Negotiation(Spec):
    talks_open: Flag | dt.date = Field(
        default=True, description="true (from the start), false, or the date talks open"
    )
    every_days: Whole = Field(default=7, gt=0, description="days between negotiation sessions")
    misperception: Misperception = Field(default_factory=Misperception)
    rationality: Pos | None = Field(
        default=None,
        description="the quantal response of earlier versions: logistic errors of scale "
        "1/rationality drawn afresh at each decision (same as misperception: {rationality: L, "
        "persistence: 0}); not together with misperception",
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
    lookahead_days: Pos = Field(
        default=180.0,
        description="how far ahead a side looks, in days: it projects the front's trend that far "
        "and weighs waiting up to that long for better terms",
    )
    hidden_obstacles: bool = Field(
        default=True,
        description="when the scenario has war_began: a deal both sides accept is concluded only "
        "once the obstacles the scenario does not describe have lifted, at a rate learnt from the "
        "war's age (docs/model.md, Hidden obstacles); false: every deal both accept is concluded "
        "at once",
    )

    @model_validator(mode="before")
    @classmethod
    def _quantal(cls, data: Any) -> Any:
        """``rationality: L`` is kept as ``misperception: {rationality: L, persistence: 0}``."""
        if isinstance(data, dict) and "candidates" in data:
            raise PydanticCustomError(
                "negotiation",
                "'candidates' is no longer used: the mediator finds the exact best point, with no "
                "grid of candidates; remove the key",
            )
        if isinstance(data, dict) and data.get("rationality") is not None:
            if "misperception" in data:
                raise PydanticCustomError(
                    "negotiation",
                    "give either 'rationality' (fresh logistic errors) or 'misperception', not both",
                )
            data = dict(data)
            data["misperception"] = {"rationality": data.pop("rationality"), "persistence": 0.0}
        return data


class Proposal(Spec):
    name: Name
    by: Id
    on: dt.date | None = None
    every_days: Whole | None = Field(default=None, gt=0)
    from_: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None
    terms: dict[Id, Number | Literal["status_quo"]] | None = None
    truce_days: Whole | None = Field(default=None, gt=0)
    reward: dict[Id, NonNeg] = Field(
        default_factory=dict, description="utility a side gains by accepting (truces)"
    )

    def days(self, start: dt.date, horizon_days: int) -> tuple[int, ...]:
        """The days (from start, before the horizon) it is put."""
        if self.on is not None:
            day = (self.on - start).days
            return (day,) if 0 <= day < horizon_days else ()
        assert self.every_days is not None
        first = max((self.from_ - start).days if self.from_ is not None else 0, 0)
        stop = (self.until - start).days + 1 if self.until is not None else horizon_days
        return tuple(range(first, min(stop, horizon_days), self.every_days))

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
    unkept: Prob = Field(
        default=0.0,
        description="phi: the chance that a ceasefire both sides sign in bargaining never takes "
        "effect (fighters who do not obey, spoilers): the signing is recorded, the fighting and "
        "the talks go on; each side weighs it (its margin for signing is 1 - phi times that of "
        "a ceasefire sure to take effect); a structural number, 0 by default",
    )
    unkept_persistence: Prob = Field(
        default=0.0,
        description="rho: how much the signings of one future fail together (the reason a "
        "signed ceasefire does not take effect, such as signatories who do not command their "
        "fighters, belongs to the war): signing k fails iff sqrt(rho) Z + sqrt(1 - rho) e_k < "
        "Phi^-1(phi), with Z one standard normal per future and e_k fresh, so each still fails "
        "with chance phi; 0 (the default): independent draws; a structural number",
    )
