"""Rules that span fields of a valid-shaped Scenario: one check per section, all run, every problem kept.

Each check takes a :class:`Checks` (the scenario, the problems found so far and the
lookups every section needs) and adds what is wrong with its section; ``SECTIONS``
lists them in the order their problems are reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ...io.limits import MAX_HORIZON_DAYS, MAX_ROUNDS
from .checks import Checks
from .correlation_checks import check_correlations
from .distributions import support_of
from .effect_checks import check_compound_effects
from .messages import OMIT, Loc, RawProblem
from .observation_checks import check_observations
from .schema import Belligerent, Mediator, Patron, Scenario, Threat

__all__ = ["SECTIONS", "Checks", "reference_problems"]


# ----------------------------------------------------------------------------- sections


def check_horizon(c: Checks) -> None:
    """After the start, at most MAX_HORIZON_DAYS later, and at most MAX_ROUNDS rounds away
    (memory and time of a run grow with the rounds)."""
    s = c.s
    if s.horizon_days <= 0:
        c.add(("horizon",), f"horizon must be after start ({s.start.isoformat()})", s.horizon)
    elif s.horizon_days > MAX_HORIZON_DAYS:
        c.add(
            ("horizon",),
            f"horizon must be at most {MAX_HORIZON_DAYS:,} days (100 years) after start "
            f"(got {s.horizon_days:,} days)",
            OMIT,
        )
    elif s.war_began is not None and s.war_began > s.start:
        c.add(
            ("war_began",),
            f"war_began must not be after start ({s.start.isoformat()})",
            s.war_began.isoformat(),
        )
    elif -(-s.horizon_days // s.round_days) > MAX_ROUNDS:
        rounds = -(-s.horizon_days // s.round_days)
        c.add(
            ("horizon",),
            f"{rounds:,} rounds of {s.round_days} day(s) to the horizon; at most {MAX_ROUNDS:,} "
            "are simulated: bring the horizon closer or make round_days longer",
            OMIT,
        )


# Words a threat uses for whoever it falls on: an actor of that id could never be named there.
RESERVED_IDS = {
    "obstructer": "against: obstructer means whoever rejects what the other accepted",
    "target": "<state>.target in a threat's effect means the threat's target",
}


def check_actors(c: Checks) -> None:
    for aid in c.s.actors:
        if aid in RESERVED_IDS:
            c.add(
                ("actors", aid),
                f"'{aid}' is reserved ({RESERVED_IDS[aid]}); give this actor another id",
                OMIT,
            )
    bell = c.s.belligerents()
    for side in ("A", "B"):  # exactly one belligerent per side
        ids = [k for k, a in bell.items() if a.side == side]
        if len(ids) != 1:
            found = ", ".join(ids) if ids else "none"
            c.add(
                ("actors",), f"v1 needs exactly one belligerent with side: {side} (found {found})"
            )
    for aid, a in c.s.actors.items():
        base: Loc = ("actors", aid)
        if isinstance(a, Belligerent):
            _belligerent(c, base, a)
            _threats(c, base, a.threats or [], aid)
        elif isinstance(a, Mediator):
            _mediator(c, base, a)
            _threats(c, base, a.threats)
        elif isinstance(a, Patron):
            c.need_belligerent((*base, "supports"), a.supports)
            _threats(c, base, a.threats or [])
    _unique_threat_names(c)


def _unique_threat_names(c: Checks) -> None:
    """Observations and outputs (``fired.<name>``) name a threat: each name once in a scenario."""
    first: dict[str, str] = {}
    for aid, threats in c.s.threat_owners().items():
        for i, t in enumerate(threats):
            where = f"actors.{aid}.threats.{i}"
            if t.name in first:
                c.add(
                    ("actors", aid, "threats", i, "name"),
                    f"threat name '{t.name}' is already used by {first[t.name]}: each threat "
                    "needs its own name (observations and outputs refer to it by name)",
                    t.name,
                )
            first.setdefault(t.name, where)


def _belligerent(c: Checks, base: Loc, a: Belligerent) -> None:
    for k, v in a.ideal.items():
        if c.need_issue((*base, "ideal", k), k):
            c.in_range((*base, "ideal", k), k, v)
    for k in c.s.issues:
        if k not in a.ideal:
            c.add((*base, "ideal"), f"no ideal point for issue '{k}'")
    for k in a.salience:
        c.need_issue((*base, "salience", k), k)
    if a.salience and all(support_of(v)[1] <= 0 for v in a.salience.values()):
        c.add((*base, "salience"), "salience weights must not all be zero")
    if not a.salience:
        c.add((*base, "salience"), "give a salience weight for at least one issue")
    for k, v in a.reference.items():
        if c.need_issue((*base, "reference", k), k):
            c.in_range((*base, "reference", k), k, v)
    for i, rl in enumerate(a.red_lines):
        if c.need_issue((*base, "red_lines", i, "issue"), rl.issue):
            thr = rl.above if rl.above is not None else rl.below
            assert thr is not None
            side = "above" if rl.above is not None else "below"
            if not rl.from_front:
                c.in_range((*base, "red_lines", i, side), rl.issue, thr)
            elif rl.issue != c.s.front_line_issue():
                c.add(
                    (*base, "red_lines", i, "from_front"),
                    "from_front is only for the front-line issue (status_quo: front_line)",
                    True,
                )
    for i, k in enumerate(a.insists_on or ()):
        c.need_issue((*base, "insists_on", i), k)


def _mediator(c: Checks, base: Loc, a: Mediator) -> None:
    for k in a.weights:
        c.need_belligerent((*base, "weights", k), k)


def _threats(c: Checks, base: Loc, threats: list[Threat], own: str | None = None) -> None:
    """An actor's threats; ``own``: the id of a belligerent making them, whose threats must be
    against the other belligerent (not itself, nor 'obstructer', which could be itself)."""
    for i, t in enumerate(threats):
        tl: Loc = (*base, "threats", i)
        if own is not None and t.against in (own, "obstructer"):
            c.add(
                (*tl, "against"),
                "a belligerent's threat is against the other belligerent (by its id)",
                t.against,
            )
        elif t.against != "obstructer":
            c.need_belligerent((*tl, "against"), t.against)
        if t.deadline is not None and not c.s.start < t.deadline:
            c.add(
                (*tl, "deadline"),
                f"deadline must be after start ({c.s.start})",
                t.deadline.isoformat(),
            )
        c.effects((*tl, "effect"), t.effect, threat=True)


def check_issues(c: Checks) -> None:
    front = [k for k, i in c.s.issues.items() if i.status_quo == "front_line"]
    if len(front) > 1:
        c.add(
            ("issues",),
            f"only one issue may have status_quo: front_line (found {', '.join(front)})",
        )


def check_pressures(c: Checks) -> None:
    pr = c.s.pressures
    front = c.s.front_line_issue()
    if pr.battlefield is not None:
        bf = pr.battlefield
        for k in bf.attrition:
            c.need_belligerent(("pressures", "battlefield", "attrition", k), k)
        for k in bf.regeneration:
            c.need_belligerent(("pressures", "battlefield", "regeneration", k), k)
        if front is not None:
            if bf.control is None:
                c.add(
                    ("pressures", "battlefield"),
                    f"'control' (where the front line of issue '{front}' starts) is required",
                )
            else:
                c.in_range(("pressures", "battlefield", "control"), front, bf.control)
        elif bf.control is not None:
            c.add(
                ("pressures", "battlefield", "control"),
                "no issue has status_quo: front_line for the front line to move",
            )
    elif front is not None:
        c.add(
            ("issues", front, "status_quo"),
            "status_quo: front_line needs pressures.battlefield with a 'control'",
        )
    if pr.sanctions is not None:
        sc = pr.sanctions
        c.need_belligerent(("pressures", "sanctions", "target"), sc.target)
        if sc.relief_issue is not None:
            c.need_issue(("pressures", "sanctions", "relief_issue"), sc.relief_issue)
        for i, st in enumerate(sc.schedule):
            c.date(("pressures", "sanctions", "schedule", i, "on"), st.on)
    for k, d in pr.domestic.items():
        if c.need_belligerent(("pressures", "domestic", k), k):
            for i, el in enumerate(d.elections):
                at: Loc = ("pressures", "domestic", k, "elections", i)
                c.date((*at, "on"), el.on)
                for ik in el.shift:
                    c.need_issue((*at, "shift", ik), ik)


def check_negotiation(c: Checks) -> None:
    if isinstance(c.s.negotiation.talks_open, dt.date):
        c.date(("negotiation", "talks_open"), c.s.negotiation.talks_open)


def check_proposals(c: Checks) -> None:
    issues = c.s.issues
    for i, p in enumerate(c.s.proposals):
        pl: Loc = ("proposals", i)
        c.need_actor((*pl, "by"), p.by)
        if p.on is not None:
            c.date((*pl, "on"), p.on)
        if p.from_ is not None and p.until is not None and p.until < p.from_:
            c.add((*pl, "until"), f"until must not be before from ({p.from_})", p.until.isoformat())
        for k in p.reward:
            c.need_belligerent((*pl, "reward", k), k)
        if p.terms is None:
            continue
        for k, tv in p.terms.items():
            if c.need_issue((*pl, "terms", k), k):
                if tv != "status_quo":
                    c.in_range((*pl, "terms", k), k, float(tv))
                elif issues[k].status_quo is None:
                    c.add((*pl, "terms", k), f"issue '{k}' has no status_quo to refer to", tv)
        for k, iss in issues.items():
            if k not in p.terms and iss.status_quo is None:
                c.add(
                    (*pl, "terms"),
                    f"proposal '{p.name}' leaves issue '{k}' open and it has no status_quo to fall back on",
                )


def check_events(c: Checks) -> None:
    for i, ev in enumerate(c.s.events):
        if ev.on is not None:
            c.date(("events", i, "on"), ev.on)
        c.effects(("events", i, "effect"), ev.effect)


def check_durability(c: Checks) -> None:
    for k in c.s.durability.guarantees:
        c.need_issue(("durability", "guarantees", k), k)


# In the order their problems are reported.
SECTIONS: tuple[Callable[[Checks], None], ...] = (
    check_horizon,
    check_actors,
    check_issues,
    check_pressures,
    check_negotiation,
    check_proposals,
    check_events,
    check_compound_effects,
    check_durability,
    check_correlations,
    check_observations,
)


def reference_problems(s: Scenario) -> list[RawProblem]:
    """Cross-references and rules that span fields; every one is reported."""
    c = Checks(s)
    for check in SECTIONS:
        check(c)
    return c.problems
