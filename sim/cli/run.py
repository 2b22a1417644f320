"""Verbs of one run: run (with --resume after an interruption) and report."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import RunError, SimError, UsageError
from ..folders import oserror_text
from .options import (
    Subparsers,
    add_executor_options,
    add_set_option,
    add_size_options,
    count,
    formatter,
    limits_help,
    progress_bar,
)

if TYPE_CHECKING:
    from ..outputs import RunJob

__all__ = ["add_report", "add_run"]


def add_run(sub: Subparsers) -> None:
    p = sub.add_parser(
        "run",
        help="run a scenario and write results, figures and a report",
        description="Run one Monte Carlo simulation of a scenario and write a results folder.",
        epilog=(
            "Examples:\n"
            "  sim run scenarios/baseline.yaml -n 20000 --seed 7\n"
            "  sim run scenarios/baseline.yaml --set run.seed=3 --out results/base --force\n"
            "  sim run scenarios/baseline.yaml -n 1000000 --scheduler tcp://scheduler-host:8786\n"
            "  sim run --resume results/base      # after Ctrl-C: runs only the missing chunks\n"
            + limits_help()
        ),
        formatter_class=formatter,
    )
    p.add_argument("scenario", metavar="SCENARIO", nargs="?", help="scenario YAML file")
    add_size_options(
        p,
        replicates_help="replicates (default: the scenario's run.replicates)",
        seed_help="random seed (default: the scenario's run.seed)",
    )
    add_set_option(p)
    p.add_argument(
        "--out", metavar="DIR", help="output folder (default: results/<scenario>-<UTC time>/)"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace a non-empty --out folder written by sim (never a folder of other files)",
    )
    add_executor_options(p, "chunks of 4,096 replicates")
    p.add_argument(
        "--trace",
        type=count(0),
        default=20,
        metavar="K",
        help="log the events of the first K replicates (default 20)",
    )
    p.add_argument(
        "--resume",
        metavar="DIR",
        help="finish an interrupted run whose output folder was DIR (its finished chunks are kept)",
    )
    p.add_argument("--no-report", action="store_true", help="skip figures and report.html")
    p.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bar or headline; print only the output folder",
    )
    p.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    from ..outputs import plan_run, resume_run

    if args.resume is not None:
        given = [
            f
            for f, v in (
                ("SCENARIO", args.scenario),
                ("-n", args.replicates),
                ("--seed", args.seed),
                ("--set", args.overrides),
                ("--out", args.out),
            )
            if v
        ]
        if given:
            raise UsageError(
                f"--resume continues a run with its own settings; leave out {', '.join(given)}"
            )
        job = resume_run(args.resume)
    else:
        if args.scenario is None:
            raise UsageError("give a SCENARIO file to run (or --resume DIR)")
        job = plan_run(
            args.scenario,
            args.overrides,
            replicates=args.replicates,
            seed=args.seed,
            trace=args.trace,
            out=args.out,
            force=args.force,
        )
        _check_size(job, args)
        job.begin()
    try:
        return _run_job(job, args)
    except KeyboardInterrupt:
        kept = job.abandon()
        sys.stderr.write(f"interrupted: {kept or 'no chunk had finished; nothing kept'}\n")
        return 130
    except (SimError, OSError, MemoryError) as e:
        kept = job.abandon()
        if kept:  # the same error, one line, with what was kept and how to go on
            what = oserror_text(e) if isinstance(e, OSError) else str(e).splitlines()[0]
            where = f" writing {e.filename!r}" if isinstance(e, OSError) and e.filename else ""
            raise RunError(f"{what or type(e).__name__}{where}; {kept}") from None
        raise
    finally:
        job.release()


def _check_size(job: RunJob, args: argparse.Namespace) -> None:
    """Refuse a run beyond this machine (memory, disk) before anything is written."""
    from ..estimate import check_fits, rounds_of, run_estimate

    est = run_estimate(
        job.replicates, rounds_of(job.scenario), 1 if args.scheduler else args.workers
    )
    check_fits(est, job.checkpoint.parent, args.allow_large)
    if est.seconds > 60 and not args.quiet:
        sys.stderr.write(f"estimate: {est.text()}\n")


def _run_job(job: RunJob, args: argparse.Namespace) -> int:
    from ..engine.runner import run

    bar, progress = progress_bar(args.quiet)
    with contextlib.ExitStack() as stack:
        executor = None
        if args.scheduler:  # a large run split by chunk over a Dask cluster
            from ..execution import dask_client

            executor = stack.enter_context(dask_client(args.scheduler, args.workers)).get_executor()
        if bar is not None:
            stack.enter_context(bar)
        results = run(
            job.scenario,
            replicates=job.replicates,
            seed=job.seed,
            workers=args.workers,
            progress=progress if bar is not None else False,
            trace=job.trace,
            executor=executor,
            checkpoint=job.checkpoint,
        )

    def figures_and_report(tmp: Path) -> None:
        from ..plots import save_figures
        from ..report import write_report

        write_report(tmp, results, save_figures(results, tmp))

    folder = job.save(
        results, overwrite=args.force, extras=None if args.no_report else figures_and_report
    )
    if args.quiet:
        print(folder)
        return 0
    print(results.headline())
    what = "summary.json, outcomes.parquet, series.parquet"
    if not args.no_report:
        what += ", figures/, report.html"
    print(f"wrote {folder}/ ({what})")
    return 0


def add_report(sub: Subparsers) -> None:
    p = sub.add_parser(
        "report",
        help="regenerate report.html of a results or sweep folder",
        description="Regenerate the self-contained HTML report of a results folder "
        "(written by 'sim run') or of a finished sweep folder (written by 'sim sweep').",
        epilog="Examples:\n  sim report results/baseline-20250101T120000Z --open\n"
        "  sim report results/baseline-sweep-20250101T120000Z\n",
        formatter_class=formatter,
    )
    p.add_argument(
        "folder",
        metavar="RESULTS_DIR",
        help="a folder written by 'sim run' or by 'sim sweep'",
    )
    p.add_argument("--open", action="store_true", help="open the report in a web browser")
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from ..report import is_sweep_folder, write_report, write_sweep_report
    from ..results import NotAResultsFolder, is_results_folder

    folder = Path(args.folder)
    if is_results_folder(folder) or is_sweep_folder(folder):
        write = write_report if is_results_folder(folder) else write_sweep_report
        try:
            path = write(folder)
        except OSError as e:
            raise UsageError(
                f"cannot write the report into {str(folder)!r}: {oserror_text(e)}"
            ) from None
    elif not folder.exists():
        raise NotAResultsFolder(
            f"{str(folder)!r} does not exist (expected a results folder written by 'sim run' "
            "or a sweep folder written by 'sim sweep')"
        )
    else:
        raise NotAResultsFolder(
            f"{str(folder)!r} is not a results folder (written by 'sim run': summary.json, "
            "meta.json, outcomes.parquet, series.parquet) nor a sweep folder (written by "
            "'sim sweep': manifest.json)"
        )
    print(f"wrote {path}")
    if args.open:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())
    return 0
