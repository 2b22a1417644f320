"""The limits that keep a run inside the machine, in one place (documented in
docs/scenario-language.md, section 12, and in ``sim run --help``).

Scenario limits are checked when a scenario is validated; run limits (replicates,
workers, points, traced replicates, scenarios compared, cases, resamples) when a run,
sweep, comparison, study or discovery is asked for: every option that scales the work or
the output has its ceiling here.
Imports nothing heavy: ``sim validate`` uses it.
"""

from __future__ import annotations

import os

__all__ = [
    "BOOTSTRAP_BLOCK",
    "MAX_AUTO_REPLICATES",
    "MAX_CASES",
    "MAX_COMPARED",
    "MAX_HORIZON_DAYS",
    "MAX_MAGNITUDE",
    "MAX_POINTS",
    "MAX_REPLICATES",
    "MAX_RESAMPLES",
    "MAX_ROUNDS",
    "MAX_TRACE",
    "WORKERS_PER_CPU",
    "cap_workers",
    "check_at_most",
    "cpu_count",
]

MAX_ROUNDS = 5_000  # rounds from start to horizon (~96 years of weekly rounds)
MAX_HORIZON_DAYS = 36_525  # a horizon at most 100 years after the start
MAX_REPLICATES = 100_000_000  # per run (the scenario's run.replicates has the same cap)
MAX_AUTO_REPLICATES = 1_000_000  # -n auto stops here if the precision is not met before
MAX_POINTS = 100_000  # points of a sweep design or of a sensitivity study
MAX_MAGNITUDE = 1e12  # every scenario number, plain or drawn, lies within ±MAX_MAGNITUDE
MAX_TRACE = 1_000  # replicates whose events are logged (--trace): ~3 ms and ~400 B a round each
MAX_RESAMPLES = 100  # PRIM reruns of sim discover --resamples (each a few seconds)
MAX_COMPARED = 100  # scenarios (and variants) of one comparison, all held in memory at once
MAX_CASES = 1_000  # history cases of one hindcast or calibration
WORKERS_PER_CPU = 4  # local worker processes: at most this many per CPU
BOOTSTRAP_BLOCK = (
    2_000_000  # compare's paired bootstrap draws its resampled indices in blocks of this many
)


def check_at_most(count: int, ceiling: int, what: str) -> None:
    """UsageError when ``count`` of ``what`` (e.g. "scenarios to compare") exceeds ``ceiling``."""
    from ..errors import UsageError

    if count > ceiling:
        raise UsageError(f"at most {ceiling:,} {what} (got {count:,})")


def cpu_count() -> int:
    """CPUs this process may use (its affinity where the platform says, else all)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def cap_workers(workers: int, jobs: int) -> int:
    """Worker processes to start: at most one per job and WORKERS_PER_CPU per CPU."""
    return max(1, min(workers, jobs, WORKERS_PER_CPU * cpu_count()))
