"""Cross-field checks of ``observations``: dates inside the run, named actors, proposals, threats
and levels that exist in the scenario and fall within their ranges, and states the scenario can
reach (a truce needs a truce proposal, a war decided by force needs ``decisive_ends``)."""

from __future__ import annotations

from .checks import Checks
from .messages import OMIT, Loc, did_you_mean
from .observations import DecidedSeen, Level, Observation
from .schema import Mediator

__all__ = ["check_observations"]

# Why nothing dated before the start can be observed: the run begins at the start.
BEFORE_START = (
    "date is before the scenario start {start}: the run begins there and cannot see what came "
    "before; write that history into the starting state (talks_open, the front line, support, "
    "a mediator's engaged)"
)
VERDICT_BEFORE_START = (
    "a verdict dated before the scenario start {start} cannot be observed: the run puts no "
    "proposal before its start, so no replicate can hold that verdict; write what it left into "
    "the starting state (talks_open, support, the proposals still on the table)"
)


def check_observations(c: Checks) -> None:
    s = c.s
    for i, ob in enumerate(s.observations):
        loc: Loc = ("observations", i)
        if _dated_in_the_run(c, loc, ob) and ob.proposal is not None:
            _proposal(c, loc, ob)
        _references(c, loc, ob)
        _reachable(c, loc, ob)
        _levels(c, loc, ob)


def _dated_in_the_run(c: Checks, loc: Loc, ob: Observation) -> bool:
    """The observation's dates fall from the start to before the horizon (else a problem)."""
    s = c.s
    form = ob.date_form()
    first = ob.between[0] if ob.between is not None else ob.date
    if first < s.start:
        rule = VERDICT_BEFORE_START if ob.proposal is not None else BEFORE_START
        c.add((*loc, form), rule.format(start=s.start.isoformat()), first.isoformat())
        return False
    if s.day_of(ob.date) >= s.horizon_days:
        c.add(
            (*loc, form),
            f"date is not before the horizon {s.horizon_date.isoformat()}: the run cannot see it",
            ob.date.isoformat(),
        )
        return False
    return True


def _proposal(c: Checks, loc: Loc, ob: Observation) -> None:
    """A verdict on a proposal the scenario puts on the observation's date."""
    s, pr = c.s, ob.proposal
    assert pr is not None
    proposals = {p.name: p for p in s.proposals}
    if pr.name in proposals and ob.on is not None:
        if s.day_of(ob.on) not in proposals[pr.name].days(s.start, s.horizon_days):
            c.add(
                (*loc, "on"),
                f"the scenario does not put '{pr.name}' on {ob.on.isoformat()}",
                OMIT,
            )


def _references(c: Checks, loc: Loc, ob: Observation) -> None:
    """Mediators, belligerents, proposals and threats the observation names exist."""
    s = c.s
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
        proposals = [p.name for p in s.proposals]
        if pr.name not in proposals:
            hint = did_you_mean(pr.name, proposals)
            c.add((*loc, "proposal", "name"), f"unknown proposal '{pr.name}'{hint}", OMIT)
    threats = set(s.threat_names())
    if ob.threat is not None and ob.threat.name not in threats:
        hint = did_you_mean(ob.threat.name, threats)
        c.add((*loc, "threat", "name"), f"unknown threat '{ob.threat.name}'{hint}", OMIT)
    if isinstance(ob.decided, DecidedSeen):
        c.need_belligerent((*loc, "decided", "winner"), ob.decided.winner)


def _reachable(c: Checks, loc: Loc, ob: Observation) -> None:
    """A state the observation says held must be one the scenario can reach."""
    s = c.s
    if ob.truce is not None and ob.truce is not False:
        if not any(p.truce_days is not None for p in s.proposals):
            c.add(
                (*loc, "truce"),
                "the scenario has no truce proposal (one with 'truce_days'), so no truce can "
                "run in it",
                OMIT,
            )
    bf = s.pressures.battlefield
    if ob.decided is not None and ob.decided is not False and bf is not None:
        if not bf.decisive_ends:
            c.add(
                (*loc, "decided"),
                "the scenario has pressures.battlefield.decisive_ends: false, so no war is "
                "decided by force in it",
                OMIT,
            )


def _levels(c: Checks, loc: Loc, ob: Observation) -> None:
    """Front line, support and sanctions: what the scenario has, within its range."""
    s = c.s
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
