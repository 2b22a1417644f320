"""Small scenarios with closed-form answers (docs/model.md, "Oracles"), built as mappings."""

from __future__ import annotations

import copy
import math
from typing import Any

# Fearon's limit of the war value, W = E[U] - C/h, needs patience -> 1: take 1 - 1e-9, and a
# decisive hazard per year that gives h = 0.5 per weekly round, so cost = c h per round makes
# the expected cost of fighting on C/h = c (to within 1e-8).
PATIENT = 1.0 - 1e-9
DECISIVE_PER_YEAR = math.log(2.0) * 365.0 / 7.0
H = 0.5


def fearon(
    p: float = 0.4,
    c_a: float = 0.1,
    c_b: float = 0.15,
    *,
    horizon: int = 7,
    rationality: float = 1e6,
) -> dict[str, Any]:
    """One issue x in [0, 1] (share to B), y_A = 0, y_B = 1, linear utilities, frozen front.

    Capabilities give p = K_B / (K_A + K_B); patience near 1 and cost c h make W_A = 1 - p - c_A
    and W_B = p - c_B (Fearon 1995).
    """
    return {
        "name": "fearon oracle",
        "start": "2025-01-01",
        "horizon": horizon,
        "round_days": 7,
        "issues": {"x": {"range": [0, 1]}},
        "actors": {
            "a": {
                "role": "belligerent",
                "side": "A",
                "ideal": {"x": 0},
                "salience": {"x": 1},
                "capability": 1 - p,
                "patience": PATIENT,
                "cost": c_a * H,
            },
            "b": {
                "role": "belligerent",
                "side": "B",
                "ideal": {"x": 1},
                "salience": {"x": 1},
                "capability": p,
                "patience": PATIENT,
                "cost": c_b * H,
            },
            "m": {"role": "mediator", "proposes": "none"},
        },
        "pressures": {
            # the war is valued with Fearon's limit, which needs a large hazard per round; the
            # realised decisive end is switched off so that only bargaining is measured
            "battlefield": {
                "decisive_per_year": DECISIVE_PER_YEAR,
                "decisive_ends": False,
                "drift": 0,
                "volatility": 0,
            },
            "learning": {"rate": 0, "noise": 0},
        },
        "negotiation": {"rationality": rationality},
        "durability": {"base_hazard_per_year": 0},
    }


def with_offer(base: dict[str, Any], x: float, every_days: int | None = None) -> dict[str, Any]:
    """The mediator puts terms x (on day 0, or every ``every_days``)."""
    s = copy.deepcopy(base)
    prop: dict[str, Any] = {"name": "offer", "by": "m", "terms": {"x": x}}
    if every_days is None:
        prop["on"] = s["start"]
    else:
        prop["every_days"] = every_days
    s["proposals"] = [prop]
    return s


def nash(beta_a: float, beta_b: float, **kw: Any) -> dict[str, Any]:
    """The Fearon setting with a Nash mediator of weights beta and a fine candidate grid."""
    s = fearon(**kw)
    s["actors"]["m"] = {
        "role": "mediator",
        "proposes": "nash",
        "weights": {"a": beta_a, "b": beta_b},
    }
    return s


def toy() -> dict[str, Any]:
    """A small two-issue war with every pressure, for comparative statics (not an oracle).

    Weekly rounds; the war is decided with a hazard of 0.5 a year, so each side weighs its
    weekly cost of 0.0008 over some 95 weeks (~0.08 utility) and discounts the prize by ~0.8;
    mutual optimism of 0.35 leaves no zone of agreement at the start, learning opens one
    within the year.
    """
    return {
        "name": "toy war",
        "start": "2025-01-01",
        "horizon": 364,
        "issues": {
            "land": {"range": [0, 100], "status_quo": "front_line"},
            "guarantees": {"range": [0, 1], "status_quo": 0},
        },
        "actors": {
            "a": {
                "role": "belligerent",
                "side": "A",
                "ideal": {"land": 0, "guarantees": 1},
                "salience": {"land": 0.6, "guarantees": 0.4},
                "capability": 1.0,
                "patience": 0.999,
                "cost": 0.0008,
                "optimism": 0.35,
                "support": 0.6,
                "audience_cost": 0.5,
                "red_lines": [{"issue": "land", "above": 30, "penalty": 0.2}],
            },
            "b": {
                "role": "belligerent",
                "side": "B",
                "ideal": {"land": 100, "guarantees": 0},
                "salience": {"land": 0.7, "guarantees": 0.3},
                "capability": 1.0,
                "patience": 0.999,
                "cost": 0.0008,
                "optimism": 0.35,
                "support": 0.6,
            },
            "m": {"role": "mediator", "proposes": "nash", "noise": 0.05},
        },
        "pressures": {
            "battlefield": {
                "control": 20,
                "drift": 0.01,
                "volatility": 0.005,
                "decisive_per_year": 0.5,
                "attrition": {"a": 0.01, "b": 0.01},
                "regeneration": {"a": 0.01, "b": 0.01},
            },
            "learning": {"rate": 0.02, "noise": 0.0},
        },
        "negotiation": {"misperception": {"sd": 0.02, "persistence": 0.9}, "every_days": 14},
        "durability": {"base_hazard_per_year": 0.5, "dissatisfaction": 3},
    }


def decided_toy(
    rate: float, structure: dict[str, float] | None = None, talks: bool = False
) -> dict[str, Any]:
    """The toy war decided by force at ``rate`` a year, with neither attrition nor rebuilding
    (the balance stays where capabilities put it), talks open or not, and ``structure`` numbers."""
    s = toy()
    s["pressures"]["battlefield"].update(decisive_per_year=rate, attrition={}, regeneration={})
    s["negotiation"]["talks_open"] = talks
    if structure is not None:
        s["structure"] = structure
    return s
