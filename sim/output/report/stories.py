"""Sample stories of the run report: a traced replicate's events, dated, in order, readable.

A story of a war that goes on is mostly proposals turned down, week after week. Each run of
proposals between two other events (a shock, a truce, a threat, a ceasefire) folds into one
line of decisions: how many proposals in how many sessions, who put them, who refused them;
each proposal's terms and verdicts stay one click away in a collapsed ``<details>``. Actor ids
in the engine's texts ("united_states proposal", "ukraine rejects") read as the actors'
names.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..formats import value
from .page import esc

if TYPE_CHECKING:  # annotations only: sim.output.results imports the report
    from ..results import Results

__all__ = ["KIND_LABELS", "timeline"]

STORY_MAX_ITEMS = 40  # lines shown per story; the middle of longer stories is elided
KIND_LABELS = {
    "threat_triggered": "threat triggered",
    "threat": "threat carried out",
    "proposal": "proposal",
    "proposals": "proposals",
    "truce": "truce offer",
}
VERDICTS = {"accepts": "accepts", "rejects": "refuses"}


ROLE = r"(?= (?:accepts|rejects|obstructed|carries|takes)\b|'s\b)"  # where an id names an actor


def human(results: Results, text: str) -> str:
    """The engine's text with actor ids as names where they name an actor: "united_states
    proposal" -> "United States (mediator) proposal", "ukraine rejects" -> "Ukraine refuses",
    "against russia" -> "against Russia" (an id inside other words is left alone)."""
    for actor in results.meta.get("actors") or {}:
        name, a = results.actor_name(actor), re.escape(actor)
        text = re.sub(rf"\b{a} proposal\b", f"{name} (mediator) proposal", text)
        text = re.sub(rf"\b{a}\b{ROLE}|(?<=against ){a}\b", name, text)
    return re.sub(r"\b(accepts|rejects)\b", lambda m: VERDICTS[m.group(1)], text)


def _terms(results: Results, text: str) -> tuple[str, list[str]]:
    """Split a proposal's text "NAME: issue v, issue v; verdicts" into its head and one
    readable term per issue (value, unit, what the ends of the scale mean)."""
    issues = results.issues()
    head, sep, rest = text.partition(": ")
    terms_part, _, verdicts = rest.partition("; ")
    found = []
    for issue, facts in issues.items():
        m = re.search(rf"(?:^|, ){re.escape(issue)} (-?[0-9.]+(?:e[-+]?\d+)?)", terms_part)
        if not m:
            continue
        unit = str(facts.get("unit") or "")
        ends, rng = facts.get("ends"), facts.get("range")
        scale = ""
        if ends and rng and len(ends) == 2:
            scale = f" (scale: {float(rng[0]):g} = {ends[0]}, {float(rng[1]):g} = {ends[1]})"
        name = str(facts.get("description") or issue.replace("_", " "))
        found.append(f"{name}: {value(float(m.group(1)), unit)}" + scale)
    if not sep or not found:
        return text, []
    return f"{head}; {verdicts}" if verdicts else head, found


@dataclass(frozen=True)
class Decision:
    """One proposal put in a traced replicate: when, by whom, each side's verdict, the terms."""

    date: str
    proposer: str
    verdicts: tuple[tuple[str, str], ...]  # (side id, "accepts" or "rejects")
    terms: list[str]
    text: str  # the whole line, names for ids


def _decision(results: Results, date: str, text: str) -> Decision:
    head, terms = _terms(results, text)
    proposer = head.split(";")[0]
    verdicts = tuple(
        (m.group(1), m.group(2)) for m in re.finditer(r"(\w+) (accepts|rejects)\b", text)
    )
    return Decision(date, human(results, proposer), verdicts, terms, human(results, head))


def _summary(results: Results, run: list[Decision]) -> str:
    """One line of decisions: "6 proposals in 5 sessions, 2025-05-03 to 2025-06-07: United
    States (mediator) proposal ×4, US peace framework ×2; Ukraine refused all 6, Russia ..."."""
    by: dict[str, int] = {}
    for d in run:
        by[d.proposer] = by.get(d.proposer, 0) + 1
    who = ", ".join(f"{p} ×{k}" if k > 1 else p for p, k in by.items())
    sides: dict[str, list[str]] = {}
    for d in run:
        for side, v in d.verdicts:
            sides.setdefault(side, []).append(v)
    said = []
    for side, vs in sides.items():
        name, no = results.actor_name(side), vs.count("rejects")
        if no == len(vs):
            each = {1: "it", 2: "both"}.get(len(vs), f"all {len(vs)}")
            said.append(f"{name} refused {each}")
        elif no == 0:
            each = {1: "it", 2: "both"}.get(len(vs), f"all {len(vs)}")
            said.append(f"{name} accepted {each}")
        else:
            said.append(f"{name} accepted {len(vs) - no} of {len(vs)}")
    if len(run) == 1:
        return f"{run[0].proposer}: " + ", ".join(said)
    sessions = len({d.date for d in run})
    span = f"{run[0].date} to {run[-1].date}"
    return f"{len(run)} proposals in {sessions} sessions, {span}: {who}; " + ", ".join(said)


def _decisions(results: Results, run: list[Decision]) -> str:
    """A run of proposals as one timeline line, each proposal collapsed under it."""
    rows = "".join(
        f'<li class="decision"><span class="date">{esc(d.date)}</span>{esc(d.text)}'
        + (f'<div class="terms">{esc("; ".join(d.terms))}</div>' if d.terms else "")
        + "</li>"
        for d in run
    )
    label = "proposal" if len(run) == 1 else "proposals"
    return (
        f'<li><span class="date">{esc(run[0].date)}</span>'
        f'<span class="kind k-proposal">{label}</span><details><summary>'
        f'{esc(_summary(results, run))}</summary><ol class="decisions">{rows}</ol></details></li>'
    )


def _event(results: Results, e: dict[str, Any], date: str) -> str:
    kind = str(e.get("kind", ""))
    cls = "k-" + re.sub(r"[^a-z_-]", "", kind.lower())
    return (
        f'<li><span class="date">{esc(date)}</span>'
        f'<span class="kind {esc(cls)}">{esc(KIND_LABELS.get(kind, kind))}</span>'
        f"{esc(human(results, str(e.get('text', ''))))}</li>"
    )


def _items(results: Results, events: list[dict[str, Any]]) -> list[str]:
    """The story's lines: other events one each, each run of proposals folded into one."""
    items: list[str] = []
    run: list[Decision] = []
    for e in events:
        date = e.get("date")
        if not date and e.get("day") is not None:
            date = (results.start + dt.timedelta(days=int(e["day"]))).isoformat()
        if e.get("kind") == "proposal":
            run.append(_decision(results, str(date), str(e.get("text", ""))))
            continue
        if run:
            items.append(_decisions(results, run))
            run = []
        items.append(_event(results, e, str(date)))
    if run:
        items.append(_decisions(results, run))
    return items


def timeline(results: Results, trace: dict[str, Any] | None, absent: str) -> str:
    """One story as an ordered list: events sorted by day (ties keep the engine's order),
    proposals folded into decisions."""
    if trace is None:
        return f'<p class="absent">{esc(absent)}</p>'
    events = sorted(trace.get("events") or [], key=lambda e: int(e.get("day") or 0))
    items = _items(results, events)
    if len(items) > STORY_MAX_ITEMS:
        half = STORY_MAX_ITEMS // 2
        more = f'<li class="absent">… {len(items) - STORY_MAX_ITEMS} more lines …</li>'
        items = [*items[:half], more, *items[-half:]]
    proposals = sum(1 for e in events if e.get("kind") == "proposal")
    head = (
        f"<p>Replicate {esc(trace.get('replicate'))}: {len(events)} events, {proposals} of "
        "them proposals (folded into decisions: open a line for each proposal's terms), in "
        "date order.</p>"
    )
    if not items:
        return head + '<p class="absent">No events were logged.</p>'
    return head + '<ol class="timeline">' + "".join(items) + "</ol>"
