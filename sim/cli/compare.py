"""Verbs that set scenarios side by side: compare (paired differences) and sensitivity (SALib indices)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from typing import Any

from ..io.limits import MAX_COMPARED, MAX_POINTS
from .calibrate import add_calibration_option
from .options import (
    Subparsers,
    add_executor_options,
    add_set_option,
    add_size_options,
    auto_size,
    count,
    formatter,
    load_checked,
    progress_bar,
    warn_implausible,
)
from .run import add_out_option, add_report_options

__all__ = ["add_compare", "add_sensitivity"]


def add_compare(sub: Subparsers) -> None:
    p = sub.add_parser(
        "compare",
        help="compare scenarios on common random numbers, with paired intervals",
        description="Run scenarios on the same seed and report, for each, P(ceasefire), P(in "
        "force at horizon), median days and median terms, with its paired difference from the "
        "first and a 95% interval (normal approximation for shares, order statistics for terms, "
        "bootstrap for median days). A scenario given twice is compared once. The scenarios must "
        "share start and horizon (else the command refuses); issues not shared are noted, and "
        "terms are compared on the shared ones only. Writes a folder (compare.json, figures, "
        "report.html) under results/ unless --out says where.",
        formatter_class=formatter,
        epilog="Examples:\n"
        "  sim compare scenarios/baseline.yaml scenarios/us_walks_away.yaml\n"
        "  sim compare scenarios/baseline.yaml scenarios/russian_stalling.yaml \\\n"
        "      scenarios/war_weariness.yaml -n 5000 --out results/cmp\n"
        "  sim compare scenarios/baseline.yaml scenarios/us_walks_away.yaml -n auto --precision 0.01\n"
        "  sim compare scenarios/baseline.yaml --variant 'pressures.sanctions.cost=0.0008' \\\n"
        "      --variant 'actors.russia.stalling.prior=0 pressures.learning.rate=0.05'\n"
        "  sim compare --resume results/cmp     # after Ctrl-C: runs only the missing chunks\n",
    )
    p.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help=f"scenario YAML files; the first is the reference (at most {MAX_COMPARED} "
        "scenarios and variants)",
    )
    p.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="'PATH=V [PATH=V ...]'",
        help="with one SCENARIO: a variant of it (repeatable)",
    )
    add_size_options(
        p,
        minimum=2,
        replicates_help="replicates per scenario (default: the first scenario's run.replicates)",
        seed_help="common seed (default: the first scenario's)",
        auto="each P(ceasefire) and each paired ΔP",
    )
    add_executor_options(p, "chunks of 4,096 replicates")
    add_out_option(p, "results/<first scenario>-compare-<UTC time>/")
    add_report_options(p, "report.html", "no progress bar; print only the folder")
    add_set_option(p)
    add_calibration_option(p)
    p.add_argument(
        "--resume",
        metavar="DIR",
        help="continue the interrupted comparison whose output folder was DIR, with its own "
        "settings: the chunks its runs had finished are kept and not run again",
    )
    p.set_defaults(func=cmd_compare)


def _warn_implausible_inputs(args: argparse.Namespace) -> None:
    """Plausibility warnings of each scenario, and of each --variant (those its base lacks)."""
    from ..errors import ScenarioError
    from ..model.scenario.loader import load_scenario
    from ..model.scenario.plausibility import plausibility_warnings

    bases = [load_checked(f, args.overrides) for f in dict.fromkeys(args.scenarios)]
    if len(bases) != 1:
        return  # variants need exactly one scenario: compare() says so
    known = set(plausibility_warnings(bases[0]))
    for v in args.variant:
        try:
            s = load_scenario(args.scenarios[0], [*args.overrides, *v.split()])
        except ScenarioError:
            continue  # compare() refuses the variant, located
        warn_implausible(s, f"{args.scenarios[0]} --variant '{v}'", known)


def cmd_compare(args: argparse.Namespace) -> int:
    """Run the comparison (each run keeping its finished chunks), save its folder, print it."""
    from ..studies.compare import compare
    from .compare_resume import compare_options, compare_settings, finished_chunks, runs_folder
    from .resume import run_kept, start_jobs

    args, out = compare_settings(args)
    replicates, precision, cap = auto_size(args)
    _warn_implausible_inputs(args)
    resume = bool(args.resume)
    store = start_jobs(runs_folder(out), "compare", out, compare_options(args), resume, False)
    bar, progress = progress_bar(args.quiet, "replicates")

    def study() -> Any:
        with contextlib.ExitStack() as stack:
            executor = None
            if args.scheduler:  # the runs split by chunk over a Dask cluster
                from ..io.execution import dask_client

                client = stack.enter_context(dask_client(args.scheduler, args.workers))
                executor = client.get_executor()
            if bar is not None:
                stack.enter_context(bar)
            return compare(
                args.scenarios, replicates=replicates, seed=args.seed, workers=args.workers,
                overrides=list(args.overrides), variants=args.variant or None,
                progress=progress, precision=precision, max_replicates=cap,
                allow_large=args.allow_large, checkpoint=store.folder, executor=executor,
            )  # fmt: skip

    c = run_kept(study, store, out, resume, "compare", "chunk", finished_chunks)
    if c is None:
        return 130
    c.save(out, report=not args.no_report)
    text = None if args.quiet else c.text()
    store.remove()
    if text is None:
        print(out)
        return 0
    print(text)
    what = "compare.json, figures/" + ("" if args.no_report else ", report.html")
    print(f"wrote {out}/ ({what})")
    return 0


def add_sensitivity(sub: Subparsers) -> None:
    p = sub.add_parser(
        "sensitivity",
        help="which uncertain inputs drive P(ceasefire) and the median time (SALib)",
        description="Sobol (first-order and total) or Morris indices of P(ceasefire by horizon) "
        "and median days over the scenario's distributions (or the --params named). Each point "
        "fixes the inputs and runs N replicates; the chance (run-to-run) share of the variance "
        "is reported next to the indices.",
        formatter_class=formatter,
        epilog="Examples:\n"
        "  sim sensitivity scenarios/baseline.yaml --method morris --samples 10 -n 500\n"
        "  sim sensitivity scenarios/baseline.yaml --method sobol --top 10 --out results/sens\n"
        "  sim sensitivity scenarios/baseline.yaml --samples 64 -n 1000 --workers 4 \\\n"
        "      --params actors.russia.stalling.prior,pressures.sanctions.cost=0.0001:0.0008\n",
    )
    p.add_argument("scenario", metavar="SCENARIO", nargs="?", help="scenario YAML file")
    p.add_argument("--method", choices=["sobol", "morris"], default=None, help="default sobol")
    p.add_argument(
        "--samples",
        type=count(2, MAX_POINTS),
        default=None,
        metavar="K",
        help="SALib N: Sobol runs K*(D+2) points (K a power of two), Morris K*(D+1) (default "
        f"16; at most {MAX_POINTS:,} points in all)",
    )
    p.add_argument(
        "--params",
        metavar="PATH[=LO:HI],...",
        help="inputs to study (default: every distribution in the scenario)",
    )
    add_size_options(
        p,
        minimum=2,
        replicates_help="replicates per point (default 500)",
        seed_help="random seed (default: the scenario's)",
    )
    add_out_option(p, "results/<scenario>-sensitivity-<UTC time>/")
    p.add_argument(
        "--top",
        type=count(1),
        default=15,
        metavar="K",
        help="inputs shown in the terminal and the figures (default 15; all are in the files)",
    )
    add_report_options(p, "report.html", "no plan or progress bar")
    add_executor_options(p)
    add_set_option(p)
    add_calibration_option(p)
    p.add_argument(
        "--resume",
        metavar="DIR",
        help="continue an interrupted study into DIR: its finished points are kept, the rest "
        "run (as it began: same scenario, method, samples, params, -n and seed)",
    )
    p.set_defaults(func=cmd_sensitivity)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Run the study (keeping each finished point), save its folder, print the top inputs."""
    from ..studies.sensitivity import sensitivity
    from .resume import jobs_folder, run_kept, start_jobs
    from .sensitivity_resume import study_settings

    args, out = study_settings(args)
    params = [x.strip() for x in args.params.split(",") if x.strip()] if args.params else None
    store = start_jobs(
        jobs_folder(out, "points"), "sensitivity", out, _study_options(args),
        bool(args.resume), False,
    )  # fmt: skip
    bar, progress = progress_bar(args.quiet, "sensitivity points")

    def study() -> Any:
        return sensitivity(
            args.scenario, method=args.method, samples=args.samples, params=params,
            replicates=args.replicates, seed=args.seed, workers=args.workers,
            scheduler=args.scheduler, overrides=list(args.overrides),
            progress=progress if callable(progress) else None, plan=_planner(args, bar),
            allow_large=args.allow_large, checkpoint=store.folder,
        )  # fmt: skip

    try:
        r = run_kept(study, store, out, bool(args.resume), "sensitivity", "point")
    finally:
        if bar is not None:
            bar.stop()
    if r is None:
        return 130
    r.save(out, report=not args.no_report)
    store.remove()
    _print_study(r, args.top)
    what = "sensitivity.json, indices.csv, points.parquet, figures/"
    print(f"wrote {out}/ ({what}{'' if args.no_report else ', report.html'})")
    return 0


def _study_options(args: argparse.Namespace) -> dict[str, Any]:
    """What --resume needs to go on as the study began."""
    keys = ("scenario", "method", "samples", "params", "replicates", "seed", "overrides")
    return {k: getattr(args, k) for k in keys}


def _planner(args: argparse.Namespace, bar: Any) -> Callable[[int, int], None]:
    """The study's plan callback: the plan and its estimated time on stderr, then the bar."""

    def plan(points: int, inputs: int) -> None:
        if args.quiet:
            return
        per_point = _seconds_per_point(args.scenario, args.overrides, args.replicates)
        secs = points * per_point / args.workers
        sys.stderr.write(
            f"plan: {args.method} over {inputs} inputs: {points:,} points x {args.replicates:,} "
            f"replicates = {points * args.replicates:,} replicates; about {_duration(secs)} "
            f"on {args.workers} worker(s) ({per_point:.2f} s a point)\n"
        )
        if bar is not None:
            bar.start()

    return plan


def _study_columns(r: Any, o: str) -> dict[str, Callable[[dict[str, Any]], str]]:
    """The terminal table's columns for output ``o``: each index with its unit (points of
    probability or days for Morris' μ*, a share of the variance for Sobol's)."""
    from ..output.formats import score

    def cell(k: str, scale: float | None) -> Callable[[dict[str, Any]], str]:
        if scale is None:
            return lambda row: score(row.get(k))
        return lambda row: f"{scale * row[k]:.1f}" if row.get(k) == row.get(k) else "—"

    if r.key == "ST":
        return {k: cell(k, None) for k in ("S1", "S1_conf", "ST", "ST_conf")}
    unit, scale = ("pts", 100.0) if o == "p_ceasefire" else ("days", 1.0)
    names = {"mu_star": f"μ* ({unit})", "mu_star_conf": "± 95%", "sigma": f"σ ({unit})"}
    return {h: cell(k, scale) for k, h in names.items()}


def _print_study(r: Any, top: int) -> None:
    """The ``top`` inputs of each output (a table at most 100 columns wide: long input names
    abbreviated, in full in indices.csv), its variance and chance share, then any warnings."""
    from ..output.formats import text_table, value, wrap_lines

    still = r.constant()
    for o in r.variance:
        if o in still:  # no table of NaN: the warning below says why
            print(f"{o}: {still[o]:g} at every point; its indices are undefined (it does not vary)")
            continue
        t = r.top(o, top)
        n_all = int((r.indices["output"] == o).sum())
        print(f"{o}: top {len(t)} of {n_all} inputs by {'total effect' if r.key == 'ST' else 'μ*'}")
        cols: dict[str, Callable[[dict[str, Any]], str]] = {"input": lambda row: str(row["input"])}
        cols.update(_study_columns(r, o))
        print(text_table(t.to_dict("records"), cols))
        v = r.variance[o]
        print(
            f"  variance across points {value(v['total'])}, of which chance {value(v['chance'])} "
            f"({100 * v['chance_share']:.1f}%)"
        )
    for w in r.warnings():
        print(wrap_lines(f"warning: {w}"))


def _seconds_per_point(scenario: str, overrides: list[str], replicates: int) -> float:
    """What one point costs on this machine: a pilot point of the scenario, timed after a
    warm-up (so compilation is not counted)."""
    import time

    from ..model.scenario.loader import load_scenario
    from ..studies.runner import run

    s = load_scenario(scenario, list(overrides))
    run(s, replicates=64, seed=0)
    t0 = time.perf_counter()
    run(s, replicates=replicates, seed=0)
    return time.perf_counter() - t0


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
