"""What happened: dated observations of simulated quantities, each with its source.

An observation says one thing about the run at a date — a ceasefire agreed or not, in force or
not, broken down; a truce running; the war decided by force; talks open, a mediator engaged, a
proposal accepted or rejected by a side, a threat carried out, the front line, support or
sanctions in an interval (hard evidence) or near a value (soft evidence, a Gaussian
likelihood). ``sim run --as-of DATE`` weights every replicate by the likelihood of the
observations dated on or before DATE (``sim/history.py``); ``sim hindcast`` scores a run
against the record.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Union

from pydantic import BeforeValidator, Discriminator, Field, Tag, model_validator
from pydantic_core import PydanticCustomError

from .numbers import Number
from .spec import Flag, Id, Name, Spec, Text

__all__ = ["KINDS", "DecidedSeen", "Level", "Observation", "ProposalSeen", "ThreatSeen"]

# Each kind of evidence and the date form it takes (None: it depends on the value, see FORMS).
KINDS = {
    "ceasefire": None,  # false: 'by'; true: 'on'; agreed: 'between' or 'by'
    "in_force": "on",
    "broke_down": "by",
    "truce": None,  # true, false: 'on'; agreed: 'between'
    "decided": "by",
    "talks": "on",
    "mediator": "on",
    "proposal": "on",
    "threat": "by",
    "front_line": "on",
    "support": "on",
    "sanctions": "on",
}

# The date forms of the kinds whose form depends on the value, and what each value says.
FORMS: dict[str, dict[Any, tuple[tuple[str, ...], str]]] = {
    "ceasefire": {
        False: (("by",), "false (none agreed by a date)"),
        True: (("on",), "true (in force on a date)"),
        "agreed": (("between", "by"), "agreed (within a window, or by a date)"),
    },
    "truce": {
        False: (("on",), "false (none running on a date)"),
        True: (("on",), "true (running on a date)"),
        "agreed": (("between",), "agreed (the first truce, within a window)"),
    },
}


class Level(Spec):
    """An observed level: in an interval (hard) or near a value (soft: a Gaussian likelihood)."""

    between: tuple[Number, Number] | None = Field(
        default=None, description="[lo, hi]: hard evidence"
    )
    value: Number | None = Field(default=None, description="soft evidence: the reported value ...")
    sd: Number | None = Field(default=None, description="... and its uncertainty (sd > 0)")
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
    name: Name = Field(description="a proposal of the scenario, put on the observation's date")
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
    name: Name = Field(description="a mediator's threat of the scenario")
    carried_out: Flag


class DecidedSeen(Spec):
    winner: Id = Field(description="the belligerent the war was decided for")


def _decided_tag(v: Any) -> str:
    # the tags are dropped from error locations (sim/scenario/messages.py, clean_loc)
    return "mapping[winner]" if isinstance(v, (dict, DecidedSeen)) else "bool"


def _decided_shape(v: Any) -> Any:
    if v is None or isinstance(v, (bool, dict, DecidedSeen)):
        return v
    raise PydanticCustomError(
        "observation", "'decided' is true, false or {{winner: <belligerent id>}}"
    )


# decided: true (for either side), false, or {winner: id}; one error per mistake, not a union's
Decided = Annotated[
    Union[Annotated[Flag, Tag("bool")], Annotated[DecidedSeen, Tag("mapping[winner]")]],  # noqa: UP007
    Discriminator(_decided_tag),
    BeforeValidator(_decided_shape),
]


class Observation(Spec):
    """One dated piece of evidence; exactly one kind key."""

    on: dt.date | None = Field(default=None, description="the date a state is observed")
    by: dt.date | None = Field(
        default=None, description="something happened (or not) on or before this date"
    )
    between: tuple[dt.date, dt.date] | None = Field(
        default=None, description="ceasefire, truce agreed: the first one within"
    )
    source: Text = Field(min_length=1, description="where the record says so")
    ceasefire: Flag | Literal["agreed"] | None = Field(
        default=None,
        description="false: none agreed by 'by'; true: one in force 'on'; agreed: the first "
        "agreed 'between', or one agreed by 'by'",
    )
    in_force: Flag | None = Field(
        default=None, description="a ceasefire in force (true) or none in force (false) on 'on'"
    )
    broke_down: Flag | None = Field(
        default=None, description="a ceasefire broke down (true) or none did (false) by 'by'"
    )
    truce: Flag | Literal["agreed"] | None = Field(
        default=None,
        description="true: a truce running on 'on'; false: none running; agreed: the first "
        "truce agreed 'between'",
    )
    decided: Decided | None = Field(
        default=None,
        description="the war decided by force by 'by' (true, or {winner: id}) or not (false)",
    )
    talks: Flag | None = Field(default=None, description="talks open (true) or not on 'on'")
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
        forms, what = self._forms()
        given = [f for f in ("on", "by", "between") if getattr(self, f) is not None]
        if len(given) != 1 or given[0] not in forms:
            raise PydanticCustomError(
                "observation",
                "'{kind}' {what} is dated with {want} only",
                {"kind": self.kind, "what": what, "want": " or ".join(f"'{f}'" for f in forms)},
            )
        if self.between is not None and self.between[0] > self.between[1]:
            raise PydanticCustomError("observation", "between: the first date is after the second")
        if self.mediator is not None and len(self.mediator) != 1:
            raise PydanticCustomError("observation", "observe one mediator at a time")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in KINDS if getattr(self, k) is not None)

    def _forms(self) -> tuple[tuple[str, ...], str]:
        """The date forms this observation may take, and what its value says."""
        kind = self.kind
        form = KINDS[kind]
        if form is not None:
            return (form,), "evidence"
        return FORMS[kind][getattr(self, kind)]

    def date_form(self) -> str:
        """The date key this observation is dated with (one of its kind's forms)."""
        forms = self._forms()[0]
        return next((f for f in forms if getattr(self, f) is not None), forms[0])

    @property
    def date(self) -> dt.date:
        """The date the evidence is dated by: what ``--as-of`` compares."""
        if self.on is not None:
            return self.on
        if self.by is not None:
            return self.by
        assert self.between is not None
        return self.between[1]
