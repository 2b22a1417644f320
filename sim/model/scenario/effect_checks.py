"""Cross-field check of effects that compound: the dated events and the threats (each fires at
most once) that change one state must not, together, take it beyond the largest magnitude a
state may hold (``MAX_MAGNITUDE``, where the engine clamps it).

Each change is already a finite number within ±MAX_MAGNITUDE (the schema); two of them in a
row can still multiply to 1e308 × 10 = inf. Events at random dates (``rate_per_year``) may
fire any number of times, so they cannot be bounded here: the engine's clamp keeps them finite.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ...io.limits import MAX_MAGNITUDE
from .checks import Checks
from .messages import OMIT, Loc
from .schema import parse_effect

__all__ = ["check_compound_effects"]

Change = tuple[dt.date, Loc, str, str, float]  # (when, where, state path, op, x)


def check_compound_effects(c: Checks) -> None:
    """Per state path, in date order (threats last): the product of the
    factors ("*x", |x| > 1) and the sum of the steps ("+x", "-x") of the changes that can all
    happen in one replicate stay within MAX_MAGNITUDE; the first change past it is reported."""
    by_path: dict[str, list[Change]] = {}
    for ch in _changes(c):
        by_path.setdefault(ch[2], []).append(ch)
    for path, changes in by_path.items():
        factor, step = 1.0, 0.0
        for _, loc, _, op, x in sorted(changes, key=lambda ch: ch[0]):
            if op == "=":  # a new value: what came before no longer counts
                factor, step = 1.0, 0.0
            elif op == "*":
                factor *= max(abs(x), 1.0)
            else:
                step += abs(x)
            if factor > MAX_MAGNITUDE or step > MAX_MAGNITUDE:
                what = f"a factor of {factor:.3g}" if factor > MAX_MAGNITUDE else f"{step:.3g}"
                c.add(
                    loc,
                    f"with the dated changes of '{path}' before it, this one compounds to "
                    f"{what}, beyond ±{MAX_MAGNITUDE:g} (the largest magnitude a state may take)",
                    OMIT,
                )
                break


def _changes(c: Checks) -> list[Change]:
    """Every change of a dated event or a threat; a threat's ``<head>.target`` counts for
    each belligerent it may fall on."""
    s = c.s
    out: list[Change] = []
    for i, ev in enumerate(s.events):
        if ev.on is not None:
            out += _of(ev.effect, ev.on, ("events", i, "effect"), {})
    last = dt.date.max  # a threat fires at most once, on a date not known here: last
    sides = {"target": list(s.belligerents())}
    for aid, a in s.actors.items():
        for j, t in enumerate(getattr(a, "threats", None) or ()):
            out += _of(t.effect, last, ("actors", aid, "threats", j, "effect"), sides)
    return out


def _of(
    effect: dict[str, Any], when: dt.date, loc: Loc, alias: dict[str, list[str]]
) -> list[Change]:
    out: list[Change] = []
    for path, raw in effect.items():
        head, _, who = path.partition(".")
        try:
            op, x = parse_effect(raw)
        except ValueError:  # reported by the schema
            continue
        for name in alias.get(who, [who]):
            out.append((when, (*loc, path), f"{head}.{name}" if name else head, op, x))
    return out
