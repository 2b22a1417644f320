"""Rules that span fields of a valid-shaped Scenario: one check per section, all run, every problem kept.

Each check takes a :class:`Checks` (the scenario, the problems found so far and the
lookups every section needs) and adds what is wrong with its section; ``SECTIONS``
lists them in the order their problems are reported.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from ..limits import MAX_HORIZON_DAYS, MAX_ROUNDS
from .distributions import Dist, describe, rank_to_pearson, support_of
from .messages import OMIT, Loc, RawProblem, did_you_mean
from .observations import Level
from .schema import Belligerent, Mediator, Patron, Scenario, distributions_by_path, numbers_by_path
from .statepaths import STATE_PATHS

__all__ = ["SECTIONS", "Checks", "reference_problems"]


class Checks:
    """The scenario under check, the problems found so far, and the lookups they share."""

    def __init__(self, s: Scenario):
        self.s = s
        self.problems: list[RawProblem] = []

    def add(self, loc: Loc, message: str, value: Any = OMIT) -> None:
        self.problems.append((loc, message, value))

    def need_issue(self, loc: Loc, k: str) -> bool:
        """True if ``k`` is an issue id; else a problem naming the issues."""
        issues = self.s.issues
        if k in issues:
            return True
        hint = did_you_mean(k, issues)
        self.add(loc, f"unknown issue '{k}'{hint}; issues are {', '.join(issues)}")
        return False

    def need_actor(self, loc: Loc, k: str, kind: type | None = None, what: str = "actor") -> bool:
        """True if ``k`` is an actor id (of ``kind``); else a problem naming the candidates."""
        pool = {a: v for a, v in self.s.actors.items() if kind is None or isinstance(v, kind)}
        if k in pool:
            return True
        hint = did_you_mean(k, pool)
        self.add(loc, f"unknown {what} '{k}'{hint}; {what}s are {', '.join(pool) or 'none'}")
        return False

    def need_belligerent(self, loc: Loc, k: str) -> bool:
        return self.need_actor(loc, k, Belligerent, "belligerent")

    def in_range(self, loc: Loc, k: str, v: float | Dist) -> None:
        """A value (or a distribution's support) within issue ``k``'s range."""
        lo, hi = self.s.issues[k].range
        s_lo, s_hi = support_of(v)
        if s_lo < lo or s_hi > hi:
            what = f"{describe(v)}" if isinstance(v, Dist) else f"{float(v):g}"
            self.add(loc, f"outside issue '{k}' range [{lo:g}, {hi:g}] (got {what})")

    def date(self, loc: Loc, d: dt.date) -> None:
        """A date not before the scenario's start."""
        if d < self.s.start:
            self.add(
                loc, f"date is before the scenario start {self.s.start.isoformat()}", d.isoformat()
            )

    def effects(self, loc: Loc, effect: dict[str, Any], threat: bool = False) -> None:
        """State paths of an effect; in a threat, ``<head>.target`` names the threat's target."""
        s = self.s
        for path in effect:
            parts = path.split(".")
            head = parts[0]
            if head not in STATE_PATHS:
                hint = did_you_mean(head, STATE_PATHS)
                known = ", ".join(sorted(STATE_PATHS))
                self.add((*loc, path), f"unknown state path '{path}'{hint}; known: {known}")
                continue
            kind = STATE_PATHS[head].actor
            if kind is None:
                if len(parts) != 1:
                    self.add((*loc, path), f"'{head}' takes no actor (got '{path}')")
                continue
            if len(parts) != 2:
                self.add((*loc, path), f"state path must be '{head}.<{kind} id>' (got '{path}')")
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
                hint = did_you_mean(parts[1], pool)
                self.add((*loc, path), f"unknown {kind} '{parts[1]}' in '{path}'{hint}")


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
    elif -(-s.horizon_days // s.round_days) > MAX_ROUNDS:
        rounds = -(-s.horizon_days // s.round_days)
        c.add(
            ("horizon",),
            f"{rounds:,} rounds of {s.round_days} day(s) to the horizon; at most {MAX_ROUNDS:,} "
            "are simulated: bring the horizon closer or make round_days longer",
            OMIT,
        )


def check_actors(c: Checks) -> None:
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
        elif isinstance(a, Mediator):
            _mediator(c, base, a)
        elif isinstance(a, Patron):
            c.need_belligerent((*base, "supports"), a.supports)


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
            c.in_range((*base, "red_lines", i, side), rl.issue, thr)


def _mediator(c: Checks, base: Loc, a: Mediator) -> None:
    for k in a.weights:
        c.need_belligerent((*base, "weights", k), k)
    for i, t in enumerate(a.threats):
        tl: Loc = (*base, "threats", i)
        if t.against != "obstructer":
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


def check_correlations(c: Checks) -> None:
    s = c.s
    dists = distributions_by_path(s)
    for i, cor in enumerate(s.correlations):
        for j, path in enumerate(cor.between):
            if path in dists:
                continue
            if path in numbers_by_path(s):
                c.add(
                    ("correlations", i, "between", j),
                    f"'{path}' is a fixed number; only distributions can be correlated",
                    path,
                )
            else:
                hint = did_you_mean(path, dists)
                c.add(
                    ("correlations", i, "between", j),
                    f"no distribution at path '{path}'{hint}",
                    path,
                )
        if cor.between[0] == cor.between[1]:
            c.add(("correlations", i, "between"), "a correlation needs two different paths")
    # The matrix is only worth checking once everything else in the scenario is right.
    if not c.problems and s.correlations:
        _check_matrix(c)


def _check_matrix(c: Checks) -> None:
    """Each pair given once, and the rank correlations together positive definite."""
    cors = c.s.correlations
    paths = sorted({p for cor in cors for p in cor.between})
    idx = {p: n for n, p in enumerate(paths)}
    m = [[1.0 if i == j else 0.0 for j in range(len(paths))] for i in range(len(paths))]
    for i, cor in enumerate(cors):
        ia, ib = idx[cor.between[0]], idx[cor.between[1]]
        if m[ia][ib] != 0 and ia != ib:
            c.add(
                ("correlations", i), f"the pair {cor.between[0]} / {cor.between[1]} is given twice"
            )
        m[ia][ib] = m[ib][ia] = rank_to_pearson(cor.rank)
    if not c.problems and not positive_definite(m):
        c.add(
            ("correlations",),
            "these correlations cannot hold together (the matrix is not positive definite)",
        )


def positive_definite(m: list[list[float]], tol: float = 1e-10) -> bool:
    """Whether the symmetric matrix ``m`` is positive definite: every Cholesky pivot above
    ``tol`` (pure Python: validation runs without importing numpy)."""
    n = len(m)
    low = [[0.0] * n for _ in range(n)]
    for j in range(n):
        pivot = m[j][j] - sum(low[j][k] ** 2 for k in range(j))
        if pivot <= tol:
            return False
        low[j][j] = math.sqrt(pivot)
        for i in range(j + 1, n):
            low[i][j] = (m[i][j] - sum(low[i][k] * low[j][k] for k in range(j))) / low[j][j]
    return True


def check_observations(c: Checks) -> None:
    s = c.s
    threats = {t.name for m in s.mediators().values() for t in m.threats}
    proposals = {p.name: p for p in s.proposals}
    for i, ob in enumerate(s.observations):
        loc: Loc = ("observations", i)
        form = ob.date_form()
        day = s.day_of(ob.date)
        first = ob.between[0] if ob.between is not None else ob.date
        if first < s.start:
            c.add(
                (*loc, form),
                f"date is before the scenario start {s.start.isoformat()}",
                first.isoformat(),
            )
        elif day >= s.horizon_days:
            c.add(
                (*loc, form),
                f"date is not before the horizon {s.horizon_date.isoformat()}: the run cannot see it",
                ob.date.isoformat(),
            )
        if ob.mediator is not None:
            for mid in ob.mediator:
                c.need_actor((*loc, "mediator", mid), mid, Mediator, "mediator")
        if ob.proposal is not None:
            pr = ob.proposal
            side = pr.accepted_by if pr.accepted_by is not None else pr.rejected_by
            assert side is not None
            c.need_belligerent(
                (*loc, "proposal", "accepted_by" if pr.accepted_by else "rejected_by"), side
            )
            if pr.name not in proposals:
                hint = did_you_mean(pr.name, proposals)
                c.add((*loc, "proposal", "name"), f"unknown proposal '{pr.name}'{hint}", OMIT)
            elif ob.on is not None and day not in proposals[pr.name].days(s.start, s.horizon_days):
                c.add(
                    (*loc, "on"),
                    f"the scenario does not put '{pr.name}' on {ob.on.isoformat()}",
                    OMIT,
                )
        if ob.threat is not None and ob.threat.name not in threats:
            hint = did_you_mean(ob.threat.name, threats)
            c.add((*loc, "threat", "name"), f"unknown threat '{ob.threat.name}'{hint}", OMIT)
        if ob.front_line is not None:
            front = s.front_line_issue()
            if front is None:
                c.add((*loc, "front_line"), "no issue has status_quo: front_line", OMIT)
            else:
                _level_in(c, (*loc, "front_line"), ob.front_line, *s.issues[front].range)
        if ob.support is not None:
            if ob.support.actor is None:
                c.add((*loc, "support"), "say whose support: 'actor: <belligerent id>'", OMIT)
            else:
                c.need_belligerent((*loc, "support", "actor"), ob.support.actor)
            _level_in(c, (*loc, "support"), ob.support, 0.0, 1.0)
        if ob.sanctions is not None:
            if s.pressures.sanctions is None:
                c.add((*loc, "sanctions"), "the scenario has no pressures.sanctions", OMIT)
            _level_in(c, (*loc, "sanctions"), ob.sanctions, 0.0, 1.0)
        for key in ("front_line", "sanctions"):
            lv = getattr(ob, key)
            if lv is not None and lv.actor is not None:
                c.add((*loc, key, "actor"), "'actor' goes with support only", OMIT)


def _level_in(c: Checks, loc: Loc, lv: Level, lo: float, hi: float) -> None:
    vals = list(lv.between) if lv.between is not None else [lv.value]
    for v in vals:
        if v is not None and not lo <= v <= hi:
            c.add(loc, f"outside [{lo:g}, {hi:g}] (got {v:g})", OMIT)


# In the order their problems are reported.
SECTIONS: tuple[Callable[[Checks], None], ...] = (
    check_horizon,
    check_actors,
    check_issues,
    check_pressures,
    check_negotiation,
    check_proposals,
    check_events,
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
