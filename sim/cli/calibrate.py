"""``sim calibrate``: structural numbers fitted on the history library by the summed hindcast log score, with leave-one-case-out scores; and ``--calibration FILE`` for the verbs that apply them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..io.limits import MAX_CASES, MAX_POINTS
from .options import (
    Subparsers,
    add_executor_options,
    add_set_option,
    add_size_options,
    count,
    formatter,
    load_checked,
    progress_bar,
)

if TYPE_CHECKING:
    from ..studies.calibrate import Plan

__all__ = [
    "add_calibrate",
    "add_calibration_option",
    "calibration_overrides",
    "calibration_record",
    "restore_library",
]


def add_calibration_option(p: argparse.ArgumentParser) -> None:
    """``--calibration FILE|none``: the structural numbers applied before the user's --set (the
    history library's calibration, shipped with sim, unless another file or none is named)."""
    p.add_argument(
        "--calibration",
        metavar="FILE",
        help="the structural numbers to apply, as --set overrides before your own: by default "
        "the history library's calibration shipped with sim "
        "(sim/model/scenario/history_library.yaml); FILE: a calibration.yaml written by "
        "'sim calibrate' instead; 'none': the model's own defaults",
    )


def calibration_overrides(args: argparse.Namespace) -> list[str]:
    """The overrides of ``--calibration`` (the library's without it), then those of ``--set``."""
    from ..model.scenario.calibration import chosen_calibration

    fitted = chosen_calibration(getattr(args, "calibration", None))
    return [*fitted, *(getattr(args, "overrides", None) or [])]


def restore_library(overrides: list[str]) -> list[str]:
    """Overrides read back as text from an interrupted study's settings, with the library's
    numbers that lead them restored as the library's (so its results say where they came from)."""
    from ..model.scenario.calibration import library_calibration

    lib = library_calibration()
    if [str(x) for x in overrides[: len(lib)]] == [str(x) for x in lib]:
        return [*lib, *overrides[len(lib) :]]
    return overrides


def calibration_record(choice: str | None) -> dict[str, Any] | None:
    """What a study's provenance says of ``--calibration``: the file and its numbers (the
    library's without the option), or None for ``none``."""
    from ..model.scenario.calibration import LIBRARY_ORIGIN, chosen_calibration

    fitted = chosen_calibration(choice)
    if not fitted:
        return None
    return {"file": LIBRARY_ORIGIN if choice is None else choice, "set": [str(x) for x in fitted]}


def add_calibrate(sub: Subparsers) -> None:
    p = sub.add_parser(
        "calibrate",
        help="fit structural numbers on the history cases by their hindcast scores",
        description="Estimate numbers shared across conflicts (e.g. negotiation.lookahead_days) "
        "on historical cases: every point of a grid or Latin hypercube over the --param paths "
        "is applied to every case as --set overrides, each case is run and scored as 'sim "
        "hindcast' does (same seed at every point), and the point with the lowest log score "
        "summed over the cases is the fit. Leave-one-case-out scores each case at the point "
        "fitted on the others. Each finished case run is saved as it completes; --resume DIR "
        "runs only the missing ones. Writes scores.csv/.parquet, calibration.json, "
        "calibration.yaml (the fitted numbers, for --calibration), figures and report.html.",
        formatter_class=formatter,
        epilog="Examples:\n"
        "  sim calibrate scenarios/history/*.yaml --param negotiation.lookahead_days=30:330:5 \\\n"
        "      -n 500 --seed 1 --out results/lookahead\n"
        "  sim calibrate scenarios/history/*.yaml --design lhs --samples 20 \\\n"
        "      --param negotiation.lookahead_days=30:330 --param pressures.learning.rate=0:0.05\n"
        "  sim calibrate scenarios/history/*.yaml --calibration results/lookahead/calibration.yaml \\\n"
        "      --param pressures.learning.rate=0:0.05\n"
        "  sim calibrate --resume results/lookahead\n"
        "  sim hindcast scenarios/history/*.yaml --calibration results/lookahead/calibration.yaml\n",
    )
    p.add_argument(
        "cases", nargs="*", metavar="CASE", help=f"case scenario files (2 to {MAX_CASES:,})"
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="PATH=LO:HI[:K]",
        help="a number to fit and its range (repeatable): K grid values (default 5), or "
        "PATH=LO:HI for --design lhs, or PATH=v1,v2,...",
    )
    _add_fixed_options(p)
    p.add_argument("--design", choices=["grid", "lhs"], default=None, help="grid (default) or lhs")
    samples = f"points of an LHS design (--design lhs; at most {MAX_POINTS:,})"
    p.add_argument("--samples", type=count(1, MAX_POINTS), metavar="K", help=samples)
    add_size_options(
        p,
        replicates_help="replicates per case run (default 1000)",
        seed_help="seed, the same at every point and case (default 1)",
    )
    add_executor_options(p, "case runs")
    p.add_argument(
        "--out", metavar="DIR", help="output folder (default: results/calibrate-<UTC time>/)"
    )
    p.add_argument(
        "--force", action="store_true", help="replace the --out folder if sim wrote it before"
    )
    p.add_argument(
        "--resume",
        metavar="DIR",
        help="continue an interrupted calibration in DIR (its cases, params, -n and seed)",
    )
    p.add_argument("--no-report", action="store_true", help="skip figures and report.html")
    p.add_argument("--quiet", action="store_true", help="no plan or progress bar; print the folder")
    p.set_defaults(func=cmd_calibrate)


def _add_fixed_options(p: argparse.ArgumentParser) -> None:
    """--set and --calibration: numbers fixed at every point of the design."""
    add_set_option(p)
    p.add_argument(
        "--calibration",
        metavar="FILE",
        help="the numbers to fit on top of, applied to every case at every point (before "
        "--set) and heading the new file's 'set:': by default the history library's "
        "calibration shipped with sim, less the numbers --param fits; FILE: a calibration.yaml "
        "instead (it may not set a --param path); 'none': the model's own defaults",
    )


def _fixed(args: argparse.Namespace) -> list[str]:
    """The numbers held fixed at every point: the calibration's (the library's without
    --calibration, less the paths the design fits) and --set; none for a bare --resume, which
    takes the folder's own."""
    if args.resume and not (args.calibration or args.overrides or args.param):
        return []
    if args.calibration is not None:
        return calibration_overrides(args)
    from ..model.scenario.calibration import library_calibration

    varied = {p.partition("=")[0].strip() for p in args.param or []}
    kept = [o for o in library_calibration() if o.partition("=")[0].strip() not in varied]
    return [*kept, *(args.overrides or [])]


def cmd_calibrate(args: argparse.Namespace) -> int:
    from ..io.folders import default_folder
    from ..studies.calibrate import calibrate

    if args.resume and args.out and args.out != args.resume:
        raise UsageError("--resume writes into its own folder; leave out --out")
    if not args.resume and not args.param:
        raise UsageError("calibrate needs at least one --param PATH=LO:HI[:K] (or --resume DIR)")
    out = None if args.resume else (args.out or default_folder("calibrate"))
    for f in [] if args.resume else dict.fromkeys(args.cases):
        load_checked(f)
    bar, progress = progress_bar(args.quiet, "case runs")
    try:
        res = calibrate(
            args.cases,
            args.param,
            replicates=args.replicates,
            seed=args.seed,
            design=args.design or ("lhs" if args.samples else "grid"),
            samples=args.samples,
            workers=args.workers,
            scheduler=args.scheduler,
            out=out,
            resume=args.resume,
            force=args.force,
            progress=progress or False,
            plan=None if args.quiet else _planner(args, bar),
            report=not args.no_report,
            allow_large=args.allow_large,
            fixed=_fixed(args),
        )
    except KeyboardInterrupt:
        from ..studies.calibrate.folder import is_calibrate_manifest

        where = args.resume or out
        kept = (
            f"finished case runs are kept in {where}; continue with 'sim calibrate --resume {where}'"
            if where is not None and is_calibrate_manifest(where)
            else "nothing was run"
        )
        sys.stderr.write(f"interrupted: {kept}\n")
        return 130
    finally:
        if bar is not None:
            bar.stop()
    if args.quiet:
        print(res.folder)
        return 0
    print(res.text())
    what = "manifest.json, cells/, scores.csv, scores.parquet, loo.csv, calibration.json, "
    what += "calibration.yaml" + ("" if args.no_report else ", figures/, report.html")
    print(f"wrote {res.folder}/ ({what})")
    return 0


def _planner(args: argparse.Namespace, bar: Any) -> Any:
    """The plan printed before anything runs: points x cases, what is done, the time a pilot
    run says it will take."""

    def plan(pl: Plan) -> None:
        from ..io.limits import cap_workers, cpu_count

        secs, pilot = 0.0, ""
        if pl.first is not None and pl.todo:
            file, overrides = pl.first
            per = _seconds_per_replicate_round(file, overrides, min(pl.replicates, 256))
            secs = (
                pl.replicate_rounds
                * per
                / min(cap_workers(args.workers, pl.todo - pl.same), cpu_count())
            )
            pilot = f" (timed on {Path(file).stem}; cases differ several-fold in cost)"
        done = f" ({pl.total - pl.todo:,} done already)" if pl.todo < pl.total else ""
        if pl.same:  # a case that does not use the values two points differ in: one run
            done += f" ({pl.same:,} more the same run as another point's, not run again)"
        sys.stderr.write(
            f"plan: {pl.points:,} points x {pl.cases} cases = {pl.total:,} case runs of "
            f"{pl.replicates:,} replicates; {pl.todo - pl.same:,} to run{done}; about "
            f"{_duration(secs)} "
            f"on {args.workers} worker(s){pilot}; checkpoints in {pl.folder}\n"
        )
        if bar is not None:
            bar.start()

    return plan


def _seconds_per_replicate_round(file: str, overrides: list[str], n: int) -> float:
    """A pilot run of one case at one point, timed after a warm-up (compilation not counted)."""
    import time

    from ..io.estimate import rounds_of
    from ..model.scenario.loader import load_scenario
    from ..studies.runner import run

    s = load_scenario(file, overrides)
    run(s, replicates=32, seed=0)
    t0 = time.perf_counter()
    run(s, replicates=n, seed=0)
    return (time.perf_counter() - t0) / (n * rounds_of(s))


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
