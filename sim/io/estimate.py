"""Memory, disk and time a run or study will need, estimated before it starts.

The figures are deliberately rough (measured on the baseline scenario, rounded up): they
only have to tell a run this machine can do from one it cannot. A run whose memory or
disk estimate exceeds what is free here is refused with the estimate, unless the user
says ``--allow-large``; the time is part of the message, and printed for long runs.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .limits import BOOTSTRAP_BLOCK, cap_workers, cpu_count

__all__ = [
    "Estimate",
    "available_memory",
    "check_fits",
    "compare_estimate",
    "run_estimate",
    "study_estimate",
]

MiB = 2**20
PARENT_BYTES = 400 * MiB  # the main process with numpy, scipy, numba and the engine loaded
WORKER_BYTES = 100 * MiB  # a forked worker's own pages
STATE_BYTES = 12  # engine state per replicate and round while a chunk runs
OUTCOME_BYTES = 600  # one replicate's outcome row (memory, npz chunk or Parquet)
SUMMARY_BYTES = 80  # per replicate while the summary reads columns one at a time
BOOTSTRAP_BYTES = (
    4 * 8
)  # compare: per resampled index (BOOTSTRAP_BLOCK of them at a time), its two days and their partition
SECONDS = 4e-6  # one replicate for one round on one CPU
CHUNK = 4096  # replicates per chunk (sim.engine.runner.CHUNK_SIZE)
# A traced replicate (--trace) logs every event of every round as Python objects: measured
# on the baseline, 2,000 traced replicates of 36 rounds took 204 s more, 250 MB more
# memory and a 24 MB traces.jsonl.
TRACE_SECONDS = 3e-3  # one traced replicate for one round (not shared between workers)
TRACE_MEMORY = 4096  # bytes held per traced replicate and round
TRACE_DISK = 400  # bytes of traces.jsonl per traced replicate and round
MEMORY_CHUNKS = 64  # a run of more chunks spills its outcomes to disk


@dataclass(frozen=True)
class Estimate:
    """What a job needs: peak memory and disk in bytes, wall time in seconds."""

    what: str
    memory: int
    disk: int
    seconds: float

    def text(self) -> str:
        disk = f" and {_bytes(self.disk)} of disk" if self.disk else ""
        return (
            f"{self.what} needs about {_bytes(self.memory)} of memory{disk} and takes about "
            f"{_duration(self.seconds)}"
        )


def _bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit in ("B", "KiB") else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def _duration(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 3 * 86400:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.0f} days"


def rounds_of(scenario: Any) -> int:
    """Rounds from the start to the horizon of a validated Scenario."""
    return -(-int(scenario.horizon_days) // int(scenario.round_days))


def _chunk(replicates: int, rounds: int) -> int:
    n = min(replicates, CHUNK)
    return n * (rounds * STATE_BYTES + 2 * OUTCOME_BYTES)


def run_estimate(replicates: int, rounds: int, workers: int, trace: int = 0) -> Estimate:
    """One checkpointed run (sim run): chunks in workers, outcomes streamed to disk; the
    first ``trace`` replicates with their events logged."""
    chunks = -(-replicates // CHUNK)
    w = cap_workers(workers, chunks)
    memory = PARENT_BYTES + w * (WORKER_BYTES + _chunk(replicates, rounds))
    memory += replicates * SUMMARY_BYTES
    disk = 3 * replicates * OUTCOME_BYTES  # chunks, their Parquet, the results' copy
    seconds = replicates * rounds * SECONDS / min(w, cpu_count())
    traced = min(trace, replicates) * rounds
    memory += traced * TRACE_MEMORY
    disk += traced * TRACE_DISK
    seconds += traced * TRACE_SECONDS
    what = f"{replicates:,} replicates of {rounds:,} rounds"
    if trace:
        what += f" ({min(trace, replicates):,} traced)"
    return Estimate(what, memory, disk, seconds)


def _point(replicates: int, rounds: int) -> tuple[int, int]:
    """Memory and spill disk of one in-process run whose whole table is read back."""
    spill = replicates * 2 * OUTCOME_BYTES if replicates > MEMORY_CHUNKS * CHUNK else 0
    return _chunk(replicates, rounds) + 2 * replicates * OUTCOME_BYTES, spill


def study_estimate(points: int, replicates: int, rounds: int, workers: int) -> Estimate:
    """A sweep or sensitivity study: ``points`` runs of ``replicates``, W at a time."""
    w = cap_workers(workers, points)
    mem, spill = _point(replicates, rounds)
    memory = PARENT_BYTES + w * (WORKER_BYTES + mem)
    seconds = points * replicates * rounds * SECONDS / min(w, cpu_count())
    what = f"{points:,} points of {replicates:,} replicates and {rounds:,} rounds"
    return Estimate(what, memory, w * spill, seconds)


def compare_estimate(scenarios: int, replicates: int, rounds: int, workers: int) -> Estimate:
    """A comparison: every run kept in memory, then paired bootstrap resamples."""
    w = cap_workers(workers, -(-replicates // CHUNK))
    mem, spill = _point(replicates, rounds)
    memory = PARENT_BYTES + w * WORKER_BYTES + scenarios * mem
    memory += max(replicates, BOOTSTRAP_BLOCK) * BOOTSTRAP_BYTES
    seconds = scenarios * replicates * rounds * SECONDS / min(w, cpu_count())
    what = f"{scenarios} runs of {replicates:,} replicates and {rounds:,} rounds"
    return Estimate(what, memory, scenarios * spill, seconds)


def available_memory() -> int:
    """Memory free for a new job: MemAvailable where the system says, else all of it."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return 2**63  # unknown: do not refuse


def _free_disk(where: Path | None) -> int:
    if where is None:
        import tempfile

        where = Path(tempfile.gettempdir())
    probe = next((p for p in (where, *where.absolute().parents) if p.is_dir()), None)
    if probe is None:
        return 2**63
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return 2**63


def check_fits(est: Estimate, disk_at: Path | None = None, allow_large: bool = False) -> None:
    """UsageError when ``est`` needs more memory or disk than is free here (unless allowed)."""
    if allow_large:
        return
    short = []
    free = available_memory()
    if est.memory > free:
        short.append(f"{_bytes(free)} of memory is free")
    if est.disk:
        free_disk = _free_disk(disk_at)
        if est.disk > free_disk:
            short.append(f"{_bytes(free_disk)} of disk is free")
    if short:
        raise UsageError(
            f"{est.text()}, but only {' and '.join(short)}; ask for fewer replicates, points "
            "or workers (or add --allow-large to try anyway)"
        )
