"""The as-of report in words: each observation as a dated sentence, and why the forecast moved.

An observation is data (``proposal: {name: Victory Day truce, rejected_by: ukraine}``); a
reader wants "8 May 2025: Ukraine rejected the Victory Day truce". And a forecast that moves
33 points on one observation needs its reason beside it: which observation moved it most,
what share of the futures still in play it ruled out (or weighed down), and how often those
reached a ceasefire against the ones it kept. The forecast is the kept futures' share, so
that contrast is the whole of the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...model.history import likelihood
from ...model.scenario.observations import Level, Observation
from ..formats import probability
from ..summarize import observations_of

__all__ = ["Step", "day", "front_unit", "sentence", "source_html", "steps"]


def day(d: dt.date | str) -> str:
    """A date for people: 2025-05-08 -> "8 May 2025"."""
    d = d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))
    return f"{d.day} {d:%B %Y}"


def _level(lv: Level, unit: str, share: bool = False) -> str:
    """An observed level: "about 19 % of area (± 0.5)", or for a 0–1 share "about 78% (± 10
    points)"."""
    if share:
        if lv.between is not None:
            return f"between {probability(lv.between[0], 0)} and {probability(lv.between[1], 0)}"
        return f"at about {probability(lv.value, 0)} (± {100 * (lv.sd or 0):g} points)"
    u = f" {unit}" if unit else ""
    if lv.between is not None:
        return f"between {lv.between[0]:g} and {lv.between[1]:g}{u}"
    return f"at about {lv.value:g}{u} (± {lv.sd:g})"


def _when(ob: Observation, dated: bool) -> str:
    """The observation's date words: "by 16 May 2025"; nothing for an 'on' date when the
    sentence already starts with it."""
    if ob.between is not None:
        return f" between {day(ob.between[0])} and {day(ob.between[1])}"
    if ob.by is not None:
        return f" by {day(ob.by)}"
    return "" if dated else f" on {day(ob.date)}"


def _states(ob: Observation, name: Any, dated: bool) -> str | None:
    """The sentence of a yes-or-no observation (None for the other kinds)."""
    yes_no: dict[str, dict[bool | str, str]] = {
        "ceasefire": {False: "no ceasefire had been agreed", True: "a ceasefire was in force",
                      "agreed": "a ceasefire was agreed"},
        "in_force": {True: "a ceasefire was in force", False: "no ceasefire was in force"},
        "broke_down": {True: "a ceasefire broke down", False: "no ceasefire had broken down"},
        "truce": {True: "a truce was running", False: "no truce was running",
                  "agreed": "the first truce was agreed"},
        "talks": {True: "talks were held", False: "no talks were open"},
    }  # fmt: skip
    kind = ob.kind
    if kind in yes_no:
        return f"{yes_no[kind][getattr(ob, kind)]}{_when(ob, dated)}"
    if kind == "decided":
        if ob.decided is False:
            return f"the war had not been decided by force{_when(ob, dated)}"
        winner = getattr(ob.decided, "winner", None)
        return "the war was decided by force" + (f" for {name(winner)}" if winner else "")
    if kind == "mediator":
        (who, state), = (ob.mediator or {}).items()  # fmt: skip
        return (
            f"{name(who)} was {'still mediating' if state == 'engaged' else 'no longer mediating'}"
        )
    return None


def sentence(ob: Observation, name: Any, front_unit: str = "", dated: bool = True) -> str:
    """One observation as a sentence, dated unless ``dated`` is False; ``name`` maps an actor
    id to its name."""
    text = _states(ob, name, dated)
    if text is None and ob.proposal is not None:
        p = ob.proposal
        who, verb = (p.accepted_by, "accepted") if p.accepted_by else (p.rejected_by, "rejected")
        text = f"{name(who)} {verb} the {p.name}"
    elif text is None and ob.threat is not None:
        done = "was carried out" if ob.threat.carried_out else "had not been carried out"
        text = f"the threat of {ob.threat.name} {done}{_when(ob, dated)}"
    elif text is None and ob.front_line is not None:
        text = f"the front line stood {_level(ob.front_line, front_unit)}"
    elif text is None and ob.support is not None:
        whose = f"{name(ob.support.actor)}'s " if ob.support.actor else ""
        text = f"{whose}support for the war stood {_level(ob.support, '', share=True)}"
    elif text is None and ob.sanctions is not None:
        text = f"the sanctions level (0–1) stood {_level(ob.sanctions, '')}"
    text = text or ob.kind
    text = text[:1].upper() + text[1:]
    return f"{day(ob.date)}: {text}" if dated else text


def front_unit(results: Any) -> str:
    """The unit of the run's front-line issue ("" without one)."""
    issue = results.meta.get("front_line_issue")
    return str((results.issues().get(issue) or {}).get("unit") or "") if issue else ""


URL = re.compile(r"https?://[^\s;,]+[^\s;,.)]")


def source_html(source: str, esc: Any) -> str:
    """A source's words escaped, each URL in it as a short escaped link (its host)."""
    out, last = [], 0
    for m in URL.finditer(source):
        out.append(esc(source[last : m.start()]))
        host = re.sub(r"^https?://(www\.)?", "", m.group(0)).split("/")[0]
        out.append(f'<a href="{esc(m.group(0))}">{esc(host)}</a>')
        last = m.end()
    out.append(esc(source[last:]))
    return re.sub(r"\s*;\s*(?=<a )", " ", "".join(out)).strip()


@dataclass(frozen=True)
class Step:
    """How one date's evidence moved the forecast, and the observation that moved it most."""

    as_of: str
    before: float | None  # P(ceasefire by the horizon) given the evidence before this date
    after: float | None
    why: str  # in words


def _weights(liks: list[np.ndarray], n: int) -> np.ndarray:
    w = np.ones(n)
    for lik in liks:
        w = w * lik
    return w


def _move(w: np.ndarray, lik: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """An observation's effect on futures weighted ``w``: share of the weight it removes, the
    ceasefire share among what it removes and among what it keeps, and the change."""
    total, kept = w.sum(), (w * lik).sum()
    lost = total - kept
    p_before = float((w * y).sum() / total)
    p_kept = float((w * lik * y).sum() / kept) if kept > 0 else float("nan")
    p_lost = float((w * (1 - lik) * y).sum() / lost) if lost > 0 else float("nan")
    return float(lost / total), p_lost, p_kept, p_kept - p_before


def _why(ob: Observation, results: Any, share: float, p_lost: float, p_kept: float) -> str:
    level = ob.front_line or ob.support or ob.sanctions
    verb = "weighed down" if level is not None and level.value is not None else "ruled out"
    what = sentence(ob, results.actor_name, front_unit(results), dated=False)
    if share < 0.005:
        return f"{what}: that {verb} almost none of the futures still in play"
    return (
        f"{what}: that {verb} {probability(share, 0)} of the futures still in play; "
        f"{probability(p_lost, 0)} of those reached a ceasefire by the horizon, against "
        f"{probability(p_kept, 0)} of the ones it kept"
    )


def steps(results: Any, path: list[dict[str, Any]]) -> list[Step]:
    """For each date of ``Results.forecast_path()`` after the first: the observations dated
    that day, applied one at a time, and the one that moved the forecast most, in words."""
    obs = observations_of(results)
    y = results.ceasefire_flags().astype(float)
    start, n = results.start, results.n
    liks = {
        i: likelihood(ob, np.asarray(results.column(f"obs.{i}"), dtype=float), start)
        for i, ob in enumerate(obs)
    }
    out, prev = [], path[0] if path else None
    for row in path[1:]:
        d = dt.date.fromisoformat(row["as_of"])
        before = [liks[i] for i, ob in enumerate(obs) if ob.date < d]
        new = [i for i, ob in enumerate(obs) if ob.date == d]
        w = _weights(before, n)
        moves = []
        for i in new:
            if w.sum() <= 0:
                break
            moves.append((i, *_move(w, liks[i], y)))
            w = w * liks[i]
        why = "no simulated future fits the record up to this date"
        if moves and row.get("consistent"):
            i, share, p_lost, p_kept, _ = max(moves, key=lambda m: abs(m[4]))
            why = _why(obs[i], results, share, p_lost, p_kept)
        before_p = prev.get("estimate") if prev else None
        out.append(Step(row["as_of"], before_p, row.get("estimate"), why))
        prev = row
    return out
