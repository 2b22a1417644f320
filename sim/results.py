"""Results of a run: per-replicate outcomes, per-round series, traces and provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class Results:
    """What one Monte Carlo run produced.

    outcomes: one row per replicate (columns: see docs/model.md, "Outcomes").
    series:   one row per round (day, date, p_agreed, p_in_force, p_truce, control_*, support_mean.*).
    meta:     JSON-able provenance and scenario facts (name, version, seed, replicates,
              scenario_sha256, start, horizon, issues, actors, wall_seconds, ...).
    traces:   event logs of the first K replicates: [{"replicate": i, "events": [...]}, ...].
    """

    outcomes: pd.DataFrame
    series: pd.DataFrame
    meta: dict[str, Any]
    traces: list[dict[str, Any]] = field(default_factory=list)
