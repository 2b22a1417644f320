"""Output folders: which ``--out`` may be written, and how an interrupted ``sim run`` is resumed.

A run into ``OUT`` first writes ``.OUT.chunks/`` beside it: ``scenario.yaml`` (the resolved
scenario), ``options.json`` (replicates, seed, trace, force) and, as they finish, the
engine's chunk files. ``resume_run(OUT)`` picks the run up from that folder alone; once
the results are saved in ``OUT`` the chunk folder is removed.

Nothing is written before every check has passed: the output folder (``folders``), the
scenario, and an earlier run's checkpoint, which a different run never touches. While a
run works on a checkpoint folder it holds a lock on it, so a second run into the same
``OUT`` is refused instead of overwriting the first one's files.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..errors import RunError, ScenarioError, UsageError
from ..io.atomic import atomic_write_text
from ..io.folders import (
    check_writable,
    default_folder,
    is_sim_folder,
    oserror_text,
    refuse_special,
    why_not_write,
)
from ..io.limits import MAX_REPLICATES
from ..io.locks import LOCK, hold_lock
from ..model.scenario.dump import dump_yaml
from ..model.scenario.loader import calibration_of, load_scenario, overrides_of, remember_overrides
from ..model.scenario.schema import Scenario

if TYPE_CHECKING:
    from ..output.results import Results

__all__ = [
    "RunJob",
    "check_out_folder",
    "checkpoint_dir",
    "plan_run",
    "resume_run",
    "start_run",
]

OPTIONS = "options.json"
SCENARIO = "scenario.yaml"
FORCE_HINT = " (add --force to replace it)"
_OPTION_KEYS = ("replicates", "seed", "trace")


def check_out_folder(
    out: str | os.PathLike[str],
    force: bool = False,
    holds: str | None = None,
    hint: str = "",
    kind: str | None = None,
) -> Path:
    """Refuse an ``--out`` that sim must not write (UsageError); nothing is written.

    Refused: the current or home folder (or one holding them), a system folder, a file, a
    folder that ``holds`` that file, a non-empty folder without ``force`` (``hint`` ends
    that message), a non-empty folder that sim did not write (with ``force`` or ``holds``:
    sim adds to or replaces only its own folders), and a folder another verb wrote (one
    whose kind is not ``kind``), whatever the options.
    """
    p = refuse_special(out)
    shown = os.fspath(out)
    if p.exists() and not p.is_dir():
        raise UsageError(f"--out {shown!r} is a file, not a folder")
    if holds is not None and p.is_dir() and (p / holds).exists():
        raise UsageError(f"--out {shown!r} already holds {holds}")
    why = why_not_write(p, force or holds is not None, hint, kind)
    if why:
        raise UsageError(f"--out {shown!r} {why}")
    return p


def checkpoint_dir(out: Path) -> Path:
    """Where an unfinished run into ``out`` keeps its finished chunks."""
    return out.parent / f".{out.name}.chunks"


@dataclass
class RunJob:
    """A run to do: the scenario and its size, the results folder and the chunk folder."""

    scenario: Scenario
    replicates: int
    seed: int
    trace: int
    out: Path
    checkpoint: Path
    force: bool = False
    resumed: bool = False
    precision: float | None = None  # -n auto: grow until this half-width ...
    max_replicates: int = 1_000_000  # ... or this many replicates
    as_of: str | None = None  # condition on the observations dated up to this day
    resample: bool = False  # ... by resample-move rather than by weighting alone
    path: bool = False  # ... and draw its forecast's path from a resampled run per date
    default_name: bool = False  # ``out`` is the default name, taken when the job begins
    _lock: IO[bytes] | None = field(default=None, repr=False)

    def finished_chunks(self) -> int:
        """Chunks already saved in the checkpoint folder."""
        return len(list(self.checkpoint.glob("chunk-*.npz")))

    def begin(self) -> RunJob:
        """Take the checkpoint folder (lock it) and record the job in it.

        An interrupted run of this same job is continued (its chunks are kept); one of a
        different job is refused and left untouched, unless ``force`` drops it.
        """
        if self.default_name and not self.resumed:
            self._take_name()
        self.checkpoint.mkdir(parents=True, exist_ok=True)
        self._lock = _lock(self.checkpoint, self.out)
        try:
            if not self.resumed:
                self._claim()
        except BaseException:
            self.release()
            raise
        return self

    def _take_name(self) -> None:
        """Make the default folder's name this job's alone: its checkpoint folder is made
        by an exclusive mkdir (a run started in the same second gets -2, -3...)."""
        base, i = self.out, 2
        while True:
            ck = checkpoint_dir(self.out)
            if not self.out.exists():
                try:
                    ck.mkdir(parents=True)
                    self.checkpoint = ck
                    return
                except FileExistsError:
                    pass
            self.out, i = base.with_name(f"{base.name}-{i}"), i + 1

    def _claim(self) -> None:
        ck = self.checkpoint
        text = dump_yaml(self.scenario)
        options = self.options()
        if (ck / OPTIONS).exists() or self.finished_chunks():
            same = _read_options(ck, strict=False) == options and _read(ck / SCENARIO) == text
            if not same and not self.force:
                raise UsageError(
                    f"{str(ck)!r} holds an interrupted run with other settings "
                    f"({self.finished_chunks()} finished chunk(s)); finish it with "
                    f"'sim run --resume {self.out}', or remove that folder (or add --force "
                    "to drop it)"
                )
            if not same:
                for p in ck.iterdir():
                    if p.name != LOCK:
                        shutil.rmtree(p) if p.is_dir() else p.unlink()
        atomic_write_text(ck / SCENARIO, text)
        # the overrides, for the headline of a resumed run (not part of what makes the job)
        extra = {
            "force": self.force,
            "overrides": list(overrides_of(self.scenario)),
            "calibration": calibration_of(self.scenario),
        }
        atomic_write_text(ck / OPTIONS, json.dumps({**options, **extra}))

    def options(self) -> dict[str, Any]:
        """What makes two runs the same job (recorded in the checkpoint's options.json)."""
        return {
            "replicates": self.replicates,
            "seed": self.seed,
            "trace": self.trace,
            "precision": self.precision,
            "max_replicates": self.max_replicates,
            "as_of": self.as_of,
            "resample": self.resample,
            "path": self.path,
        }

    def release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def abandon(self, resumable: bool = True) -> str:
        """After a failure: drop a checkpoint with nothing in it, or say how to go on
        (``resumable`` False: the failure would come back on --resume, so a new run is
        the way on).

        Returns the words to add to the error ("" when nothing was kept).
        """
        kept = self.finished_chunks()
        self.release()
        if kept == 0 and not self.resumed:
            shutil.rmtree(self.checkpoint, ignore_errors=True)
            return ""
        if not resumable:
            return (
                f"{kept} finished chunk(s) are in {self.checkpoint}, but resuming would fail "
                "the same way: start a new run with other settings and --force (which drops "
                f"them), or into another --out, or remove {self.checkpoint.name}"
            )
        return (
            f"{kept} finished chunk(s) kept in {self.checkpoint}: finish with "
            f"'sim run --resume {self.out}' or remove that folder"
        )

    def discard(self) -> None:
        """After a failure that resuming would only repeat (the record fits no replicate of
        this run): drop the checkpoint and its chunks."""
        self.release()
        shutil.rmtree(self.checkpoint, ignore_errors=True)

    def save(self, results: Results, overwrite: bool, report: bool = True) -> Path:
        """Write the results folder (with its figures and report), then drop the chunks (the
        results are complete)."""
        try:
            results.save(self.out, overwrite=overwrite or self.force, report=report)
        except OSError as e:
            raise RunError(
                f"cannot write results to {str(self.out)!r}: {oserror_text(e)}"
            ) from None
        self.release()
        shutil.rmtree(self.checkpoint, ignore_errors=True)
        return self.out


def _lock(ck: Path, out: Path) -> IO[bytes]:
    """An exclusive lock on the checkpoint folder, held until the job is released."""
    return hold_lock(
        ck,
        f"another 'sim run' is writing into {str(out)!r} right now (its checkpoint "
        f"{ck.name} is locked{{pid}}); wait for it to finish or choose another --out",
    )


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _read_options(ck: Path, strict: bool = True) -> dict[str, Any] | None:
    """The job recorded in ``ck``; a damaged file is a UsageError naming it (or None)."""
    path = ck / OPTIONS
    try:
        options = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(options, dict):
            raise ValueError("not a JSON object")
        for k in _OPTION_KEYS:
            v = options.get(k)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"{k!r} is missing or not a whole number")
        precision = options.get("precision")
        if precision is not None and (
            isinstance(precision, bool) or not isinstance(precision, (int, float))
        ):
            raise ValueError("'precision' is not a number")
        cap = options.get("max_replicates", 1_000_000)
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
            raise ValueError("'max_replicates' is not a whole number")
        as_of = options.get("as_of")
        if as_of is not None and not isinstance(as_of, str):
            raise ValueError("'as_of' is not a date")
        resample, drawn = options.get("resample", False), options.get("path", False)
        if not isinstance(resample, bool) or not isinstance(drawn, bool):
            raise ValueError("'resample' or 'path' is not true or false")
    except (OSError, ValueError) as e:
        if not strict:
            return None
        raise UsageError(
            f"checkpoint file {str(path)!r} is damaged ({e}); the run cannot be resumed: "
            f"remove {str(ck)!r} and start it again"
        ) from None
    return {
        **{k: options[k] for k in _OPTION_KEYS},
        "precision": precision,
        "max_replicates": cap,
        "as_of": as_of,
        "resample": resample,
        "path": drawn,
    }


def plan_run(
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
    resample: bool = False,
    path: bool = False,
) -> RunJob:
    """A new run, checked but not begun: nothing is written yet (see RunJob.begin). The
    scenario is loaded with the observations of ``observed``."""
    out_arg = check_out_folder(Path(out), force, hint=FORCE_HINT, kind="results") if out else None
    scenario = load_scenario(scenario_file, list(overrides), observed=observed)
    replicates = scenario.run.replicates if replicates is None else replicates
    seed = scenario.run.seed if seed is None else seed
    if replicates > MAX_REPLICATES:
        raise UsageError(f"-n must be at most {MAX_REPLICATES:,} (got {replicates:,})")
    if resample and as_of is None:
        raise UsageError("--resample conditions a run on its record: give --as-of DATE too")
    if path and not resample:
        raise UsageError("--path draws a resampled run's forecast path: give --resample too")
    folder = out_arg if out_arg is not None else default_folder(scenario.name)
    check_writable(folder.parent, shown=folder)  # results and checkpoint go beside it
    return RunJob(
        scenario,
        replicates,
        seed,
        trace,
        folder,
        checkpoint_dir(folder),
        force,
        precision=precision,
        max_replicates=max_replicates,
        as_of=as_of,
        resample=resample,
        path=path,
        default_name=out_arg is None,
    )


def start_run(*args: Any, **kwargs: Any) -> RunJob:
    """A new run begun at once: ``plan_run(...)`` (same arguments) checks ``out`` and the
    scenario before anything is written, then ``begin()`` records the job in its
    checkpoint folder (``force`` drops the chunks of an earlier run there)."""
    return plan_run(*args, **kwargs).begin()


def resume_run(out: str | os.PathLike[str]) -> RunJob:
    """The interrupted run whose results folder was ``out``, from its checkpoint folder."""
    folder = Path(out)
    ck = checkpoint_dir(folder)
    if not (ck / OPTIONS).is_file():
        raise UsageError(
            f"no interrupted run to resume at {str(folder)!r} (no {ck.name} beside it)"
        )
    options = _read_options(ck)
    assert options is not None  # strict: damaged options raise
    force = _force_flag(ck)
    if folder.is_dir() and any(folder.iterdir()) and not (force and is_sim_folder(folder)):
        raise UsageError(f"{str(folder)!r} already holds finished results")
    try:
        scenario = load_scenario(ck / SCENARIO)
    except ScenarioError as e:
        raise UsageError(
            f"checkpoint file {str(ck / SCENARIO)!r} is damaged ({e.problems[0].message}); "
            f"the run cannot be resumed: remove {str(ck)!r} and start it again"
        ) from None
    remember_overrides(scenario, *_recorded(ck))
    check_writable(folder.parent, shown=folder)
    job = RunJob(
        scenario,
        options["replicates"],
        options["seed"],
        options["trace"],
        folder,
        ck,
        force,
        precision=options["precision"],
        max_replicates=options["max_replicates"],
        as_of=options["as_of"],
        resample=options["resample"],
        path=options["path"],
    )
    job.resumed = True
    return job.begin()


def _recorded(ck: Path) -> tuple[list[str], dict[str, Any] | None]:
    """The overrides the interrupted run was given and the calibration file the leading ones
    came from (none, None where not recorded)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        got = json.loads((ck / OPTIONS).read_text(encoding="utf-8"))
        over, cal = got.get("overrides"), got.get("calibration")
        if isinstance(over, list) and all(isinstance(x, str) for x in over):
            return over, cal if isinstance(cal, dict) and isinstance(cal.get("set"), list) else None
    return [], None


def _force_flag(ck: Path) -> bool:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        return json.loads((ck / OPTIONS).read_text(encoding="utf-8")).get("force") is True
    return False
