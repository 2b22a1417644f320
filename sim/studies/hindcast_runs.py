"""Running a hindcast's cases: in a pool, each kept as it finishes so an interrupted hindcast
resumes without the cases it had finished (sim/studies/cells.py)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cells import CellStore, Kept

__all__ = ["RUN", "case_cells", "case_cost", "longest_first", "side_by_side"]

RUN = "run"  # a case's run inside its cell


def side_by_side(cases: int, replicates: int, workers: int) -> bool:
    """Whether the cases of a hindcast run side by side, each on one worker, rather than in
    turn, each on all of them: whichever takes fewer rounds of chunks (of CHUNK_SIZE
    replicates; a chunk's draws depend on the seed and its index alone, so either way gives
    the same results). In turn a case of c chunks takes ceil(c / w) rounds on w workers, side
    by side the cases take ceil(cases / w) * c: 31 cases of 1,000 replicates on 2 workers, 31
    rounds in turn and 16 side by side. A run of more than MEMORY_CHUNKS chunks streams its
    outcomes to a temporary folder of the process that ran it: such cases run in turn."""
    from ..io.limits import cap_workers
    from .runner import CHUNK_SIZE, MEMORY_CHUNKS

    if type(replicates) is not int or type(workers) is not int or replicates < 1:
        return False  # in turn: the run refuses the size with its own message
    c = math.ceil(replicates / CHUNK_SIZE)
    each, turn = cap_workers(workers, cases), cap_workers(workers, c)
    return (
        each > 1
        and c <= MEMORY_CHUNKS
        and math.ceil(cases / each) * c < cases * math.ceil(c / turn)
    )


def case_cost(scenario: Any) -> float:
    """A rough cost of a case's run, to start the costliest first (nothing else depends on it):
    the days on which its talks can meet within the horizon (the negotiation's and each
    recurring proposal's), times its issues. What a session costs grows with the issues, and
    sessions are most of a run's work (docs/performance.md)."""
    days = scenario.horizon_days
    every = [scenario.negotiation.every_days]
    every += [p.every_days for p in scenario.proposals if p.every_days]
    talks = sum(days / max(1, e) for e in every if e)
    return float(max(talks, 1.0) * max(1, len(scenario.issues)))


def longest_first(costs: list[float]) -> list[int]:
    """The cases' indices, costliest first (ties in the given order): cases run side by side
    start in this order, so a long one does not begin last and run on alone while the other
    workers sit idle (longest processing time first)."""
    return sorted(range(len(costs)), key=lambda i: (-costs[i], i))


def case_cells(store: CellStore, names: list[str], keys: list[dict[str, Any]]) -> Kept:
    """How a hindcast keeps its cases: each case's row, and its run beside it."""
    from ..output.results import Results

    def fill(result: tuple[dict[str, Any], Any]) -> Callable[[Path], None]:
        def write(tmp: Path) -> None:
            result[1].save(tmp / RUN)

        return write

    return Kept(
        store,
        dict(enumerate(names)),
        dict(enumerate(keys)),
        row=lambda result: result[0],
        fill=fill,
        read=lambda row, cell: (row, Results.load(cell / RUN)),
    )
