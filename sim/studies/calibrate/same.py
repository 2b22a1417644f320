"""Case runs that are the same run: a case that does not use the values two points differ in.

A point's values reach a case as ``--set`` overrides, but a case may not use one of them (a
scale for wars between states, in a civil war): its compiled model, and so its run and its
scores, are then the same at both points (``design.run_identity``). A calibration runs each
such run once and gives its row to every cell that shares it, each cell still saved in the
folder as it completes (so resuming finds every finished cell, copies included).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..cells import JobStore, Kept

__all__ = ["SameRuns", "same_runs"]

Cell = tuple[int, int]  # (point index, case index)


@dataclass
class SameRuns:
    """``of``: each job (point x cases + case) run with another, the job it is run with;
    ``settled``: cells whose run is a cell already finished, with its row."""

    of: dict[int, int] = field(default_factory=dict)
    settled: dict[Cell, dict[str, Any]] = field(default_factory=dict)

    def kept(self, kept: Kept) -> Kept:
        """``kept``, saving a job's row in the cells of the jobs run with it too."""
        fan: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        names, keys = dict(kept.names), dict(kept.keys)
        for k, rep in self.of.items():
            fan.setdefault(names[rep], []).append((names.pop(k), keys.pop(k)))
        return replace(kept, store=_Fanout(kept.store, fan), names=names, keys=keys)

    def spread(self, got: dict[int, Any]) -> dict[int, Any]:
        """The rows of the jobs run, and of the jobs run with them."""
        return got | {k: got[rep] for k, rep in self.of.items() if rep in got}


class _Fanout:
    """A job store that saves a row in more than one cell (whole or not at all, each)."""

    def __init__(self, store: JobStore, copies: dict[str, list[tuple[str, dict[str, Any]]]]):
        self.store, self.copies = store, copies

    def load(self, name: str, key: dict[str, Any]) -> tuple[dict[str, Any], Path] | None:
        return self.store.load(name, key)

    def save(
        self,
        name: str,
        key: dict[str, Any],
        row: dict[str, Any],
        fill: Callable[[Path], None] | None = None,
    ) -> None:
        self.store.save(name, key, row, fill)
        for other, other_key in self.copies.get(name, []):
            self.store.save(other, other_key, row, fill)


def same_runs(
    todo: list[int],
    n_cases: int,
    identity: list[list[str]],
    done: dict[Cell, dict[str, Any]],
    save: Callable[[Cell, dict[str, Any]], None] | None,
) -> SameRuns:
    """Which of the jobs ``todo`` (point x cases + case) are the same run as a finished cell
    (settled now, and saved with ``save``) or as an earlier job (run with it), by their
    ``identity`` [point][case]."""
    out = SameRuns()
    finished = {(j, identity[i][j]): row for (i, j), row in done.items()}
    first: dict[tuple[int, str], int] = {}
    for k in todo:
        i, j = divmod(k, n_cases)
        ident = (j, identity[i][j])
        if ident in finished:
            out.settled[i, j] = finished[ident]
            if save is not None:
                save((i, j), finished[ident])
        elif ident in first:
            out.of[k] = first[ident]
        else:
            first[ident] = k
    return out
