"""The discover verb: PRIM scenario discovery over a finished run's sampled inputs."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from ..io.limits import MAX_RESAMPLES
from .options import (
    Subparsers,
    add_executor_options,
    between,
    count,
    formatter,
    progress_bar,
)

__all__ = ["add_discover"]


def add_discover(sub: Subparsers) -> None:
    p = sub.add_parser(
        "discover",
        help="what must be true for an outcome: PRIM over a run's sampled inputs",
        description="Scenario discovery (PRIM, from ema_workbench) over the inputs each "
        "replicate of a run sampled: the region of input space where the outcome is most "
        "concentrated, with the coverage/density trade-off, the restricted inputs in real "
        "units and their quasi-p-values. Written to the run folder (discover.json, figures) "
        "and added to its report.",
        formatter_class=formatter,
        epilog="Examples:\n"
        "  sim discover results/baseline-20250101T120000Z\n"
        "  sim discover results/base --outcome ceasefire_by=2025-09-30 --min-mass 0.1\n"
        "  sim discover results/base --outcome in_force --resamples 10\n",
    )
    p.add_argument("folder", metavar="RESULTS_DIR", help="a folder written by 'sim run'")
    p.add_argument(
        "--outcome",
        default="ceasefire",
        metavar="OUTCOME",
        help="ceasefire (by the horizon, default), in_force (at the horizon) or "
        "ceasefire_by=YYYY-MM-DD",
    )
    p.add_argument(
        "--min-mass",
        type=between(0, 1),
        default=0.05,
        metavar="M",
        help="smallest share of the replicates a box may hold (default 0.05)",
    )
    p.add_argument(
        "--box", type=count(0), metavar="I", help="report box I of the trajectory instead"
    )
    p.add_argument(
        "--resamples",
        type=count(0, MAX_RESAMPLES),
        default=0,
        metavar="K",
        help="rerun PRIM on K random halves to measure each restriction's stability (default "
        f"0; at most {MAX_RESAMPLES}: each rerun takes a few seconds)",
    )
    p.add_argument("--seed", type=count(0), metavar="S", help="seed of the subsampling")
    add_executor_options(p, "--resamples reruns")
    p.add_argument("--no-report", action="store_true", help="do not rewrite report.html")
    p.set_defaults(func=cmd_discover)


def cmd_discover(args: argparse.Namespace) -> int:
    from ..output.results import Results
    from ..studies.cells import CellStore
    from .resume import jobs_folder, kept_cases

    results = Results.load(args.folder)
    store = CellStore(jobs_folder(Path(args.folder), "reruns"))  # finished reruns, until saved
    bar, progress = progress_bar(not args.resamples, "PRIM reruns")
    try:
        with bar if bar is not None else contextlib.nullcontext():
            d = _discover(results, args, progress, store)
    except KeyboardInterrupt:
        sys.stderr.write(
            f"interrupted: {kept_cases(store):,} finished PRIM rerun(s) kept in {store.folder}; "
            "run the same command again to go on without them\n"
        )
        return 130
    print(d.text())
    d.save(args.folder)
    store.remove()
    what = "discover.json, figures/"
    if not args.no_report:
        from ..output.report import write_report

        write_report(args.folder, results)
        what += ", report.html"
    print(f"wrote {args.folder}/ ({what})")
    return 0


def _discover(results: Any, args: argparse.Namespace, progress: Any, store: Any) -> Any:
    from ..studies.discover import discover

    return discover(
        results, outcome=args.outcome, min_mass=args.min_mass, box=args.box,
        resamples=args.resamples, seed=args.seed, workers=args.workers,
        progress=progress if callable(progress) else None, scheduler=args.scheduler,
        checkpoint=store.folder if args.resamples else None,
    )  # fmt: skip
