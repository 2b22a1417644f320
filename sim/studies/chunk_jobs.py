"""A run's chunks as jobs of the studies' one runner (cells.run_jobs).

A chunk is a job like a hindcast's case or a sweep's point: run on the local pool, Dask or the
caller's executor, kept as it finishes, read back when an interrupted run of the same job had
finished it. What a run keeps is a chunk file in its checkpoint folder (engine/store.py:
identity, place and content hash; a chunk that does not verify is run again), or nothing but
memory; as each chunk finishes or is read back, its per-round sums, traced stories and
tracked columns are added to the Simulation (studies/runner.py), and progress counts
replicates.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..model.engine.store import ChunkOutput, FolderStore
from .cells import Kept, run_jobs

if TYPE_CHECKING:
    from .runner import Simulation

__all__ = ["run_chunks"]


def run_chunks(
    sim: Simulation, fn: Callable[[Any], Any], plan: list[tuple[int, int, int]], total: int
) -> None:
    """Run the chunks of ``plan`` (index, offset, size) not already in ``sim``'s store with
    ``fn`` (one chunk's job); add every chunk's sums, stories and tracked columns to ``sim``."""
    jobs = {i: (sim.specs, sim.seed, i, size, off, sim.trace) for i, off, size in plan}
    chunks = _Chunks(sim)
    kept = Kept(
        chunks,
        {i: str(i) for i in jobs},
        {i: {"offset": off, "n": size} for i, off, size in plan},
        row=lambda out: {"chunk": out},
        read=lambda row, cell: row["chunk"],
    )

    def progress(done: int, jobs_total: int) -> None:  # in replicates, not chunks
        sim.report(sim.done, total)

    run_jobs(fn, jobs, sim.workers, progress, kept, None, sim.executor)


class _Chunks:
    """The job store of a run's chunks: its checkpoint folder (or memory)."""

    def __init__(self, sim: Simulation):
        self.sim = sim

    def load(self, name: str, key: dict[str, Any]) -> tuple[dict[str, Any], Path] | None:
        """A chunk an interrupted run finished (added to the run now), or None: nothing kept,
        or a chunk file that does not verify (removed; the chunk is run again)."""
        store, i = self.sim.store, int(name)
        if not isinstance(store, FolderStore):
            return None
        c = store.resumed(i, key["offset"], key["n"], outcomes=bool(self.sim.track))
        if c is None:
            return None
        self.sim.kept[i] = {k: c.outcomes[k] for k in self.sim.track}
        c.outcomes = {}  # on disk: not kept in memory
        self._add(c)
        return {"chunk": c}, store.path(i)

    def save(
        self,
        name: str,
        key: dict[str, Any],
        row: dict[str, Any],
        fill: Callable[[Path], None] | None = None,
    ) -> None:
        """A chunk just run: into the store, and added to the run."""
        out: ChunkOutput = row["chunk"]
        self.sim.kept[out.index] = {k: np.array(out.outcomes[k]) for k in self.sim.track}
        self.sim.store.put(out)
        sums, out.sums = out.sums, {}
        self._add(ChunkOutput(out.index, out.offset, out.n, {}, sums, out.traces))
        if isinstance(self.sim.store, FolderStore):
            out.outcomes = {}  # on disk now: do not keep it in memory

    def _add(self, out: ChunkOutput) -> None:
        sim = self.sim
        for k, v in out.sums.items():
            sim.sums[k] = v if k not in sim.sums else sim.sums[k] + v
        sim.stories[out.offset] = out.traces
        sim.done += out.n
