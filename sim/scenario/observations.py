"""What happened: dated observations of simulated quantities, each with its source.

An observation says one thing about the run at a date — a ceasefire agreed or not, talks open,
a mediator engaged, a proposal accepted or rejected by a side, a threat carried out, the front
line, support or sanctions in an interval (hard evidence) or near a value (soft evidence, a
Gaussian likelihood). ``sim run --as-of DATE`` weights every replicate by the likelihood of
the observations dated on or before DATE (``sim/history.py``); ``sim hindcast`` scores a run
against the record.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from .distributions import Finite
from .spec import Id, Spec, Text

__all__ = ["KINDS", "Level", "Observation", "ProposalSeen", "ThreatSeen"]

# Each kind of evidence and the date form it takes.
KINDS = {
    "ceasefire": None,  # false: 'by'; true: 'on'; agreed: 'between'
    "talks": "on",
    "mediator": "on",
    "proposal": "on",
    "threat": "by",
    "front_line": "on",
    "support": "on",
    "sanctions": "on",
}


class Level(Spec):
    """An observed level: in an interval (hard) or near a value (soft: a Gaussian likelihood)."""

    between: tuple[Finite, Finite] | None = Field(
        default=None, description="[lo, hi]: hard evidence"
    )
    value: Finite | None = Field(default=None, description="soft evidence: the reported value ...")
    sd: Finite | None = Field(default=None, description="... and its uncertainty (sd > 0)")
    actor: Id | None = Field(default=None, description="support only: whose support")

    @model_validator(mode="after")
    def _one_form(self) -> Level:
        if (self.between is None) == (self.value is None):
            raise PydanticCustomError(
                "observation", "give either 'between: [lo, hi]' or 'value' with 'sd'"
            )
        if self.between is not None:
            if self.sd is not None:
                raise PydanticCustomError("observation", "'sd' goes with 'value', not 'between'")
            if self.between[0] > self.between[1]:
                raise PydanticCustomError(
                    "observation",
                    "impossible interval: lo {lo} > hi {hi}",
                    {"lo": f"{self.between[0]:g}", "hi": f"{self.between[1]:g}"},
                )
        elif self.sd is None or not self.sd > 0:
            raise PydanticCustomError("observation", "soft evidence needs 'sd' > 0 with 'value'")
        return self


class ProposalSeen(Spec):
    name: str = Field(description="a proposal of the scenario, put on the observation's date")
    accepted_by: Id | None = None
    rejected_by: Id | None = None

    @model_validator(mode="after")
    def _one_verdict(self) -> ProposalSeen:
        if (self.accepted_by is None) == (self.rejected_by is None):
            raise PydanticCustomError(
                "observation",
                "a proposal observation needs exactly one of accepted_by or rejected_by",
            )
        return self


class ThreatSeen(Spec):
    name: str = Field(description="a mediator's threat of the scenario")
    carried_out: bool


class Observation(Spec):
    """One dated piece of evidence; exactly one kind key."""

    on: dt.date | None = Field(default=None, description="the date a state is observed")
    by: dt.date | None = Field(default=None, description="ceasefire false, threat: by this date")
    between: tuple[dt.date, dt.date] | None = Field(
        default=None, description="ceasefire: agreed within"
    )
    source: Text = Field(min_length=1, description="where the record says so")
    ceasefire: bool | Literal["agreed"] | None = Field(
        default=None,
        description="false: none agreed by 'by'; true: one in force 'on'; agreed: the first agreed 'between'",
    )
    talks: bool | None = Field(default=None, description="talks open (true) or not on 'on'")
    mediator: dict[Id, Literal["engaged", "exited"]] | None = Field(
        default=None, description="{mediator id: engaged | exited} on 'on'"
    )
    proposal: ProposalSeen | None = None
    threat: ThreatSeen | None = None
    front_line: Level | None = Field(default=None, description="the front-line issue, real units")
    support: Level | None = Field(default=None, description="a belligerent's support, 0..1")
    sanctions: Level | None = Field(default=None, description="the sanctions level sigma, 0..1")

    @model_validator(mode="after")
    def _shape(self) -> Observation:
        kinds = [k for k in KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise PydanticCustomError(
                "observation",
                "an observation says exactly one of: {kinds} (got {n})",
                {"kinds": ", ".join(KINDS), "n": len(kinds)},
            )
        want = self.date_form()
        given = [f for f in ("on", "by", "between") if getattr(self, f) is not None]
        if given != [want]:
            raise PydanticCustomError(
                "observation",
                "'{kind}' {what} is dated with '{want}' only",
                {"kind": self.kind, "what": self._what(), "want": want},
            )
        if self.between is not None and self.between[0] > self.between[1]:
            raise PydanticCustomError("observation", "between: the first date is after the second")
        if self.mediator is not None and len(self.mediator) != 1:
            raise PydanticCustomError("observation", "observe one mediator at a time")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in KINDS if getattr(self, k) is not None)

    def _what(self) -> str:
        if self.kind == "ceasefire":
            return {False: "false (none agreed by a date)", True: "true (in force on a date)"}.get(
                self.ceasefire,  # type: ignore[arg-type]
                "agreed (within a window)",
            )
        return "evidence"

    def date_form(self) -> str:
        if self.kind == "ceasefire":
            return {False: "by", True: "on"}.get(self.ceasefire, "between")  # type: ignore[arg-type]
        form = KINDS[self.kind]
        assert form is not None
        return form

    @property
    def date(self) -> dt.date:
        """The date the evidence is dated by: what ``--as-of`` compares."""
        if self.on is not None:
            return self.on
        if self.by is not None:
            return self.by
        assert self.between is not None
        return self.between[1]
