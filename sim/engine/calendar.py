"""The calendar of a chunk: a simpy Environment schedules rounds, sessions and dated items.

Every process in the environment posts what falls due, at its day, to an agenda;
the engine then works through the agenda round by round. Dates are the same for
every replicate, so the calendar is laid out once per chunk; per-replicate timing
(threat delays, truce ends) lives in the state arrays.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import simpy

from ..scenario.schema import Scenario

# Order of work within one round (lower first).
ORDER = {
    "talks_open": 0,
    "event": 1,
    "sanctions_step": 2,
    "election": 3,
    "deadline": 4,
    "proposal": 5,
    "negotiate": 6,
}


@dataclass(frozen=True)
class Item:
    day: int
    kind: str
    index: int = -1  # which event / proposal / election / threat
    extra: Any = None


def build_agenda(s: Scenario) -> tuple[int, list[list[Item]]]:
    """Lay out the calendar; return (number of rounds, items per round in order)."""
    horizon = s.horizon_days
    rd = s.round_days
    rounds = math.ceil(horizon / rd)
    env = simpy.Environment()
    posted: list[tuple[int, int, int, Item]] = []

    def post(item: Item) -> None:
        posted.append((item.day, ORDER[item.kind], len(posted), item))

    def at(
        day: int, item_kind: str, index: int = -1, extra: Any = None
    ) -> Generator[Any, Any, None]:
        if 0 <= day < horizon:
            yield env.timeout(day)
            post(Item(int(env.now), item_kind, index, extra))

    def every(
        start: int, step: int, stop: int, kind: str, index: int = -1
    ) -> Generator[Any, Any, None]:
        start = max(start, 0)
        if start >= min(stop, horizon):
            return
        yield env.timeout(start)
        while env.now < min(stop, horizon):
            post(Item(int(env.now), kind, index))
            yield env.timeout(step)

    ng = s.negotiation
    if ng.talks_open is True:
        open_day = 0
    elif ng.talks_open is False:
        open_day = horizon
    else:
        open_day = s.day_of(ng.talks_open)
    env.process(at(open_day, "talks_open"))
    env.process(every(open_day, ng.every_days, horizon, "negotiate"))
    for i, e in enumerate(s.events):
        if e.on is not None:
            env.process(at(s.day_of(e.on), "event", i))
    if s.pressures.sanctions is not None:
        for i, st in enumerate(s.pressures.sanctions.schedule):
            env.process(at(s.day_of(st.on), "sanctions_step", i))
    for aid, d in s.pressures.domestic.items():
        for i, el in enumerate(d.elections):
            env.process(at(s.day_of(el.on), "election", i, aid))
    for mid, m in s.mediators().items():
        for i, t in enumerate(m.threats):
            if t.trigger == "deadline" and t.deadline is not None:
                env.process(at(s.day_of(t.deadline), "deadline", i, mid))
    for i, p in enumerate(s.proposals):
        if p.on is not None:
            env.process(at(s.day_of(p.on), "proposal", i))
        else:
            assert p.every_days is not None
            start = s.day_of(p.from_) if p.from_ is not None else 0
            stop = s.day_of(p.until) + 1 if p.until is not None else horizon
            env.process(every(start, p.every_days, stop, "proposal", i))
    env.run(until=horizon)

    per_round: list[list[Item]] = [[] for _ in range(rounds)]
    grouped: dict[int, list[tuple[int, int, int, Item]]] = defaultdict(list)
    for entry in posted:
        grouped[entry[0] // rd].append(entry)
    for r, entries in grouped.items():
        per_round[r] = [e[3] for e in sorted(entries, key=lambda e: (e[0], e[1], e[2]))]
    return rounds, per_round
