"""The calendar: dated items carrying their own callbacks, dispatched in day order by a simpy Environment.

Mechanisms declare their dated items (events, sanction steps, elections, deadlines,
proposals, negotiation sessions) once per scenario; the calendar sorts them with the
rounds' begin and end steps and, for each chunk, hands them to a fresh simpy
``Environment`` as timeouts whose callbacks run the items. A stretch of the schedule can be
played again (``play``): a resampled run's particle filter replays the days since its last
observation to draw more futures that fit the record (engine/resample.py). Dates are the same for
every replicate; per-replicate timing (threat delays, truce ends) lives in state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import simpy

W = TypeVar("W")

# Order of work on one day (lower first): the round's begin step, then dated items by the
# rank their mechanism gives them. A round's end step is dated by its last day + 1 with
# END, so it runs after every item of the round and before the next round begins.
END = -2
BEGIN = -1


@dataclass(frozen=True)
class Item(Generic[W]):
    """Something that falls due on ``day`` (days from start); ``run(world)`` carries it out."""

    day: int
    rank: int  # order among items of the same day (lower first)
    label: str
    run: Callable[[W], None] = field(compare=False)
    refresh: bool = True  # the item may change what fighting on is worth


@dataclass(frozen=True)
class Calendar(Generic[W]):
    """Rounds of ``round_days`` from day 0 to the horizon, and the dated items within them."""

    horizon_days: int
    round_days: int
    items: tuple[Item[W], ...]

    @classmethod
    def of(cls, horizon_days: int, round_days: int, items: Sequence[Item[W]]) -> Calendar[W]:
        """Keep the items dated before the horizon, sorted by (day, rank, declaration order)."""
        kept = [
            (it.day, it.rank, i, it) for i, it in enumerate(items) if 0 <= it.day < horizon_days
        ]
        return cls(horizon_days, round_days, tuple(e[3] for e in sorted(kept, key=lambda e: e[:3])))

    @property
    def rounds(self) -> int:
        return -(-self.horizon_days // self.round_days)

    def in_round(self, r: int) -> list[Item[W]]:
        lo, hi = r * self.round_days, (r + 1) * self.round_days
        return [it for it in self.items if lo <= it.day < hi]

    def schedule(
        self,
        world: W,
        set_day: Callable[[W, int], None],
        begin: Callable[[W, int], None],
        end: Callable[[W, int], None],
        after_item: Callable[[W], None],
    ) -> list[Step]:
        """Every step from day 0 to the horizon in the order they run: (day, callback)."""
        schedule: list[tuple[int, int, Callable[[Any], None]]] = []
        rd = self.round_days
        for r in range(self.rounds):
            schedule.append((r * rd, BEGIN, _round_step(world, begin, set_day, r, rd)))
            schedule.append(((r + 1) * rd, END, _round_step(world, end, set_day, r, rd)))
        for it in self.items:
            schedule.append((it.day, it.rank, _item_step(world, it, set_day, after_item)))
        # A stable sort: items of one day keep their ranks and declaration order.
        return [(day, fn) for day, _, fn in sorted(schedule, key=lambda e: (e[0], e[1]))]


Step = tuple[int, Callable[[Any], None]]


def play(steps: Sequence[Step], first: int, after_entry: Callable[[int], None] | None) -> None:
    """Run ``steps`` (numbered from ``first`` in the whole schedule) in a simpy Environment, each
    a timeout at its day whose callback carries it out, then calls ``after_entry(number)``.
    Timeouts created in order fire in that order (simpy breaks ties by creation)."""
    env = simpy.Environment()
    for j, (day, fn) in enumerate(steps, start=first):
        env.timeout(day).callbacks.append(_entry(fn, j, after_entry))
    env.run()


def _entry(
    fn: Callable[[Any], None], j: int, after: Callable[[int], None] | None
) -> Callable[[Any], None]:
    if after is None:
        return fn

    def fire(event: Any) -> None:
        fn(event)
        after(j)

    return fire


def _round_step(
    world: W, step: Callable[[W, int], None], set_day: Callable[[W, int], None], r: int, rd: int
) -> Callable[[Any], None]:
    def fire(_: Any) -> None:
        set_day(world, r * rd)
        step(world, r)

    return fire


def _item_step(
    world: W, it: Item[W], set_day: Callable[[W, int], None], after: Callable[[W], None]
) -> Callable[[Any], None]:
    def fire(_: Any) -> None:
        set_day(world, it.day)
        it.run(world)
        if it.refresh:
            after(world)

    return fire
