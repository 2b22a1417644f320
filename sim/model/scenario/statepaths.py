"""State paths that events and threats may change: each head, whose actor it names, and its valid range.

One table for the schema (which checks an effect's path) and the engine (which
applies it and clamps the result to the range: an effect never turns a quantity
into nonsense; see docs/model.md, "Effects and clamping").
"""

from __future__ import annotations

from typing import NamedTuple

from ...io.limits import MAX_MAGNITUDE


class StatePath(NamedTuple):
    actor: str | None  # "belligerent", "patron", "mediator", or None for a scenario-wide quantity
    lo: float  # results are clamped to [lo, hi]; no state exceeds MAX_MAGNITUDE, so
    # effects compounding without end (a "*2" at random dates) stay finite
    hi: float
    switch: bool = False  # an on/off state: on when the resulting value is above 0.5


ECONOMY_FLOOR = 1e-3  # a ruined but existing economy: the economy index never reaches 0
CAPABILITY_FLOOR = 1e-6  # capability stays positive so the contest success function is defined

STATE_PATHS: dict[str, StatePath] = {
    "capability": StatePath("belligerent", CAPABILITY_FLOOR, MAX_MAGNITUDE),
    "economy": StatePath("belligerent", ECONOMY_FLOOR, MAX_MAGNITUDE),
    "support": StatePath("belligerent", 0.0, 1.0),
    "optimism": StatePath("belligerent", -1.0, 1.0),
    "cost": StatePath("belligerent", 0.0, MAX_MAGNITUDE),
    "aid": StatePath("patron", 0.0, MAX_MAGNITUDE),
    "engaged": StatePath("mediator", 0.0, 1.0, switch=True),
    "sanctions": StatePath(None, 0.0, 1.0),
    "intensity": StatePath(None, 0.0, MAX_MAGNITUDE),
    "talks": StatePath(None, 0.0, 1.0, switch=True),
}
