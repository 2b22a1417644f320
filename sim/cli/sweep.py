"""The sweep verb: a scenario over a grid, LHS or Sobol design, resumable."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import UsageError
from ..io.limits import MAX_POINTS
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
    load_checked,
    progress_bar,
    warn_implausible,
)
from .run import add_out_option

__all__ = ["add_sweep", "sweep_table_text"]


def _short_paths(paths: list[str]) -> list[str]:
    """Each path's shortest tail (two parts at least) that tells it from the others."""
    for k in range(2, max(len(p.split(".")) for p in paths) + 1):
        tails = [".".join(p.split(".")[-k:]) for p in paths]
        if len(set(tails)) == len(paths):
            return tails
    return paths


def sweep_table_text(res: Any, max_rows: int = 40) -> str:
    """The sweep table for the terminal: P with its interval in %, median days ("not
    reached" where fewer than half agreed), replicates per point under -n auto."""
    import math

    from ..output.formats import WIDTH, value, wrap_lines

    t = res.table
    heads = [*res.paths, "P(ceasefire)", "95% CI", "median days"]
    auto = res.manifest.get("precision") is not None
    if auto:
        heads.append("replicates")
    rows = []
    for r in t.head(max_rows).to_dict("records"):
        med = r["median_days_to_ceasefire"]
        row = [value(r[p], sig=4) for p in res.paths]
        row += [
            f"{100 * r['p_ceasefire']:.1f}%",
            f"{100 * r['p_ceasefire_ci_low']:.1f}–{100 * r['p_ceasefire_ci_high']:.1f}%",
            "not reached" if med is None or math.isnan(med) else f"{med:.0f}",
        ]
        if auto:
            row.append(f"{int(r['replicates']):,}")
        rows.append(row)
    widths = [max(len(h), *(len(x[i]) for x in rows)) for i, h in enumerate(heads)]
    lines = []
    if sum(widths) + 2 * len(widths) > WIDTH:  # long paths: short headers, the paths above
        lines.append(wrap_lines("varied: " + ", ".join(res.paths)))
        heads[: len(res.paths)] = _short_paths(list(res.paths))
        widths = [max(len(h), *(len(x[i]) for x in rows)) for i, h in enumerate(heads)]
    lines.append("  ".join(h.rjust(w) for h, w in zip(heads, widths, strict=True)))
    lines += ["  ".join(c.rjust(w) for c, w in zip(x, widths, strict=True)) for x in rows]
    if len(t) > max_rows:
        lines.append(f"... {len(t) - max_rows} more points in sweep.parquet")
    return "\n".join(lines)


SWEEP_EXAMPLES = (
    "Examples:\n"
    "  sim sweep scenarios/baseline.yaml --vary pressures.sanctions.cost=0:0.001:11\n"
    "  sim sweep scenarios/baseline.yaml --vary actors.russia.stalling.prior=0,0.25,0.5 \\\n"
    "      --vary actors.russia.capability.pert.1=1.2:2:5 -n 2000 --workers 4\n"
    "  sim sweep scenarios/baseline.yaml --design lhs --samples 200 \\\n"
    "      --vary pressures.sanctions.cost=0:0.001 --vary pressures.learning.prior_sd.pert.1=0.06:0.14\n"
    "  sim sweep scenarios/baseline.yaml --vary pressures.sanctions.cost=0:0.001:11 \\\n"
    "      --scheduler tcp://scheduler-host:8786\n"
    "  sim sweep scenarios/baseline.yaml --vary pressures.sanctions.cost=0:0.001:5 -n auto \\\n"
    "      --precision 0.01\n"
    "  sim sweep --resume results/baseline-sweep-20250101T120000Z\n"
)


def add_sweep(sub: Subparsers) -> None:
    """The ``sweep`` verb and its options, in the order ``sim sweep --help`` lists them."""
    p = sub.add_parser(
        "sweep",
        help="run a scenario over a grid, LHS or Sobol design of numeric paths",
        description="Run a scenario at every point of a design over one or more numeric paths "
        "(any number or distribution parameter), all on the same seed (common random numbers). "
        "Each finished point is saved as it completes; --resume DIR runs only the missing ones.",
        formatter_class=formatter,
        epilog=SWEEP_EXAMPLES + limits_help(),
    )
    p.add_argument(
        "scenario", metavar="SCENARIO", nargs="?", help="scenario YAML file (not with --resume)"
    )
    _add_design_options(p)
    add_size_options(
        p,
        replicates_help="replicates per point (default: the scenario's run.replicates)",
        seed_help="random seed (default: the scenario's run.seed)",
        auto="each point's P(ceasefire)",
    )
    add_out_option(p, "results/<scenario>-sweep-<UTC time>/")
    add_executor_options(p)
    p.add_argument(
        "--resume",
        metavar="DIR",
        help="continue an interrupted sweep in DIR with its own scenario, seed and design",
    )
    p.add_argument(
        "--independent",
        action="store_true",
        help="give each point its own seed instead of common random numbers",
    )
    add_set_option(p)
    add_calibration_option(p)
    p.add_argument("--quiet", action="store_true", help="print only the output folder")
    p.set_defaults(func=cmd_sweep)


def _add_design_options(p: argparse.ArgumentParser) -> None:
    """--vary, --design and --samples: the paths a sweep varies and how it picks its points."""
    p.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="PATH=LO:HI:STEPS|PATH=v1,v2,...",
        help="a numeric path and its values (repeatable); LHS/Sobol take PATH=LO:HI",
    )
    p.add_argument(
        "--design",
        choices=["grid", "lhs", "sobol"],
        default=None,
        help="grid (default: every combination), lhs or sobol (need --samples)",
    )
    p.add_argument(
        "--samples",
        type=count(1, MAX_POINTS),
        metavar="K",
        help=f"points of an LHS or Sobol design (Sobol: a power of two; at most {MAX_POINTS:,})",
    )


def _refuse_new_settings(args: argparse.Namespace) -> None:
    """--resume continues the folder's own sweep: a setting given with it would be ignored
    (or be another sweep), so it is refused, as 'sim run --resume' does."""
    if args.out and args.out != args.resume:
        raise UsageError("--resume writes into its own folder; leave out --out")
    given = [
        f
        for f, v in (
            ("SCENARIO", args.scenario),
            ("--vary", args.vary),
            ("--design", args.design),
            ("--samples", args.samples),
            ("-n", args.replicates),
            ("--seed", args.seed is not None),
            ("--set", args.overrides),
            ("--calibration", args.calibration),
            ("--independent", args.independent),
            ("--precision", args.precision),
            ("--max-replicates", args.max_replicates),
        )
        if v
    ]
    if given:
        raise UsageError(
            f"--resume continues a sweep with its own settings; leave out {', '.join(given)} "
            "(for other settings, start a new sweep into another --out)"
        )


def _warn_at_the_ends(args: argparse.Namespace, known: set[str]) -> None:
    """The plausibility warnings at each end of every --vary range that the base scenario does
    not have: a sweep over a value the scenario sets again on a date (a sanctions level its
    schedule resets) is flat, and the user learns why before it runs."""
    from ..errors import ScenarioError
    from ..model.scenario.loader import load_scenario
    from ..studies.sweep.design import parse_vary

    for spec in args.vary:
        try:
            v = parse_vary(spec)
        except UsageError:
            continue  # the sweep itself refuses it, with its message
        for value in sorted({v.lo, v.hi}):
            where = f"{args.scenario} at --vary {v.path}={value!r}"
            try:
                s = load_scenario(args.scenario, [*args.overrides, f"{v.path}={value!r}"])
            except ScenarioError:
                continue  # refused at that point by the sweep, located
            warn_implausible(s, where, known)


def cmd_sweep(args: argparse.Namespace) -> int:
    from ..studies.sweep import sweep

    if args.resume:
        _refuse_new_settings(args)
    elif not args.vary:
        raise UsageError("sweep needs at least one --vary PATH=LO:HI:STEPS (or --resume DIR)")
    elif args.scenario is None:
        raise UsageError("sweep needs a SCENARIO file (or --resume DIR)")
    if args.scenario is not None:
        args.overrides = calibration_overrides(args)
        base = load_checked(args.scenario, args.overrides)
        from ..model.scenario.plausibility import plausibility_warnings

        _warn_at_the_ends(args, set(plausibility_warnings(base)))
    bar, progress = progress_bar(args.quiet, "sweep points")
    replicates, precision, cap = auto_size(args)

    def go(cb: Any) -> Any:
        return sweep(
            args.scenario,
            args.vary,
            design=args.design or "grid",
            samples=args.samples,
            replicates=replicates,
            precision=precision,
            max_replicates=cap if precision is not None else None,
            seed=args.seed,
            out=args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            resume=args.resume,
            independent=args.independent,
            overrides=list(args.overrides) if args.scenario is not None else None,
            progress=cb or None,
            allow_large=args.allow_large,
        )

    if bar is not None:
        with bar:
            res = go(progress)
    else:
        res = go(None)
    if args.quiet:
        print(res.folder)
        return 0
    print(sweep_table_text(res))
    print(f"wrote {res.folder}/ (manifest.json, points/, sweep.parquet, figures/sweep.png)")
    return 0
