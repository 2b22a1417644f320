"""``--resume DIR`` for studies that keep their finished jobs (sim hindcast, sim sensitivity):
where a study keeps them until its folder is written, and going on with an interrupted one
(sim/studies/cells.py)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ..errors import UsageError

__all__ = [
    "abandon",
    "cases_folder",
    "jobs_folder",
    "kept_cases",
    "options_of",
    "resumed",
    "run_kept",
    "start_cases",
    "start_jobs",
]

DEFAULT_REPLICATES = 4000
T = TypeVar("T")


def jobs_folder(out: Path, what: str) -> Path:
    """Where a study into ``out`` keeps its finished ``what`` (cases, points) until it is written."""
    return out.parent / f".{out.name}.{what}"


def cases_folder(out: Path) -> Path:
    """Where a hindcast into ``out`` keeps its finished cases until it is written."""
    return jobs_folder(out, "cases")


def options_of(args: argparse.Namespace, overrides: list[str], median: float) -> dict[str, Any]:
    """What --resume needs to go on as the hindcast began."""
    return {
        "cases": list(args.cases),
        "replicates": args.replicates,
        "seed": args.seed,
        "base_median_days": median,
        "resample": args.resample,
        "min_futures": args.min_futures,
        "overrides": overrides,
        "calibration": args.calibration,
    }


def resumed(args: argparse.Namespace) -> tuple[argparse.Namespace, list[str]]:
    """``args`` with the settings of the interrupted hindcast in ``--resume DIR``, and its
    overrides; UsageError when there is none, or when a setting is given with --resume."""
    from ..studies.cells import CellStore
    from .calibrate import restore_library

    given = [
        name
        for name, v in (
            ("CASE", args.cases),
            ("-n", args.replicates),
            ("--seed", args.seed),
            ("--calibration", args.calibration),
            ("--set", getattr(args, "overrides", None)),
            ("--out", args.out),
            ("--base-median-days", args.base_median_days),
            ("--min-futures", getattr(args, "min_futures", None)),
        )
        if v
    ]
    if given:
        raise UsageError(
            f"--resume continues the hindcast as it began; leave out {', '.join(given)}"
        )
    out = Path(args.resume)
    old = CellStore(cases_folder(out)).options()
    if old is None:
        raise UsageError(
            f"--resume {args.resume!r}: no interrupted hindcast to continue there (no "
            f"{cases_folder(out).name} beside it)"
        )
    new = argparse.Namespace(**vars(args))
    new.cases, new.replicates, new.seed = old["cases"], old["replicates"], old["seed"]
    new.base_median_days, new.resample = old["base_median_days"], old["resample"]
    new.calibration, new.out = old.get("calibration"), str(out)
    new.min_futures = old.get("min_futures", 0)  # begun before the option: never grown
    return new, restore_library(list(old.get("overrides") or []))


def start_cases(out: Path, options: dict[str, Any], resume: bool, force: bool) -> Any:
    """The store of a hindcast's finished cases (``start_jobs``)."""
    return start_jobs(cases_folder(out), "hindcast", out, options, resume, force)


def start_jobs(
    folder: Path, verb: str, out: Path, options: dict[str, Any], resume: bool, force: bool
) -> Any:
    """The store of finished jobs in ``folder`` for the study ``sim VERB`` into ``out``: kept
    from an interrupted one with ``resume``; otherwise new (an interrupted study's jobs there
    are refused unless ``force``, which drops them)."""
    from ..studies.cells import CellStore

    store = CellStore(folder)
    if not resume and store.options() is not None:
        if not force:
            again = "add --force" if verb == "hindcast" else f"remove {folder}"
            raise UsageError(
                f"--out {str(out)!r} has an interrupted {verb} (continue it with 'sim {verb} "
                f"--resume {out}', or {again} to start again)"
            )
        store.remove()
    store.start(options)
    return store


def kept_cases(store: Any) -> int:
    """How many finished jobs ``store`` holds."""
    return sum(1 for p in store.folder.rglob("cell.json") if p.is_file())


def abandon(store: Any, out: Path, resume: bool, count: Callable[[Any], int] = kept_cases) -> None:
    """A study refused or failed before any job finished (``count(store)`` of them kept)
    leaves nothing behind: not its store, nor the empty default folder it took."""
    if not count(store):
        store.remove()
        if not resume and out.is_dir() and not any(out.iterdir()):
            out.rmdir()


def run_kept(
    study: Callable[[], T],
    store: Any,
    out: Path,
    resume: bool,
    verb: str,
    what: str,
    count: Callable[[Any], int] = kept_cases,
) -> T | None:
    """``study()``, whose finished jobs (``what``: case, point, chunk; ``count(store)`` of
    them) go to ``store``: None after Ctrl-C, having said how many were kept and how to go on;
    on any other failure before a job finished nothing is left behind (``abandon``)."""
    try:
        return study()
    except KeyboardInterrupt:
        sys.stderr.write(
            f"interrupted: {count(store):,} finished {what}(s) kept; continue with 'sim "
            f"{verb} --resume {out}'\n"
        )
        return None
    except BaseException:
        abandon(store, out, resume, count)
        raise
