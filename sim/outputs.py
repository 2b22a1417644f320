"""Output folders: which ``--out`` may be written, and how an interrupted ``sim run`` is resumed.

A run into ``OUT`` first writes ``.OUT.chunks/`` beside it: ``scenario.yaml`` (the resolved
scenario), ``options.json`` (replicates, seed, trace) and, as they finish, the engine's
chunk files. ``resume_run(OUT)`` picks the run up from that folder alone; once the
results are saved in ``OUT`` the chunk folder is removed.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic import atomic_write_text
from .errors import RunError, UsageError
from .results import Results, default_folder
from .scenario.dump import dump_yaml
from .scenario.loader import load_scenario
from .scenario.schema import Scenario

__all__ = ["RunJob", "check_out_folder", "checkpoint_dir", "resume_run", "start_run"]

OPTIONS = "options.json"
SCENARIO = "scenario.yaml"
FORCE_HINT = " (add --force to replace it)"


def check_out_folder(
    out: str | os.PathLike[str], force: bool = False, holds: str | None = None, hint: str = ""
) -> Path:
    """Refuse an ``--out`` that is a file, or a folder with results in it (UsageError).

    A folder is refused when it ``holds`` that file, or (without ``holds``) when it is not
    empty and ``force`` is not given; ``hint`` ends that message.
    """
    p = Path(out)
    shown = os.fspath(out)
    if p.exists() and not p.is_dir():
        raise UsageError(f"--out {shown!r} is a file, not a folder")
    if holds is not None:
        if p.is_dir() and (p / holds).exists():
            raise UsageError(f"--out {shown!r} already holds {holds}")
    elif not force and p.is_dir() and any(p.iterdir()):
        raise UsageError(f"--out {shown!r} is not empty{hint}")
    return p


def checkpoint_dir(out: Path) -> Path:
    """Where an unfinished run into ``out`` keeps its finished chunks."""
    return out.parent / f".{out.name}.chunks"


@dataclass(frozen=True)
class RunJob:
    """A run to do: the scenario and its size, the results folder and the chunk folder."""

    scenario: Scenario
    replicates: int
    seed: int
    trace: int
    out: Path
    checkpoint: Path
    precision: float | None = None  # -n auto: grow until this half-width ...
    max_replicates: int = 1_000_000  # ... or this many replicates
    as_of: str | None = None  # condition on the observations dated up to this day

    def finished_chunks(self) -> int:
        """Chunks already saved in the checkpoint folder."""
        return len(list(self.checkpoint.glob("chunk-*.npz")))

    def save(self, results: Results, overwrite: bool, report: bool = True) -> Path:
        """Write the results folder, then drop the chunks (the results are complete)."""
        try:
            results.save(self.out, overwrite=overwrite, report=report)
        except OSError as e:
            raise RunError(
                f"cannot write results to {str(self.out)!r}: {e.strerror or e}"
            ) from None
        shutil.rmtree(self.checkpoint, ignore_errors=True)
        return self.out


def start_run(
    scenario_file: str | os.PathLike[str],
    overrides: Sequence[str] = (),
    replicates: int | None = None,
    seed: int | None = None,
    trace: int = 0,
    out: str | os.PathLike[str] | None = None,
    force: bool = False,
    precision: float | None = None,
    max_replicates: int = 1_000_000,
    observed: str | os.PathLike[str] | None = None,
    as_of: str | None = None,
) -> RunJob:
    """A new run: check ``out`` before anything is written, load the scenario (with the
    observations of ``observed``), record the job in its checkpoint folder (``force`` drops
    the chunks of an earlier run there)."""
    out_arg = check_out_folder(Path(out), force, hint=FORCE_HINT) if out else None
    scenario = load_scenario(scenario_file, list(overrides), observed=observed)
    replicates = scenario.run.replicates if replicates is None else replicates
    seed = scenario.run.seed if seed is None else seed
    folder = out_arg if out_arg is not None else default_folder(scenario.name)
    ck = checkpoint_dir(folder)
    if force:
        shutil.rmtree(ck, ignore_errors=True)
    ck.mkdir(parents=True, exist_ok=True)
    atomic_write_text(ck / SCENARIO, dump_yaml(scenario))
    options = {
        "replicates": replicates,
        "seed": seed,
        "trace": trace,
        "precision": precision,
        "max_replicates": max_replicates,
        "as_of": as_of,
    }
    atomic_write_text(ck / OPTIONS, json.dumps(options))
    return RunJob(scenario, replicates, seed, trace, folder, ck, precision, max_replicates, as_of)


def resume_run(out: str | os.PathLike[str]) -> RunJob:
    """The interrupted run whose results folder was ``out``, from its checkpoint folder."""
    folder = Path(out)
    ck = checkpoint_dir(folder)
    if not (ck / OPTIONS).is_file():
        raise UsageError(
            f"no interrupted run to resume at {str(folder)!r} (no {ck.name} beside it)"
        )
    if folder.is_dir() and any(folder.iterdir()):
        raise UsageError(f"{str(folder)!r} already holds finished results")
    options: dict[str, Any] = json.loads((ck / OPTIONS).read_text(encoding="utf-8"))
    scenario = load_scenario(ck / SCENARIO)
    return RunJob(
        scenario,
        options["replicates"],
        options["seed"],
        options["trace"],
        folder,
        ck,
        options.get("precision"),
        int(options.get("max_replicates") or 1_000_000),
        options.get("as_of"),
    )
