"""Tables and provenance of a run: the per-round series from summed accumulators, and meta.json."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from ...version import build
from ..mechanisms import Specs
from ..scenario.schema import Scenario

SERIES_FIRST = ["day", "date", "p_agreed", "p_in_force", "p_truce"]


def series_table(specs: Specs, sums: dict[str, Any], n: int) -> pd.DataFrame:
    """One row per round, dated by the round's last day (each row is the state at its end)."""
    lay = specs.layout
    days = np.minimum((np.arange(lay.rounds) + 1) * lay.round_days, lay.horizon_days) - 1
    series: dict[str, Any] = {"day": days, "date": [lay.date(int(d)) for d in days]}
    for m in specs.mechanisms():
        series.update(m.series(sums, n))
    order = SERIES_FIRST + [k for k in series if k not in SERIES_FIRST]
    df = pd.DataFrame({k: series[k] for k in order})
    df["date"] = pd.to_datetime(df["date"])
    return df


def run_meta(s: Scenario, seed: int, n: int, wall: float) -> dict[str, Any]:
    """Provenance and scenario facts for a run's meta.json."""
    from ..scenario.loader import calibration_of, dump_yaml, overrides_of, scenario_sha256
    from ..scenario.plausibility import plausibility_warnings

    return {
        "scenario": s.name,
        "overrides": list(overrides_of(s)),
        "calibration": calibration_of(s),
        "warnings": plausibility_warnings(s),
        "description": s.description,
        "sources": list(s.sources),
        "version": build(),
        "seed": seed,
        "replicates": n,
        "scenario_sha256": scenario_sha256(s),
        "start": s.start.isoformat(),
        "horizon": s.horizon_date.isoformat(),
        "horizon_days": s.horizon_days,
        "war_began": s.war_began.isoformat() if s.war_began else None,
        "conflict_type": s.conflict_type,
        "round_days": s.round_days,
        "issues": {
            k: {
                "description": i.description,
                "unit": i.unit,
                "range": list(i.range),
                "ends": [i.label(0), i.label(1)],
            }
            for k, i in s.issues.items()
        },
        "front_line_issue": s.front_line_issue(),
        "actors": {
            k: {
                "role": a.role,
                "name": a.name or k,
                **({"side": a.side} if a.role == "belligerent" else {}),
            }
            for k, a in s.actors.items()
        },
        "threats": s.threat_names(),
        "observations": [
            o.model_dump(mode="json", by_alias=True, exclude_none=True) for o in s.observations
        ],
        "wall_seconds": round(wall, 3),
        "scenario_yaml": dump_yaml(s),
        "created_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
