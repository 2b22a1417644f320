"""Sample stories of the run report: a traced replicate's events, dated, in order, readable."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from .page import esc

if TYPE_CHECKING:  # annotations only: sim.output.results imports the report
    from ..results import Results

__all__ = ["KIND_LABELS", "timeline"]

STORY_MAX_EVENTS = 40  # events shown per story; the middle of longer logs is elided
KIND_LABELS = {
    "threat_triggered": "threat triggered",
    "threat": "threat carried out",
    "proposal": "proposal",
    "truce": "truce offer",
}


def _terms(results: Results, text: str) -> tuple[str, list[str]]:
    """Split a proposal's text "NAME: issue v, issue v; verdicts" into its head and one
    readable line per issue (value, unit, what the ends of the scale mean)."""
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
        found.append(f"{name}: {float(m.group(1)):.3g} {unit}".rstrip() + scale)
    if not sep or not found:
        return text, []
    return f"{head}; {verdicts}" if verdicts else head, found


def timeline(results: Results, trace: dict[str, Any] | None, absent: str) -> str:
    """One story as an ordered list: events sorted by day (ties keep the engine's order)."""
    if trace is None:
        return f'<p class="absent">{esc(absent)}</p>'
    events = sorted(trace.get("events") or [], key=lambda e: int(e.get("day") or 0))
    shown: list[dict[str, Any] | None] = list(events)
    if len(events) > STORY_MAX_EVENTS:
        half = STORY_MAX_EVENTS // 2
        shown = [*events[:half], None, *events[-half:]]
    items = []
    for e in shown:
        if e is None:
            items.append(
                f'<li class="absent">… {len(events) - STORY_MAX_EVENTS} more events …</li>'
            )
            continue
        kind = str(e.get("kind", ""))
        date = e.get("date")
        if not date and e.get("day") is not None:
            date = (results.start + dt.timedelta(days=int(e["day"]))).isoformat()
        cls = "k-" + re.sub(r"[^a-z_-]", "", kind.lower())
        text, terms = str(e.get("text", "")), list[str]()
        if kind == "proposal":
            text, terms = _terms(results, text)
        sub = (
            '<ul class="terms">' + "".join(f"<li>{esc(t)}</li>" for t in terms) + "</ul>"
            if terms
            else ""
        )
        items.append(
            f'<li><span class="date">{esc(date)}</span>'
            f'<span class="kind {esc(cls)}">{esc(KIND_LABELS.get(kind, kind))}</span>'
            f"{esc(text)}{sub}</li>"
        )
    head = f"<p>Replicate {esc(trace.get('replicate'))}: {len(events)} events, in date order.</p>"
    if not items:
        return head + '<p class="absent">No events were logged.</p>'
    return head + '<ol class="timeline">' + "".join(items) + "</ol>"
