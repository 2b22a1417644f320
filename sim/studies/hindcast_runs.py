"""Running a hindcast's cases: in a pool, each kept as it finishes so an interrupted hindcast
resumes without the cases it had finished (sim/studies/cells.py)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cells import CellStore

__all__ = ["run_cases", "side_by_side"]

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


def run_cases(
    jobs: dict[int, Any],
    run_case: Callable[[Any], tuple[dict[str, Any], Any]],
    workers: int,
    progress: Callable[[int, int], None] | None,
    kept: tuple[CellStore, list[str], list[dict[str, Any]]] | None = None,
) -> dict[int, tuple[dict[str, Any], Any]]:
    """Each job's (row, Results) by its index: ``run_case(job)`` on ``workers`` processes,
    ``progress(done, total)`` as cases finish. With ``kept`` (the store, each job's cell name
    and key) a job whose cell holds its key is read back instead of run, and each job run is
    saved to its cell as it finishes."""
    from ..io.execution import map_unordered
    from ..output.results import Results

    total, todo = len(jobs), dict(jobs)
    done: dict[int, tuple[dict[str, Any], Any]] = {}
    if kept is not None:
        store, names, keys = kept
        for i in list(todo):
            got = store.load(names[i], keys[i])
            if got is not None:
                done[i] = (got[0], Results.load(got[1] / RUN))
                del todo[i]
        if progress is not None and done:
            progress(len(done), total)
    for i, (row, r) in map_unordered(run_case, todo, workers, None):
        if kept is not None:
            store.save(names[i], keys[i], row, _saver(r))
        done[i] = (row, r)
        if progress is not None:
            progress(len(done), total)
    return done


def _saver(results: Any) -> Callable[[Path], None]:
    """What a case's cell keeps beside its row: its run."""

    def fill(tmp: Path) -> None:
        results.save(tmp / RUN)

    return fill
