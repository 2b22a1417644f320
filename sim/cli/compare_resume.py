"""``sim compare``'s settings and output folder, or those of the interrupted comparison that
``--resume DIR`` continues: each run keeps its finished chunks beside the output folder until
the comparison is written (``.DIR.runs/<i>/``, sim/studies/compare.py)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import UsageError

__all__ = ["compare_options", "compare_settings", "finished_chunks", "runs_folder"]

KEPT = ("scenarios", "variant", "replicates", "precision", "max_replicates", "seed", "overrides")
FLAGS = ("SCENARIO", "--variant", "-n", "--precision", "--max-replicates", "--seed", "--set")


def runs_folder(out: Path) -> Path:
    """Where a comparison into ``out`` keeps its runs' finished chunks until it is written."""
    from .resume import jobs_folder

    return jobs_folder(out, "runs")


def compare_options(args: argparse.Namespace) -> dict[str, Any]:
    """What --resume needs to go on as the comparison began."""
    return {k: getattr(args, k) for k in KEPT}


def finished_chunks(store: Any) -> int:
    """How many finished chunks the comparison's runs keep."""
    return sum(1 for p in store.folder.rglob("chunk-*.npz") if p.is_file())


def compare_settings(args: argparse.Namespace) -> tuple[argparse.Namespace, Path]:
    """``args`` with the comparison's settings, and its output folder (checked writable before
    anything runs; the default one taken now)."""
    from ..io.folders import check_writable
    from ..model.scenario.loader import load_scenario
    from ..studies.compare import default_compare_folder
    from ..studies.outputs import check_out_folder
    from .calibrate import calibration_overrides, restore_library

    new = argparse.Namespace(**vars(args))
    if args.resume:
        given = [f for f, k in zip(FLAGS, KEPT, strict=True) if getattr(args, k)]
        given += ["--calibration"] if args.calibration else []
        given += ["--out"] if args.out else []
        if given:
            raise UsageError(
                f"--resume continues the comparison as it began; leave out {', '.join(given)}"
            )
        out = Path(args.resume)
        old = _options(out)
        for k in KEPT:
            setattr(new, k, old.get(k))
        new.variant, new.overrides = list(new.variant or []), restore_library(new.overrides or [])
    elif not args.scenarios:
        raise UsageError("compare needs at least one SCENARIO (or --resume DIR)")
    else:
        new.overrides = calibration_overrides(args)  # the library's structural numbers first
        if args.out:
            out = check_out_folder(args.out, holds="compare.json", kind="compare")
        else:
            name = load_scenario(args.scenarios[0], list(new.overrides)).name
            out = default_compare_folder(name, reserve=True)
    check_writable(out)
    return new, out


def _options(out: Path) -> dict[str, Any]:
    from ..studies.cells import CellStore

    old = CellStore(runs_folder(out)).options()
    if old is None or not all(k in old for k in KEPT):
        raise UsageError(
            f"--resume {str(out)!r}: no interrupted comparison to continue there (no "
            f"{runs_folder(out).name} beside it)"
        )
    return old
