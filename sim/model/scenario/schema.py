"""The scenario language: the top-level Scenario model (its sections are in issues, actors,
pressures and negotiation) and every scenario number by its dotted path.

A scenario mapping (already merged and overridden by the loader) becomes a
:class:`Scenario` through :func:`sim.scenario.validate.validate_tree`, which returns
every problem it finds so the loader can point at file and line. Specs only hold
values; the engine turns them into arrays and strategies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from ...io.limits import MAX_HORIZON_DAYS, MAX_REPLICATES, MAX_ROUNDS
from .actors import Actor, Belligerent, Mediator, Patron, RedLine, Stalling, Threat
from .distributions import Dist, Finite
from .issues import Issue
from .negotiation import Durability, Negotiation, Proposal
from .observations import Observation
from .pressures import (
    Battlefield,
    Domestic,
    Election,
    Event,
    Learning,
    Pressures,
    Sanctions,
    SanctionStep,
)
from .spec import Id, Label, Name, Spec, Text, Whole, parse_effect, whole_number

__all__ = [
    "Actor",
    "Battlefield",
    "Belligerent",
    "Correlation",
    "Domestic",
    "Durability",
    "Election",
    "Event",
    "Issue",
    "Learning",
    "Mediator",
    "Negotiation",
    "Observation",
    "Patron",
    "Pressures",
    "Proposal",
    "RedLine",
    "RunSettings",
    "SanctionStep",
    "Sanctions",
    "Scenario",
    "Stalling",
    "Structure",
    "Threat",
    "distributions_by_path",
    "iter_numbers",
    "json_schema",
    "numbers_by_path",
    "parse_effect",
]


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
    replicates: Whole = Field(default=10000, ge=1, le=MAX_REPLICATES)
    seed: Whole = Field(default=0, ge=0, le=2**63 - 1)


class Structure(Spec):
    """Scales of the shared judgement conventions: structural numbers, the same for every
    conflict, calibrated on the history library (``sim calibrate``), never on one case."""

    cost_scale: float = Field(
        default=1.0,
        gt=0,
        le=100,
        description="multiplies every belligerent's cost of fighting (cost)",
    )
    optimism_scale: float = Field(
        default=1.0,
        ge=0,
        le=100,
        description="multiplies every belligerent's optimism bias (optimism)",
    )
    misperception_scale: float = Field(
        default=1.0,
        gt=0,
        le=100,
        description="multiplies the spread of each side's misjudgement (misperception sd; "
        "divides rationality)",
    )
    decisive_scale: float = Field(
        default=1.0,
        ge=0,
        le=100,
        description="multiplies the hazard that the war is decided by force",
    )
    decisive_balance: float = Field(
        default=0.0,
        ge=0,
        le=20,
        description="kappa: the hazard that the war is decided by force is multiplied by "
        "(2 max(p, 1 - p))^kappa, p the chance that B prevails, so evenly matched wars are "
        "decided more slowly than lopsided ones (Bennett & Stam 1996); 0 (the default): the "
        "balance does not enter",
    )
    decisive_front: float = Field(
        default=0.0,
        ge=0,
        le=20,
        description="lambda: the hazard that the war is decided by force is multiplied by "
        "(1 + |2r - 1|)^lambda, r the share of the way the front line has gone from side A's "
        "ideal to side B's on the front-line issue, so a war whose front nears what one side "
        "fights for is decided sooner (Slantchev 2003); 0 (the default): the front does not "
        "enter",
    )
    internal_signed_scale: float = Field(
        default=1.0,
        ge=0,
        le=100,
        description="multiplies the chance that a war decided by force is closed by a signed "
        "ceasefire (pressures.battlefield.signed_after_decision, capped at 1) in a war whose "
        "conflict_type is intrastate or extrastate, where the beaten side is seldom left to sign "
        "(Licklider 1995; Toft 2010); 1 (the default): the kind of war does not enter",
    )
    interstate_unkept_scale: float = Field(
        default=1.0,
        ge=0,
        le=100,
        description="multiplies the chance that a signed ceasefire never takes effect "
        "(durability.unkept, capped at 1) in a war whose conflict_type is interstate, where "
        "armies obey an order to cease fire (Fortna 2004); 1 (the default): the kind of war does "
        "not enter",
    )
    decided_signed_days: float = Field(
        default=0.0,
        ge=0,
        le=100000,
        description="tau (days): a war decided by force at the age of a days (from war_began, "
        "or from the start without it) is closed by a signed ceasefire with probability "
        "pi + (1 - pi) exp(-a / tau), pi the chance pressures.battlefield.signed_after_decision "
        "gives (with its scale): a war decided young leaves the loser's government and army "
        "standing to sign (Reiter 2009); 0 (the default): the age does not enter",
    )
    learning_prior_sd: float = Field(
        default=0.0,
        ge=0,
        le=10,
        description="sigma_0: where a scenario gives no pressures.learning.prior_sd, each side's "
        "belief about p is filtered on the front line's moves (Slantchev 2003), starting from the "
        "variance 1 / (1/sigma_0^2 + A/r_0) of a prior of sd sigma_0 held before the war and worn "
        "down by its A rounds so far (war_began to start; r_0 the variance of a round's signal at "
        "the start); 0 (the default): off, optimism wears down only on the clock",
    )
    obstacle_scale: float = Field(
        default=1.0,
        gt=0,
        le=100,
        description="multiplies the rate at which the hidden obstacles to a deal lift (the shape "
        "of their Lomax distribution)",
    )
    obstacle_prior_scale: float = Field(
        default=0.0,
        ge=0,
        le=100,
        description="the days of war the hidden obstacles' prior is worth, in units of the "
        "Correlates of War Lomax scale (267 days); 0 (the default): none, the Copernican prior, "
        "so only the war's own age counts",
    )


class Scenario(Spec):
    extends: str | None = Field(
        default=None, description="base scenario, path relative to this file"
    )
    name: Name
    description: Text = ""
    sources: list[Label] = Field(default_factory=list)
    start: dt.date
    war_began: dt.date | None = Field(
        default=None,
        description="date the fighting began (the war's age at the start, for duration base rates)",
    )
    conflict_type: Literal["interstate", "intrastate", "extrastate"] | None = Field(
        default=None,
        description="the kind of war (the UCDP/PRIO and Correlates of War categories): "
        "interstate, both sides governments of states; intrastate, a government against a "
        "non-state group inside its territory, or such groups against each other, foreign troops "
        "or not; extrastate, a state against a non-state group outside its own territory (a "
        "colonial war). With the structural scales it sets who is left to sign when the war is "
        "decided by force (structure.internal_signed_scale) and how often a signed ceasefire "
        "takes effect (structure.interstate_unkept_scale); none: the kind does not enter",
    )
    horizon: dt.date | Annotated[int, Field(gt=0), BeforeValidator(whole_number)] = Field(
        description=f"ISO date or number of days; at most {MAX_HORIZON_DAYS:,} days after start"
    )
    round_days: Whole = Field(
        default=7, gt=0, description=f"days per round; at most {MAX_ROUNDS:,} rounds to the horizon"
    )
    issues: dict[Id, Issue] = Field(min_length=1)
    actors: dict[Id, Actor] = Field(min_length=2)
    pressures: Pressures = Field(default_factory=Pressures)
    negotiation: Negotiation = Field(default_factory=Negotiation)
    proposals: list[Proposal] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    durability: Durability = Field(default_factory=Durability)
    correlations: list[Correlation] = Field(default_factory=list)
    observations: list[Observation] = Field(
        default_factory=list, description="what happened: dated evidence with sources (history)"
    )
    structure: Structure = Field(default_factory=Structure)
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

    def threat_owners(self) -> dict[str, list[Threat]]:
        """Each actor's threats (mediators', belligerents' and patrons'), in the actors' order;
        actors without threats left out."""
        return {k: list(a.threats or []) for k, a in self.actors.items() if a.threats}

    def threat_names(self) -> list[str]:
        return [t.name for ts in self.threat_owners().values() for t in ts]

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


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file, for editors and linters."""
    body = Scenario.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "sim scenario",
        **{k: v for k, v in body.items() if k != "title"},
    }
