"""Verbs of one run: run (with --resume after an interruption) and report."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InconsistentRecord, RunError, SimError, Unresumable, UsageError
from ..io.folders import oserror_text
from ..io.limits import MAX_TRACE
from ..output.formats import wrap_lines
from .calibrate import add_calibration_option, calibration_overrides
from .options import (
    Subparsers,
    add_executor_options,
    add_set_option,
    add_size_options,
    auto_size,
    count,
    formatter,
    limits_help,
    progress_bar,
    warn_implausible,
)
from .path import add_path_option, draw_path

if TYPE_CHECKING:
    from ..studies.outputs import RunJob

__all__ = [
    "add_out_option",
    "add_report",
    "add_report_options",
    "add_run",
    "precision_note",
]


def precision_note(results: Any, precision: float, cap: int) -> str:
    """One line on what -n auto reached: replicates run and the half-width of P."""
    e = results.summary()["p_ceasefire"]
    h = (e["ci_high"] - e["ci_low"]) / 2
    met = "met" if h <= precision + 1e-12 else f"NOT met: stopped at the cap of {cap:,}"
    return (
        f"  -n auto: {results.n:,} replicates for ±{100 * h:.2f} pts on P(ceasefire) "
        f"(target ±{100 * precision:.2f}, {met})"
    )


RUN_EXAMPLES = (
    "Examples:\n"
    "  sim run scenarios/baseline.yaml -n 20000 --seed 7\n"
    "  sim run scenarios/baseline.yaml -n auto --precision 0.005   # ±0.5 pts on P\n"
    "  sim run scenarios/baseline.yaml --set run.seed=3 --out results/base --force\n"
    "  sim run scenarios/baseline.yaml -n 1000000 --scheduler tcp://scheduler-host:8786\n"
    "  sim run --resume results/base      # after Ctrl-C: runs only the missing chunks\n"
    "  sim run scenarios/history/russia_ukraine_2025.yaml --as-of 2025-09-01\n"
    "  sim run scenarios/baseline.yaml --observed my_record.yaml --as-of 2025-11-01\n"
    "  sim run scenarios/history/russia_ukraine_2025.yaml -n 20000 --as-of 2025-11-01 --resample\n"
)


def add_out_option(p: argparse.ArgumentParser, default: str) -> None:
    """--out DIR, shared by the verbs that write a folder (``default``: where it goes without)."""
    p.add_argument("--out", metavar="DIR", help=f"output folder (default: {default})")


def add_report_options(p: argparse.ArgumentParser, skip: str, quiet: str) -> None:
    """--no-report (``skip``: what it leaves out) and --quiet (``quiet``: what it still prints)."""
    p.add_argument("--no-report", action="store_true", help=f"skip {skip}")
    p.add_argument("--quiet", action="store_true", help=quiet)


def add_run(sub: Subparsers) -> None:
    """The ``run`` verb and its options, in the order ``sim run --help`` lists them."""
    p = sub.add_parser(
        "run",
        help="run a scenario and write results, figures and a report",
        description="Run one Monte Carlo simulation of a scenario and write a results folder.",
        epilog=RUN_EXAMPLES + limits_help(),
        formatter_class=formatter,
    )
    p.add_argument("scenario", metavar="SCENARIO", nargs="?", help="scenario YAML file")
    add_size_options(
        p,
        replicates_help="replicates (default: the scenario's run.replicates)",
        seed_help="random seed (default: the scenario's run.seed)",
        auto="P(ceasefire by the horizon)",
    )
    add_set_option(p)
    add_calibration_option(p)
    add_out_option(p, "results/<scenario>-<UTC time>/")
    p.add_argument(
        "--force",
        action="store_true",
        help="replace a non-empty --out folder written by sim (never a folder of other files)",
    )
    add_executor_options(p, "chunks of 4,096 replicates")
    p.add_argument(
        "--trace",
        type=count(0, MAX_TRACE),
        default=20,
        metavar="K",
        help=f"log the events of the first K replicates (default 20; at most {MAX_TRACE:,}: "
        "each costs about 3 ms and 400 bytes of traces.jsonl a round, in the estimate)",
    )
    p.add_argument(
        "--resume",
        metavar="DIR",
        help="finish an interrupted run whose output folder was DIR (its finished chunks are kept)",
    )
    _add_evidence_options(p)
    add_report_options(
        p, "figures and report.html", "no progress bar or headline; print only the output folder"
    )
    p.set_defaults(func=cmd_run)


def _add_evidence_options(p: argparse.ArgumentParser) -> None:
    """--observed and --as-of: what happened, and the date the run is conditioned on."""
    p.add_argument(
        "--observed",
        metavar="FILE",
        help="a file holding only 'observations:' (what happened), added to the scenario's",
    )
    p.add_argument(
        "--as-of",
        metavar="DATE",
        type=iso_date,
        help="condition on the observations dated on or before DATE (YYYY-MM-DD): every "
        "figure becomes the weighted version; the effective sample size is printed",
    )
    p.add_argument(
        "--resample",
        action="store_true",
        help="with --as-of: condition by resample-move (each chunk of 4,096 futures is a "
        "particle filter that copies the futures the record favours and continues the copies "
        "with fresh chance, replaying the days before hard evidence to find more that fit) "
        "instead of weighting one run; far more futures survive a long record; the run is then "
        "read as of that date only (--path draws the forecast's path)",
    )
    add_path_option(p)


def iso_date(text: str) -> str:
    """argparse type: a date as YYYY-MM-DD."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (got {text!r}); use YYYY-MM-DD") from None


def cmd_run(args: argparse.Namespace) -> int:
    from ..studies.outputs import plan_run, resume_run

    if args.resume is not None:
        _only_resume(args)
        job = resume_run(args.resume)
        warn_implausible(job.scenario, args.resume)
    else:
        if args.scenario is None:
            raise UsageError("give a SCENARIO file to run (or --resume DIR)")
        replicates, precision, cap = auto_size(args)
        job = plan_run(
            args.scenario,
            calibration_overrides(args),
            replicates=replicates,
            precision=precision,
            max_replicates=cap,
            seed=args.seed,
            trace=args.trace,
            out=args.out,
            force=args.force,
            observed=args.observed,
            as_of=args.as_of,
            resample=args.resample,
            path=args.path,
        )
        warn_implausible(job.scenario, args.scenario)
        _check_size(job, args)
        job.begin()
    try:
        return _run_job(job, args)
    except KeyboardInterrupt:
        kept = job.abandon()
        sys.stderr.write(f"interrupted: {kept or 'no chunk had finished; nothing kept'}\n")
        return 130
    except InconsistentRecord:
        job.discard()  # resuming would fail the same way: more replicates need a new run
        raise
    except (SimError, OSError, MemoryError) as e:
        kept = job.abandon(resumable=not isinstance(e, Unresumable))
        if kept:  # the same error, one line, with what was kept and how to go on
            what = oserror_text(e) if isinstance(e, OSError) else str(e).splitlines()[0]
            where = f" writing {e.filename!r}" if isinstance(e, OSError) and e.filename else ""
            raise RunError(f"{what or type(e).__name__}{where}; {kept}") from None
        raise
    finally:
        job.release()


def _only_resume(args: argparse.Namespace) -> None:
    """--resume takes the run's own settings: refuse any given beside it (UsageError)."""
    given = [
        f
        for f, v in (
            ("SCENARIO", args.scenario),
            ("-n", args.replicates),
            ("--seed", args.seed),
            ("--set", args.overrides),
            ("--calibration", args.calibration),
            ("--out", args.out),
            ("--observed", args.observed),
            ("--as-of", args.as_of),
            ("--resample", args.resample),
            ("--path", args.path),
            ("--precision", args.precision),
            ("--max-replicates", args.max_replicates),
        )
        if v
    ]
    if given:
        raise UsageError(
            f"--resume continues a run with its own settings; leave out {', '.join(given)}"
        )


def _check_size(job: RunJob, args: argparse.Namespace) -> None:
    """Refuse a run beyond this machine (memory, disk) before anything is written."""
    from ..io.estimate import check_fits, rounds_of, run_estimate

    n = job.replicates if job.precision is None else job.max_replicates  # -n auto: its cap
    workers = 1 if args.scheduler else args.workers
    est = run_estimate(n, rounds_of(job.scenario), workers, job.trace)
    check_fits(est, job.checkpoint.parent, args.allow_large)
    if est.seconds > 60 and not args.quiet:
        sys.stderr.write(f"estimate: {est.text()}\n")


def _run_job(job: RunJob, args: argparse.Namespace) -> int:
    from ..studies.runner import run

    bar, progress = progress_bar(args.quiet, "replicates")
    with contextlib.ExitStack() as stack:
        executor = None
        if args.scheduler:  # a large run split by chunk over a Dask cluster
            from ..io.execution import dask_client

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
            precision=job.precision,
            max_replicates=job.max_replicates,
            as_of=job.as_of,
            resample=job.resample,
        )
    if job.path and job.as_of is not None:  # on the local pool, after the run's own bar
        results = draw_path(results, job, args)

    folder = job.save(results, overwrite=args.force, report=not args.no_report)
    if args.quiet:
        print(folder)
        return 0
    print(wrap_lines(results.headline()))
    if job.precision is not None:
        print(precision_note(results, job.precision, job.max_replicates))
    what = "summary.json, outcomes.parquet, series.parquet"
    if results.traces:
        what += ", traces.jsonl"
    if not args.no_report:
        what += ", figures/, report.html"
    print(f"wrote {folder}/ ({what})")
    return 0


def add_report(sub: Subparsers) -> None:
    p = sub.add_parser(
        "report",
        help="regenerate report.html of a run, sweep, compare or sensitivity folder",
        description="Regenerate the self-contained HTML report of a results folder "
        "(written by 'sim run', with any 'sim discover' boxes), a finished sweep folder "
        "('sim sweep'), a compare folder ('sim compare') or a sensitivity folder "
        "('sim sensitivity').",
        epilog="Examples:\n  sim report results/baseline-20250101T120000Z --open\n"
        "  sim report results/baseline-sweep-20250101T120000Z\n",
        formatter_class=formatter,
    )
    p.add_argument(
        "folder",
        metavar="RESULTS_DIR",
        help="a folder written by 'sim run', 'sim sweep', 'sim compare' or 'sim sensitivity'",
    )
    p.add_argument(
        "--open",
        action="store_true",
        help="open the report in a web browser (without one, print the path to open)",
    )
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from ..output.report import is_sweep_folder, write_sweep_report
    from ..output.report.calibrate import is_calibrate_folder, write_calibrate_report
    from ..output.report.compare import write_compare_report
    from ..output.report.hindcast import is_hindcast_folder, write_hindcast_report
    from ..output.results import NotAResultsFolder, is_results_folder
    from ..studies.compare import is_compare_folder
    from ..studies.sensitivity import is_sensitivity_folder

    folder = Path(args.folder)
    writers = [
        (is_results_folder, _write_run_report),
        (is_sweep_folder, write_sweep_report),
        (is_hindcast_folder, write_hindcast_report),
        (is_calibrate_folder, write_calibrate_report),
        (is_compare_folder, write_compare_report),
        (is_sensitivity_folder, _write_sensitivity_report),
    ]
    write = next((w for test, w in writers if test(folder)), None)
    if write is not None:
        try:
            path = write(folder)
        except OSError as e:
            raise UsageError(
                f"cannot write the report into {str(folder)!r}: {oserror_text(e)}"
            ) from None
    elif not folder.exists():
        raise NotAResultsFolder(
            f"{str(folder)!r} does not exist (expected a results folder written by 'sim run' "
            "or by another verb: sweep, compare, sensitivity, hindcast)"
        )
    else:
        raise NotAResultsFolder(
            f"{str(folder)!r} is not a results folder (written by 'sim run': summary.json, "
            "meta.json, outcomes.parquet, series.parquet), a sweep folder ('sim sweep': "
            "manifest.json), a compare folder ('sim compare': compare.json), a "
            "sensitivity folder ('sim sensitivity': sensitivity.json) nor a hindcast folder "
            "('sim hindcast': hindcast.json)"
        )
    print(f"wrote {path}")
    if args.open:
        _open_in_browser(path)
    return 0


def _open_in_browser(path: Path) -> None:
    """Open the report in a web browser; where none can be started, say so and where the
    page is (the report is written either way: exit status 0)."""
    import webbrowser

    try:
        opened = webbrowser.open(path.resolve().as_uri())
    except webbrowser.Error:
        opened = False
    if not opened:
        sys.stderr.write(f"no web browser found to open it; open {path.resolve()} yourself\n")


def _write_sensitivity_report(folder: Path) -> Path:
    from ..output.report.sensitivity import write_sensitivity_report

    return write_sensitivity_report(folder)


def _write_run_report(folder: Path) -> Path:
    """Rewrite a run folder's report.html from the results it holds."""
    from ..output.report import write_report
    from ..output.results import Results

    return write_report(folder, Results.load(folder))
