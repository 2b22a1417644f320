"""``sim sensitivity``'s settings: a new study's defaults and output folder, or the settings of
the interrupted study ``--resume DIR`` continues."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UsageError

__all__ = ["study_settings"]

DEFAULTS = {"method": "sobol", "samples": 16, "replicates": 500}


def study_settings(args: argparse.Namespace) -> tuple[argparse.Namespace, Path]:
    """``args`` with every setting resolved, and the output folder (checked writable before
    anything runs; the default one taken now)."""
    from ..io.folders import check_writable, default_folder
    from .calibrate import calibration_overrides
    from .options import load_checked

    new = argparse.Namespace(**vars(args))
    if args.resume:
        return _resumed(args, new)
    if not args.scenario:
        raise UsageError("sensitivity needs a SCENARIO file (or --resume DIR)")
    for k, v in DEFAULTS.items():
        if getattr(new, k) is None:
            setattr(new, k, v)
    new.overrides = calibration_overrides(args)  # the library's structural numbers first
    scenario = load_checked(args.scenario, new.overrides)
    if args.out:
        from ..studies.outputs import check_out_folder

        out = check_out_folder(args.out, holds="sensitivity.json", kind="sensitivity")
    else:
        out = default_folder(scenario.name, kind="sensitivity", reserve=True)
    check_writable(out)
    return new, out


def _resumed(args: argparse.Namespace, new: argparse.Namespace) -> tuple[argparse.Namespace, Path]:
    """The interrupted study's settings in ``new``; UsageError when a setting is given with
    --resume or there is no interrupted study to continue."""
    from ..io.folders import check_writable
    from ..studies.cells import CellStore
    from .calibrate import restore_library
    from .resume import jobs_folder

    named = (
        ("SCENARIO", args.scenario), ("--method", args.method), ("--samples", args.samples),
        ("--params", args.params), ("-n", args.replicates), ("--seed", args.seed),
        ("--set", args.overrides), ("--calibration", args.calibration), ("--out", args.out),
    )  # fmt: skip
    given = [name for name, v in named if v]
    if given:
        raise UsageError(f"--resume continues the study as it began; leave out {', '.join(given)}")
    out = Path(args.resume)
    old = CellStore(jobs_folder(out, "points")).options()
    if old is None:
        raise UsageError(
            f"--resume {args.resume!r}: no interrupted sensitivity study to continue there "
            f"(no {jobs_folder(out, 'points').name} beside it)"
        )
    for k, v in old.items():
        setattr(new, k, v)
    new.overrides = restore_library(list(old.get("overrides") or []))
    check_writable(out)
    return new, out
