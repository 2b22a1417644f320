"""Verbs that set scenarios side by side: compare (paired differences) and sensitivity (SALib indices)."""

from __future__ import annotations

import argparse

from ..limits import WORKERS_PER_CPU
from .options import (
    Subparsers,
    add_executor_options,
    add_set_option,
    add_size_options,
    count,
    formatter,
)

__all__ = ["add_compare", "add_sensitivity"]


def add_compare(sub: Subparsers) -> None:
    p = sub.add_parser(
        "compare",
        help="compare scenarios on common random numbers, with paired intervals",
        description="Run scenarios on the same seed and report each one's difference from the "
        "first in P(ceasefire), P(in force at horizon), median days and mean terms, with paired "
        "95% intervals (normal approximation for shares and terms, bootstrap for the median). "
        "The scenarios must share start and horizon (else the command refuses); issues not "
        "shared are noted, and terms are compared on the shared ones only.",
        formatter_class=formatter,
        epilog="Examples:\n"
        "  sim compare scenarios/baseline.yaml scenarios/us_walks_away.yaml\n"
        "  sim compare scenarios/baseline.yaml scenarios/*.yaml -n 5000 --out results/cmp\n"
        "  sim compare scenarios/baseline.yaml --variant 'pressures.sanctions.level=0.9' \\\n"
        "      --variant 'actors.russia.stalling.prior=0 pressures.learning.rate=0.05'\n",
    )
    p.add_argument(
        "scenarios",
        nargs="+",
        metavar="SCENARIO",
        help="scenario YAML files; the first is the reference",
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
    )
    p.add_argument(
        "--workers",
        type=count(1),
        default=1,
        metavar="W",
        help=f"worker processes per run (at most one per chunk and {WORKERS_PER_CPU} per CPU "
        "are started)",
    )
    p.add_argument("--out", metavar="DIR", help="write compare.json and figures/compare.png here")
    add_set_option(p)
    p.set_defaults(func=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    from ..compare import compare
    from ..folders import check_writable
    from ..outputs import check_out_folder

    out = None if args.out is None else check_out_folder(args.out, holds="compare.json")
    if out is not None:
        check_writable(out)  # before the runs, not after them
    c = compare(
        args.scenarios,
        replicates=args.replicates,
        seed=args.seed,
        workers=args.workers,
        overrides=list(args.overrides),
        variants=args.variant or None,
        allow_large=args.allow_large,
    )
    print(c.text())
    if out is not None:
        c.save(out)
        print(f"wrote {out}/ (compare.json, figures/compare.png)")
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
        "  sim sensitivity scenarios/baseline.yaml --samples 64 -n 1000 --workers 4 \\\n"
        "      --params actors.russia.stalling.prior,pressures.sanctions.level=0.3:0.9\n",
    )
    p.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    p.add_argument("--method", choices=["sobol", "morris"], default="sobol", help="default sobol")
    p.add_argument(
        "--samples",
        type=count(2),
        default=16,
        metavar="K",
        help="SALib N: Sobol runs K*(D+2) points (K a power of two), Morris K*(D+1) (default 16)",
    )
    p.add_argument(
        "--params",
        metavar="PATH[=LO:HI],...",
        help="inputs to study (default: every distribution in the scenario)",
    )
    add_size_options(
        p,
        minimum=2,
        default=500,
        replicates_help="replicates per point (default 500)",
        seed_help="random seed (default: the scenario's)",
    )
    p.add_argument(
        "--out", metavar="DIR", help="write sensitivity.json, indices.csv and figures here"
    )
    add_executor_options(p)
    add_set_option(p)
    p.set_defaults(func=cmd_sensitivity)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from ..folders import check_writable
    from ..outputs import check_out_folder
    from ..sensitivity import sensitivity

    out = None if args.out is None else check_out_folder(args.out, holds="sensitivity.json")
    if out is not None:
        check_writable(out)  # before the study, not after it
    params = [x.strip() for x in args.params.split(",") if x.strip()] if args.params else None
    r = sensitivity(
        args.scenario,
        method=args.method,
        samples=args.samples,
        params=params,
        replicates=args.replicates,
        seed=args.seed,
        workers=args.workers,
        scheduler=args.scheduler,
        overrides=list(args.overrides),
        allow_large=args.allow_large,
    )
    import pandas as pd

    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(r.indices.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    for name, v in r.variance.items():
        print(
            f"{name}: variance across points {v['total']:.4g}, of which chance "
            f"{v['chance']:.4g} ({100 * v['chance_share']:.1f}%)"
        )
    if out is not None:
        r.save(out)
        print(f"wrote {out}/ (sensitivity.json, indices.csv, points.parquet, figures/)")
    return 0
