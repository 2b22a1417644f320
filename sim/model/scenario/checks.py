"""The shared state of the cross-field checks: the scenario, the problems found so far, and the
lookups every section's check needs (sim/scenario/references.py runs the sections)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .distributions import Dist, describe, support_of
from .messages import OMIT, Loc, RawProblem, did_you_mean
from .schema import Belligerent, Scenario
from .statepaths import STATE_PATHS

__all__ = ["Checks"]


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
