"""Errors the user can cause, and how they read.

SimError                 anything the user can fix (exit status 2 in the CLI)
 ├── ScenarioError       a scenario file or override is wrong; carries one or more Problems
 ├── RunError            a valid scenario that cannot be run as asked (run time)
 │    └── InconsistentRecord  no replicate carries the observations (more of the same
 │                            run cannot help: the CLI keeps no chunk to resume)
 │    └── Unresumable    ... and resuming the run would fail the same way (say so, not --resume)
 └── UsageError          a nonsense command-line or API argument
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    path: str = ""  # dotted field path, e.g. actors.russia.patience

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"{self.path}: " if self.path else ""
        return f"{where}{field}{self.message}"


class SimError(Exception):
    """Base of every error a user can cause and fix."""


class ScenarioError(SimError):
    """A scenario (file, mapping or override) is invalid; holds every problem found."""

    def __init__(self, problems: list[Problem] | Problem | str, file: str | Path | None = None):
        if isinstance(problems, str):
            problems = [Problem(problems, file=str(file) if file is not None else None)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RunError(SimError):
    """A valid scenario that cannot be run as asked."""


class InconsistentRecord(RunError):
    """No replicate is consistent with the observations a run is conditioned on."""


class Unresumable(RunError):
    """A run failed in a way that resuming it cannot mend (its checkpoint belongs to another
    run, or its finished replicates contradict the record): the advice is a new run, never
    ``--resume``."""


class UsageError(SimError):
    """A nonsense argument to the CLI or the public API."""
