"""``sim hindcast``: run historical cases from their snapshots and score them against the record."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..io.limits import MAX_CASES, MAX_MAGNITUDE
from ..output.headline import structural
from .calibrate import add_calibration_option, calibration_overrides, calibration_record
from .options import (
    Subparsers,
    add_size_options,
    count,
    formatter,
    load_checked,
    positive,
    progress_bar,
    scheduler_address,
)
from .resume import DEFAULT_REPLICATES, options_of, resumed, run_kept, start_cases

__all__ = ["add_hindcast"]


def add_hindcast(sub: Subparsers) -> None:
    p = sub.add_parser(
        "hindcast",
        help="score forecasts of historical cases against what happened",
        description="Run each case (a scenario written as of a snapshot, whose observations "
        "include what happened after it) from its snapshot without the future, and score the "
        "forecast against the record: Brier and log score of P(ceasefire by the horizon), CRPS "
        "of the ceasefire day, its PIT, and the realised day in the 50/80/95% intervals, next "
        "to two base rates (a constant hazard, and a lognormal of war duration conditioned on "
        "the war's age, from the case's war_began). Writes a folder with hindcast.json, hindcast.csv, each case's run, "
        "figures and report.html.",
        formatter_class=formatter,
        epilog="Examples:\n"
        "  sim hindcast scenarios/history/*.yaml\n"
        "  sim hindcast scenarios/history/korea_1951.yaml -n 10000 --seed 3 --out results/korea\n"
        "  sim hindcast scenarios/history/*.yaml --calibration results/fit/calibration.yaml\n",
    )
    p.add_argument(
        "cases", nargs="*", metavar="CASE", help=f"case scenario files (at most {MAX_CASES:,})"
    )
    add_size_options(
        p, replicates_help="replicates per case (default 4000)", seed_help="seed (default 1)"
    )
    _add_workers(p)
    p.add_argument(
        "--base-median-days",
        type=positive(MAX_MAGNITUDE),
        default=None,
        metavar="D",
        help="median war duration of the base-rate forecast, days: a finite number > 0 "
        "(default 139, Correlates of War)",
    )
    p.add_argument(
        "--out", metavar="DIR", help="output folder (default: results/hindcast-<UTC time>/)"
    )
    p.add_argument(
        "--force", action="store_true", help="replace the --out folder if sim wrote it before"
    )
    add_calibration_option(p)
    _add_record_options(p)
    p.add_argument(
        "--resume",
        metavar="DIR",
        help="continue an interrupted hindcast into DIR: its finished cases are kept, the rest "
        "run (as it began: same cases, -n, seed and calibration)",
    )
    p.add_argument("--quiet", action="store_true", help="print only the output folder")
    p.set_defaults(func=cmd_hindcast)


def _add_record_options(p: argparse.ArgumentParser) -> None:
    """--weighting/--resample and --loo: how each case meets its record, and the calibration's
    LOO scores."""
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--resample",
        dest="resample",
        action="store_true",
        default=True,
        help="condition each case on its snapshot's record by resample-move, as sim run "
        "--resample does (the default)",
    )
    how.add_argument(
        "--weighting",
        dest="resample",
        action="store_false",
        help="condition each case by weighting one run instead (what sim run --as-of does "
        "without --resample; faster, fewer distinct futures where the record cuts hard)",
    )
    p.add_argument(
        "--min-futures",
        type=count(0, 1_000_000),
        default=None,
        metavar="K",
        help="rerun a case with more replicates (up to 16 times -n) while its snapshot-day record "
        "leaves fewer than K effective futures (default 100; 0: never)",
    )
    p.add_argument(
        "--loo",
        action="store_true",
        help="print the leave-one-case-out scores the calibration file (the library's unless "
        "--calibration names another) records for these cases, beside the base rates' scores "
        "of the same cases (runs nothing, writes nothing)",
    )


def _add_workers(p: argparse.ArgumentParser) -> None:
    """--workers and --scheduler of a hindcast: where its cases run."""
    p.add_argument(
        "--workers",
        type=count(1),
        default=1,
        metavar="W",
        help="worker processes (default 1): cases of few 4,096-replicate chunks run side by "
        "side, one on each worker; larger cases in turn, each on all W (same results either way)",
    )
    p.add_argument(
        "--scheduler",
        type=scheduler_address,
        metavar="ADDRESS",
        help="run the cases on Dask, one task each: tcp://HOST:PORT of a running scheduler, or "
        "'local' for a LocalCluster of W processes (same results)",
    )


def _print_loo(args: argparse.Namespace, median: float) -> int:
    """--loo: the calibration file's leave-one-case-out scores of the cases (the library's
    without --calibration), nothing run."""
    from ..model.scenario.calibration import LIBRARY_FILE, LIBRARY_ORIGIN, NO_CALIBRATION
    from ..studies.calibrate.loo import loo_rows, loo_text

    if (args.calibration or "").strip().lower() == NO_CALIBRATION:
        raise UsageError(
            "--loo prints the leave-one-case-out scores a calibration file records: leave out "
            "--calibration none (the library's) or give --calibration FILE"
        )
    path, shown = (
        (args.calibration, args.calibration) if args.calibration else (LIBRARY_FILE, LIBRARY_ORIGIN)
    )
    print(loo_text(loo_rows(path, args.cases, median), shown))
    return 0


def cmd_hindcast(args: argparse.Namespace) -> int:
    from ..io.limits import MAX_CASES, check_at_most
    from ..output.formats import wrap_lines
    from ..output.report.hindcast import few_futures_text, rerun_text
    from ..output.skill import SHORT_NAMES, skill_lines
    from ..studies.hindcast import BASE_MEDIAN_DAYS, hindcast

    check_at_most(len(args.cases), MAX_CASES, "cases in one hindcast")
    args, overrides = resumed(args) if args.resume else _settings(args)
    median = BASE_MEDIAN_DAYS if args.base_median_days is None else args.base_median_days
    if args.loo:
        return _print_loo(args, median)
    out = _out_folder(args)
    _check_size(args, overrides)
    store = start_cases(out, options_of(args, overrides, median), bool(args.resume), args.force)
    bar, progress = progress_bar(args.quiet, "hindcast cases")
    size = (args.replicates, args.seed, args.workers, median)
    kw = {"overrides": overrides, "resample": args.resample, "checkpoint": store.folder}
    kw["scheduler"] = args.scheduler
    kw["min_futures"] = args.min_futures

    def study() -> Any:
        if bar is not None and callable(progress):
            with bar:
                return hindcast(args.cases, *size, progress, **kw)
        return hindcast(args.cases, *size, **kw)

    res = run_kept(study, store, out, bool(args.resume), "hindcast", "case")
    if res is None:
        return 130
    res.meta["calibration"] = calibration_record(args.calibration)
    folder = res.save(out, overwrite=args.force or bool(args.resume))
    store.remove()
    if args.quiet:
        print(folder)
        return 0
    t = res.table()
    print(_case_table(t))
    print(f"structural numbers: {structural(res.meta.get('calibration'))}")
    for note in (rerun_text(res.cases), few_futures_text(res.cases)):
        if note:
            print(wrap_lines(note))
    unaged = t.loc[t["war_began"].str.startswith("not given"), "case"].tolist()
    if unaged:
        print(f"no war_began, war's age taken as 0 days: {'; '.join(unaged)}")
    tot = res.totals()
    for f, name in SHORT_NAMES.items():
        suffix = "" if f == "model" else f"_{f}"
        cov = " / ".join(f"{tot[f'in_{lv}{suffix}']:.0%}" for lv in (50, 80, 95))
        print(
            wrap_lines(
                f"{name}: mean Brier {tot[f'brier_{f}']:.3f}, log {tot[f'log_{f}']:.2f}, "
                f"CRPS {tot[f'crps_{f}']:.1f} days, PIT {tot[f'pit_{f}']:.2f}; "
                f"realised day in the 50/80/95% intervals {cov}"
            )
        )
    for line in skill_lines(res.skill(), SHORT_NAMES):
        print(wrap_lines(line))
    print(f"wrote {folder}/ (hindcast.json, hindcast.csv, runs/, figures/, report.html)")
    return 0


def _case_table(t: Any) -> str:
    """The cases in a table at most 100 columns wide: forecasts in %, Brier scores with fixed
    decimals; long case names abbreviated, CRPS and log scores left to hindcast.csv."""
    from ..output.formats import probability, score, text_table

    def p(k: str) -> Callable[[dict[str, Any]], str]:
        return lambda row: probability(row[k], 0)

    def brier(k: str) -> Callable[[dict[str, Any]], str]:
        return lambda row: score(row[k], 3)

    def day(row: dict[str, Any]) -> str:  # "ceasefire in force 1999-07-11 (day 29)"
        m = re.search(r"\(day (\d+)\)", str(row["outcome"]))
        return f"day {m.group(1)}" if m else "none"

    cols: dict[str, Callable[[dict[str, Any]], str]] = {
        "case": lambda row: str(row["case"]).removesuffix(" (hindcast)"),
        "age (d)": lambda row: f"{row['war_age_days']:,.0f}",
        "ceasefire": day,
        **{f"P {n}": p(f"p_{k}") for k, n in FORECASTERS.items()},
        **{f"B {n}": brier(f"brier_{k}") for k, n in FORECASTERS.items()},
    }
    legend = (
        "P: forecast P(ceasefire by the horizon); B: Brier score (0 is best); of sim, a constant\n"
        "hazard (haz) and a lognormal by war age (logn). CRPS, log score, PIT: hindcast.csv"
    )
    return text_table(t.to_dict("records"), cols) + "\n" + legend


FORECASTERS = {"model": "sim", "base": "haz", "lognormal": "logn"}


def _settings(args: argparse.Namespace) -> tuple[argparse.Namespace, list[str]]:
    """A new hindcast's settings with their defaults, and its overrides (--calibration, --set)."""
    if not args.cases:
        raise UsageError("hindcast needs at least one CASE file (or --resume DIR)")
    args.replicates = DEFAULT_REPLICATES if args.replicates is None else args.replicates
    args.seed = 1 if args.seed is None else args.seed
    if args.min_futures is None:
        from ..studies.snapshot import FEW_FUTURES

        args.min_futures = FEW_FUTURES
    return args, calibration_overrides(args)


def _out_folder(args: argparse.Namespace) -> Path:
    """The output folder, checked before anything runs; the default one is taken now (an
    empty folder of its own: a hindcast begun the same second gets -2)."""
    from ..io.folders import check_writable, default_folder
    from ..studies.outputs import check_out_folder

    if args.resume:
        out = Path(args.resume)
    elif args.out:
        hint = " (add --force to replace it)"
        out = check_out_folder(Path(args.out), args.force, hint=hint, kind="hindcast")
    else:
        out = default_folder("hindcast", reserve=True)
    check_writable(out)  # before the runs, not after them
    return out


def _check_size(args: argparse.Namespace, overrides: list[str]) -> None:
    """Refuse a hindcast beyond this machine (memory, disk) before anything runs; each case's
    plausibility warnings on stderr."""
    from ..io.estimate import check_fits, rounds_of, run_estimate

    rounds = max(rounds_of(load_checked(c, overrides)) for c in args.cases)
    est = run_estimate(args.replicates * len(args.cases), rounds, args.workers)
    check_fits(est, None, args.allow_large)
