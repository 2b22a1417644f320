"""Finished jobs of a study kept on disk, so that an interrupted study resumes without them.

A study that runs many independent jobs (a hindcast's cases) saves each as it finishes into a
cell: a folder holding ``cell.json`` (the job's key and its result row) and whatever the job
wrote beside it (a case's run). A cell is written in a temporary folder and renamed into place,
so it is whole or absent. On resume a cell counts only when its key equals the key the job has
now (the scenario's hash, the size, the seed, the version...): a job whose inputs changed is
run again. The store's ``options.json`` holds what the study needs to start again
(``sim hindcast --resume DIR``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..io.atomic import atomic_write_dir, atomic_write_json
from ..io.jsonable import jsonable

__all__ = ["CellStore", "JobStore", "Kept", "run_jobs"]

CELL = "cell.json"
OPTIONS = "options.json"


class JobStore(Protocol):
    """Where a study keeps its finished jobs (``CellStore``; a sweep's points folder)."""

    def load(self, name: str, key: dict[str, Any]) -> tuple[dict[str, Any], Path] | None:
        """The row of the finished job ``name`` and where it is, when its key is ``key``."""

    def save(
        self,
        name: str,
        key: dict[str, Any],
        row: dict[str, Any],
        fill: Callable[[Path], None] | None = None,
    ) -> None:
        """Commit the finished job ``name`` (whole or not at all)."""


class CellStore:
    """The finished jobs of one study in ``folder`` (one subfolder per job, by name)."""

    def __init__(self, folder: str | os.PathLike[str]):
        self.folder = Path(folder)

    def start(self, options: dict[str, Any]) -> None:
        """Make the folder (if new) and record the study's options."""
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_json(self.folder / OPTIONS, jsonable(options))

    def options(self) -> dict[str, Any] | None:
        """The recorded options, or None when there are none (or they are damaged)."""
        try:
            data = json.loads((self.folder / OPTIONS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def load(self, name: str, key: dict[str, Any]) -> tuple[dict[str, Any], Path] | None:
        """The row of the finished job ``name`` and its folder, when its key is ``key``."""
        cell = self.folder / name
        try:
            data = json.loads((cell / CELL).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        ok = isinstance(data, dict) and data.get("key") == jsonable(key)
        return (data["row"], cell) if ok and isinstance(data.get("row"), dict) else None

    def save(
        self,
        name: str,
        key: dict[str, Any],
        row: dict[str, Any],
        fill: Callable[[Path], None] | None = None,
    ) -> None:
        """Commit the finished job ``name``: ``fill(tmp)`` writes what it keeps beside its row."""

        def write(tmp: Path) -> None:
            if fill is not None:
                fill(tmp)
            atomic_write_json(tmp / CELL, jsonable({"key": key, "row": row}))

        atomic_write_dir(self.folder / name, write)

    def remove(self) -> None:
        """The study finished: its cells are no longer needed."""
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass(frozen=True)
class Kept:
    """Where a study keeps its jobs: the store, each job's cell name and key (by job index),
    and how a result becomes a cell and back: ``row(result)`` is the JSON row kept,
    ``fill(result)`` what the cell keeps beside it (or None), ``read(row, cell)`` the result
    read back."""

    store: JobStore
    names: dict[int, str]
    keys: dict[int, dict[str, Any]]
    row: Callable[[Any], dict[str, Any]] = lambda result: result
    fill: Callable[[Any], Callable[[Path], None] | None] = lambda result: None
    read: Callable[[dict[str, Any], Path], Any] = lambda row, cell: row


def run_jobs(
    fn: Callable[[Any], Any],
    jobs: dict[int, Any],
    workers: int,
    progress: Callable[[int, int], None] | None = None,
    kept: Kept | None = None,
    scheduler: Any = None,
    executor: Any = None,
) -> dict[int, Any]:
    """``fn(job)`` for every job, by index, on ``workers`` processes (or a Dask ``scheduler``,
    or the caller's ``executor``), ``progress(done, total)`` as jobs finish. With ``kept``, a
    job whose cell holds its key is read back instead of run, and each job run is kept as it
    finishes. Every study runs its jobs here, and a run its chunks (studies/chunk_jobs.py)."""
    from ..io.execution import map_unordered

    total, todo, done = len(jobs), dict(jobs), {}
    if kept is not None:
        for i in list(todo):
            got = kept.store.load(kept.names[i], kept.keys[i])
            if got is not None:
                done[i] = kept.read(*got)
                del todo[i]
        if progress is not None and done:
            progress(len(done), total)
    for i, result in map_unordered(fn, todo, workers, scheduler, executor):
        if kept is not None:
            kept.store.save(kept.names[i], kept.keys[i], kept.row(result), kept.fill(result))
        done[i] = result
        if progress is not None:
            progress(len(done), total)
    return done
