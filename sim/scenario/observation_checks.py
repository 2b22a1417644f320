"""Cross-field checks of ``observations``: dates inside the run, named actors, proposals, threats
and levels that exist in the scenario and fall within their ranges."""

from __future__ import annotations

from .checks import Checks
from .messages import OMIT, Loc, did_you_mean
from .observations import Level
from .schema import Mediator

__all__ = ["check_observations"]


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
