"""The path of a resampled run's forecast (``sim run --as-of DATE --resample --path``).

A resampled run's futures were chosen by the whole record up to its date, so they cannot be
weighed back to an earlier date as a weighted run's can. Its path is drawn instead from one
resampled run as of each earlier date of the evidence (and the start, before any), each of a
quarter of the run's futures (at least ``MIN_FUTURES``), with the run's seed: P(ceasefire by
the horizon) given the record up to that date, its 95% interval counting ancestors and its
effective sample. The rows go in ``meta["resampling"]["path"]``; ``Results.forecast_path``
returns them followed by the run's own. Each path run keeps its chunks in its own checkpoint
folder, so an interrupted run resumes them.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from ..errors import InconsistentRecord
from ..model.scenario.schema import Scenario
from ..output.results import Results
from .runner import run

__all__ = ["MIN_FUTURES", "SHARE", "path_dates", "path_size", "with_path"]

SHARE = 4  # a path point has this share (1/SHARE) of the run's futures ...
MIN_FUTURES = 1_024  # ... and at least this many


def path_dates(scenario: Scenario, as_of: dt.date) -> list[dt.date]:
    """The start and every date of the evidence before ``as_of``."""
    return sorted({scenario.start, *(o.date for o in scenario.observations if o.date < as_of)})


def path_size(replicates: int) -> int:
    """The futures of one path point for a run of ``replicates``."""
    return max(MIN_FUTURES, -(-replicates // SHARE))


def with_path(
    results: Results,
    scenario: Scenario,
    as_of: str | dt.date,
    seed: int,
    workers: int = 1,
    executor: Executor | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int, dt.date], None] | None = None,
) -> Results:
    """``results`` (a run resampled as of ``as_of``) with the path of its forecast in its meta;
    ``progress(k, of, date)`` is told before each of the path's runs."""
    end = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))
    n = path_size(results.n)
    dates = path_dates(scenario, end)
    rows: list[dict[str, Any]] = []
    for k, d in enumerate(dates):
        if progress is not None:
            progress(k, len(dates), d)
        cp = None if checkpoint is None else Path(checkpoint) / f"path-{d.isoformat()}"
        try:
            r = run(scenario, replicates=n, seed=seed, workers=workers, executor=executor,
                    checkpoint=cp, as_of=d, resample=True)  # fmt: skip
        except InconsistentRecord:
            used = sum(o.date <= d for o in scenario.observations)
            rows.append({"as_of": d.isoformat(), "observations": used, "estimate": None,
                         "ci_low": None, "ci_high": None, "ess": 0.0, "consistent": False,
                         "replicates": n})  # fmt: skip
            continue
        rows.append({**r.forecast_path()[0], "replicates": n})
    if progress is not None:
        progress(len(dates), len(dates), end)
    results.meta["resampling"] = {**results.meta["resampling"], "path": rows}
    return results
