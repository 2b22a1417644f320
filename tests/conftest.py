"""Shared fixtures: synthetic Results shaped like an engine run (500 replicates, 36 weekly rounds);
tests/test_fixture_contract.py checks their columns, dtypes and meta against a real run."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.output.results import Results

SCENARIO_YAML = """\
name: Synthetic war
description: Two belligerents, one mediator, one patron.
start: 2025-03-01
horizon: 252
issues:
  territory: {unit: "% of A's land held by B", range: [0, 30]}
  neutrality: {range: [0, 1], ends: [aligned, neutral]}
"""


def make_results(
    n: int = 500,
    rounds: int = 36,
    seed: int = 1,
    name: str = "Synthetic war",
    description: str = "Two belligerents, one mediator, one patron.",
    sources: list[str] | None = None,
    traces: int = 20,
    front_line: bool = True,
) -> Results:
    """A Results with the engine's contract: columns, dtypes, meta keys and traces."""
    rng = np.random.default_rng(seed)
    round_days = 7
    horizon_days = rounds * round_days
    start = dt.date(2025, 3, 1)
    horizon = start + dt.timedelta(days=horizon_days)

    # Sampled inputs (what we do not know) that drive the weekly chance of agreement.
    optimism = rng.normal(0.1, 0.05, n)
    bite = rng.uniform(0.0, 0.02, n)
    support = rng.beta(6, 4, n)
    patience = rng.triangular(0.95, 0.98, 0.995, n)
    weekly = np.clip(0.02 + 2.0 * bite - 0.15 * optimism + 0.02 * (1 - support), 0.001, 0.2)

    week = rng.geometric(weekly)
    agreed = week <= rounds
    ceasefire_day = np.where(agreed, week * round_days, np.nan)
    truce_week = rng.geometric(weekly * 1.5)
    truce_day = np.where(truce_week <= rounds, truce_week * round_days, np.nan)
    lasts = rng.exponential(200.0, n)
    broke = agreed & (ceasefire_day + lasts < horizon_days)
    breakdown_day = np.where(broke, np.round(ceasefire_day + lasts), np.nan)
    in_force = agreed & ~broke

    control = np.clip(18 + rng.normal(0, 2.5, n), 0, 30) if front_line else np.full(n, np.nan)
    terms_territory = np.where(agreed, np.clip(control + rng.normal(0, 1, n), 0, 30), np.nan)
    terms_neutrality = np.where(agreed, rng.beta(4, 2, n), np.nan)
    obstructer = np.where(
        agreed, "", rng.choice(np.array(["russia", "ukraine", ""]), size=n, p=[0.5, 0.2, 0.3])
    )

    outcomes = pd.DataFrame(
        {
            "replicate": np.arange(n, dtype=np.int64),
            "truce_day": truce_day,
            "ceasefire": agreed,
            "ceasefire_day": ceasefire_day,
            "terms.territory": terms_territory,
            "terms.neutrality": terms_neutrality,
            "breakdown_day": breakdown_day,
            "in_force_at_horizon": in_force,
            "obstructed_by": obstructer,
            "threats_fired": rng.poisson(0.4, n).astype(np.int64),
            "mediator_engaged": rng.random(n) < 0.8,
            "final_control": control,
            "final_support.russia": np.clip(support - 0.1, 0, 1),
            "final_support.ukraine": np.clip(support + rng.normal(0, 0.05, n), 0, 1),
            "stalling.russia": rng.random(n) < 0.3,
            "stalling.ukraine": np.zeros(n, dtype=bool),
            "below_reservation": agreed & (rng.random(n) < 0.2),
            "issues_deferred": np.where(agreed, rng.integers(0, 2, n), np.nan),
            "front_at_ceasefire": np.where(agreed, control, np.nan),
            "decided_day": np.where(~agreed & (rng.random(n) < 0.1), 100.0, np.nan),
            "obstacles_lift_day": np.full(n, np.nan),  # no hidden obstacles (the default)
            "decided_for": np.where(~agreed & (rng.random(n) < 0.1), "russia", ""),
            "param.actors.russia.optimism": optimism,
            "param.pressures.sanctions.bite": bite,
            "param.actors.ukraine.support": support,
            "param.actors.russia.patience": patience,
        }
    )

    days = np.arange(1, rounds + 1) * round_days
    cd = np.where(agreed, ceasefire_day, np.inf)
    bd = np.where(broke, breakdown_day, np.inf)
    td = np.where(np.isnan(truce_day), np.inf, truce_day)
    drift = np.linspace(0, 1, rounds)
    series = pd.DataFrame(
        {
            "day": days.astype(np.int64),
            "date": pd.to_datetime([start + dt.timedelta(days=int(d)) for d in days]),
            "p_agreed": [(cd <= d).mean() for d in days],
            "p_in_force": [((cd <= d) & (bd > d)).mean() for d in days],
            "p_truce": [((td <= d) & (td + 30 > d)).mean() for d in days],
            "p_decided": np.linspace(0, 0.1, rounds),
            "control_mean": 17 + drift,
            "control_p10": 14 + 0.5 * drift,
            "control_p50": 17 + drift,
            "control_p90": 20 + 1.5 * drift,
            "support_mean.russia": 0.6 - 0.1 * drift,
            "support_mean.ukraine": 0.7 - 0.05 * drift,
        }
    )
    if not front_line:
        for c in ("control_mean", "control_p10", "control_p50", "control_p90"):
            series[c] = np.nan

    meta: dict[str, Any] = {
        "scenario": name,
        "description": description,
        "sources": sources if sources is not None else ["Fortna (2003), Scraps of Paper"],
        "version": "0.1.0",
        "seed": seed,
        "replicates": n,
        "scenario_sha256": "0" * 64,
        "calibration": None,
        "start": start.isoformat(),
        "horizon": horizon.isoformat(),
        "horizon_days": horizon_days,
        "round_days": round_days,
        "issues": {
            "territory": {
                "description": "territory held by B",
                "unit": "% of A's land held by B",
                "range": [0, 30],
                "ends": ["0", "30"],
            },
            "neutrality": {
                "description": "A's alignment",
                "unit": "",
                "range": [0, 1],
                "ends": ["aligned", "neutral"],
            },
        },
        "front_line_issue": "territory" if front_line else None,
        "war_began": None,
        "conflict_type": None,
        "actors": {
            "ukraine": {"role": "belligerent", "name": "Ukraine", "side": "A"},
            "russia": {"role": "belligerent", "name": "Russia", "side": "B"},
            "usa": {"role": "mediator", "name": "United States"},
            "eu": {"role": "patron", "name": "European Union"},
        },
        "threats": ["cut aid", "raise sanctions"],
        "wall_seconds": 1.25,
        "scenario_yaml": SCENARIO_YAML,
        "created_utc": "2025-01-01T00:00:00Z",
        "diagnostics": {
            "first_session_agreement": 0.25,
            "below_reservation": 0.2,
            "mediator_gap": 0.0,
            "mediator_gap_checked": 100,
        },
        "observations": [],
        "overrides": [],
        "warnings": [],
    }

    tr: list[dict[str, Any]] = []
    for i in range(min(traces, n)):
        ev: list[dict[str, Any]] = [
            {
                "day": 7,
                "date": (start + dt.timedelta(days=7)).isoformat(),
                "kind": "proposal",
                "text": "Mediator proposes territory 18.0, neutrality 0.6",
                "territory": 18.0,
            },
        ]
        if agreed[i]:
            d = int(ceasefire_day[i])
            ev.append(
                {
                    "day": d,
                    "date": (start + dt.timedelta(days=d)).isoformat(),
                    "kind": "ceasefire",
                    "text": "Both sides accept: ceasefire",
                }
            )
        else:
            ev.append(
                {
                    "day": 14,
                    "date": (start + dt.timedelta(days=14)).isoformat(),
                    "kind": "threat",
                    "text": "United States cuts aid to Russia",
                }
            )
        if broke[i]:
            d = int(breakdown_day[i])
            ev.append(
                {
                    "day": d,
                    "date": (start + dt.timedelta(days=d)).isoformat(),
                    "kind": "breakdown",
                    "text": "Ceasefire breaks down",
                }
            )
        row = outcomes.iloc[i]
        tr.append(
            {
                "replicate": i,
                "events": ev,
                "outcome": {
                    "ceasefire": bool(row["ceasefire"]),
                    "ceasefire_day": None
                    if np.isnan(row["ceasefire_day"])
                    else float(row["ceasefire_day"]),
                    "breakdown_day": None
                    if np.isnan(row["breakdown_day"])
                    else float(row["breakdown_day"]),
                },
            }
        )
    return Results(outcomes=outcomes, series=series, meta=meta, traces=tr)


@pytest.fixture
def synthetic_results() -> Results:
    return make_results()


@pytest.fixture(scope="session")
def every_verb(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Every verb run once for the session (tests/every_verb.py): its pages, figures, output."""
    from every_verb import run_every_verb

    return run_every_verb(tmp_path_factory.mktemp("verbs"))
