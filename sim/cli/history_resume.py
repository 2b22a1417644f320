"""``sim hindcast --resume DIR``: where a hindcast keeps its finished cases, and going on with one
that was interrupted (sim/studies/cells.py)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import UsageError

__all__ = ["cases_folder", "kept_cases", "options_of", "resumed", "start_cases"]

DEFAULT_REPLICATES = 4000


def cases_folder(out: Path) -> Path:
    """Where a hindcast into ``out`` keeps its finished cases until it is written."""
    return out.parent / f".{out.name}.cases"


def options_of(args: argparse.Namespace, overrides: list[str], median: float) -> dict[str, Any]:
    """What --resume needs to go on as the hindcast began."""
    return {
        "cases": list(args.cases),
        "replicates": args.replicates,
        "seed": args.seed,
        "base_median_days": median,
        "resample": args.resample,
        "overrides": overrides,
        "calibration": args.calibration,
    }


def resumed(args: argparse.Namespace) -> tuple[argparse.Namespace, list[str]]:
    """``args`` with the settings of the interrupted hindcast in ``--resume DIR``, and its
    overrides; UsageError when there is none, or when a setting is given with --resume."""
    from ..studies.cells import CellStore

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
    return new, list(old.get("overrides") or [])


def start_cases(out: Path, options: dict[str, Any], resume: bool, force: bool) -> Any:
    """The store of finished cases for a hindcast into ``out``: kept from an interrupted one
    with ``resume``; otherwise new (an interrupted hindcast's cases there are refused unless
    ``force``, which drops them)."""
    from ..studies.cells import CellStore

    store = CellStore(cases_folder(out))
    if not resume and store.options() is not None:
        if not force:
            raise UsageError(
                f"--out {str(out)!r} has an interrupted hindcast (continue it with --resume "
                f"{out}, or add --force to start again)"
            )
        store.remove()
    store.start(options)
    return store


def kept_cases(store: Any) -> int:
    """How many finished cases ``store`` holds."""
    return sum(1 for p in store.folder.iterdir() if (p / "cell.json").is_file())
