"""Command line: one function per verb, each a thin call into the public API.

Every verb registers its arguments in ``_add_<verb>`` and runs in ``cmd_<verb>``.
Errors the user can cause (SimError) become one line each on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .errors import ScenarioError, SimError


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def _fmt(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def build_parser() -> argparse.ArgumentParser:
    from .version import __version__

    p = _Parser(
        prog="sim",
        description="Simulate ceasefire negotiations: Monte Carlo over a YAML scenario.",
        formatter_class=_fmt,
    )
    p.add_argument("--version", action="version", version=f"sim {__version__}")
    sub = p.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    sub.required = True
    for add in VERBS:
        add(sub)
    return p


# Verbs register themselves below; each _add_* sets `func` on its sub-parser.
VERBS: list[Callable[[argparse._SubParsersAction], None]] = []  # type: ignore[type-arg]


def verb(
    fn: Callable[[argparse._SubParsersAction], None],  # type: ignore[type-arg]
) -> Callable[[argparse._SubParsersAction], None]:  # type: ignore[type-arg]
    VERBS.append(fn)
    return fn


def report_error(e: SimError) -> None:
    if isinstance(e, ScenarioError):
        for p in e.problems:
            sys.stderr.write(f"{p}\n")
    else:
        sys.stderr.write(f"error: {e}\n")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = None
    if threading.current_thread() is threading.main_thread():
        # `kill` (SIGTERM) stops a run like Ctrl-C does: finished work is kept and reported.
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return int(args.func(args))
    except SimError as e:
        report_error(e)
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


# ----------------------------------------------------------------------------- verbs
# (each verb: @verb def _add_x(sub) registering the parser, and def cmd_x(args) -> int)


def add_set_option(p: argparse.ArgumentParser) -> None:
    """The shared ``--set PATH=VALUE`` option (repeatable; VALUE is YAML)."""
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario value after extends, e.g. actors.a.patience=0.95 "
        "or 'actors.a.optimism={normal: [0.1, 0.05]}' (VALUE is YAML; repeatable)",
    )


@verb
def _add_validate(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "validate",
        help="check scenario files and report every problem with file:line",
        description="Check scenario files: every problem is reported as FILE:LINE:COL: field: rule.",
        formatter_class=_fmt,
        epilog="Examples:\n"
        "  sim validate scenarios/baseline.yaml\n"
        "  sim validate scenarios/*.yaml\n"
        "  sim validate scenarios/baseline.yaml --set actors.russia.patience=0.95\n",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML file(s)")
    add_set_option(p)
    p.set_defaults(func=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    from .scenario.loader import load_scenario

    failed = False
    for f in args.files:
        try:
            s = load_scenario(f, args.overrides)
        except ScenarioError as e:
            failed = True
            report_error(e)
            continue
        sys.stdout.write(f"{f}: ok ({s.name})\n")
    return 2 if failed else 0


@verb
def _add_schema(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of the scenario language",
        description="Print the JSON Schema of the scenario language (for editors and linters).",
        formatter_class=_fmt,
        epilog="Examples:\n"
        "  sim schema > scenario.schema.json\n"
        "  # VS Code (YAML extension): first line of a scenario\n"
        "  # yaml-language-server: $schema=./scenario.schema.json\n",
    )
    p.set_defaults(func=cmd_schema)


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file."""
    from .scenario.schema import Scenario

    body = Scenario.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "sim scenario",
        **{k: v for k, v in body.items() if k != "title"},
    }


def cmd_schema(args: argparse.Namespace) -> int:
    sys.stdout.write(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")
    return 0


@verb
def _add_show(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "show",
        help="print the fully resolved scenario (extends and --set applied)",
        description="Print the fully resolved scenario as YAML: bases merged, overrides and "
        "defaults applied, each distribution followed by a comment with its mean and 90% range.",
        formatter_class=_fmt,
        epilog="Examples:\n"
        "  sim show scenarios/us_walks_away.yaml\n"
        "  sim show scenarios/baseline.yaml --set pressures.sanctions.level=0.8\n"
        "  sim show scenarios/baseline.yaml --no-summary > resolved.yaml\n",
    )
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    add_set_option(p)
    p.add_argument(
        "--no-summary",
        dest="summarise",
        action="store_false",
        help="leave out the comments summarising each distribution",
    )
    p.set_defaults(func=cmd_show)


def cmd_show(args: argparse.Namespace) -> int:
    from .scenario.loader import dump_yaml, load_scenario

    s = load_scenario(args.file, args.overrides)
    sys.stdout.write(dump_yaml(s, summarise=args.summarise))
    return 0


def _count(minimum: int) -> Callable[[str], int]:
    """argparse type: a whole number >= minimum, with a message naming the bad value."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum} (got {value})")
        return value

    return parse


def _progress_bar(quiet: bool) -> tuple[Any, Callable[[int, int], None] | bool]:
    """A rich progress bar on stderr (context manager, callback), or (None, False) when
    quiet or stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        return None, False
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("replicates", total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return bar, update


@verb
def _add_run(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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
        ),
        formatter_class=_fmt,
    )
    p.add_argument("scenario", metavar="SCENARIO", nargs="?", help="scenario YAML file")
    _add_size_options(
        p,
        replicates_help="replicates (default: the scenario's run.replicates)",
        seed_help="random seed (default: the scenario's run.seed)",
    )
    add_set_option(p)
    p.add_argument(
        "--out", metavar="DIR", help="output folder (default: results/<scenario>-<UTC time>/)"
    )
    p.add_argument("--force", action="store_true", help="replace a non-empty --out folder")
    _add_executor_options(p, "chunks of 4,096 replicates")
    p.add_argument(
        "--trace",
        type=_count(0),
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


def _checkpoint_dir(out: Path) -> Path:
    """Where an unfinished run into ``out`` keeps its finished chunks."""
    return out.parent / f".{out.name}.chunks"


def cmd_run(args: argparse.Namespace) -> int:
    import json
    import shutil

    from .atomic import atomic_write_text
    from .errors import RunError, UsageError
    from .results import default_folder
    from .scenario.loader import dump_yaml, load_scenario

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
        out = Path(args.resume)
        ck = _checkpoint_dir(out)
        if not (ck / "options.json").is_file():
            raise UsageError(
                f"no interrupted run to resume at {str(out)!r} (no {ck.name} beside it)"
            )
        if out.is_dir() and any(out.iterdir()):
            raise UsageError(f"{str(out)!r} already holds finished results")
        options = json.loads((ck / "options.json").read_text(encoding="utf-8"))
        scenario = load_scenario(ck / "scenario.yaml")
        replicates, seed, trace = options["replicates"], options["seed"], options["trace"]
    else:
        if args.scenario is None:
            raise UsageError("give a SCENARIO file to run (or --resume DIR)")
        out_arg = Path(args.out) if args.out else None
        if out_arg is not None:  # refuse before running, so nothing is written
            if out_arg.exists() and not out_arg.is_dir():
                raise UsageError(f"--out {str(out_arg)!r} is a file, not a folder")
            if out_arg.is_dir() and any(out_arg.iterdir()) and not args.force:
                raise UsageError(f"--out {str(out_arg)!r} is not empty (add --force to replace it)")
        scenario = load_scenario(args.scenario, list(args.overrides))
        replicates = scenario.run.replicates if args.replicates is None else args.replicates
        seed = scenario.run.seed if args.seed is None else args.seed
        trace = args.trace
        out = out_arg if out_arg is not None else default_folder(scenario.name)
        ck = _checkpoint_dir(out)
        if args.force:
            shutil.rmtree(ck, ignore_errors=True)
        ck.mkdir(parents=True, exist_ok=True)
        atomic_write_text(ck / "scenario.yaml", dump_yaml(scenario))
        options = {"replicates": replicates, "seed": seed, "trace": trace}
        atomic_write_text(ck / "options.json", json.dumps(options))

    from .engine.runner import run

    bar, progress = _progress_bar(args.quiet)
    try:
        with contextlib.ExitStack() as stack:
            executor = None
            if args.scheduler:  # a large run split by chunk over a Dask cluster
                from .execution import dask_client

                executor = stack.enter_context(
                    dask_client(args.scheduler, args.workers)
                ).get_executor()
            if bar is not None:
                stack.enter_context(bar)
            results = run(
                scenario,
                replicates=replicates,
                seed=seed,
                workers=args.workers,
                progress=progress if bar is not None else False,
                trace=trace,
                executor=executor,
                checkpoint=ck,
            )
    except KeyboardInterrupt:
        done = len(list(ck.glob("chunk-*.npz")))
        sys.stderr.write(
            f"interrupted: {done} finished chunk(s) kept in {ck}; "
            f"finish with: sim run --resume {out}\n"
        )
        return 130

    def figures_and_report(tmp: Path) -> None:
        from .plots import save_figures
        from .report import write_report

        write_report(tmp, results, save_figures(results, tmp))

    folder = out
    try:
        results.save(
            folder, overwrite=args.force, extras=None if args.no_report else figures_and_report
        )
    except OSError as e:
        raise RunError(f"cannot write results to {str(folder)!r}: {e.strerror or e}") from None
    shutil.rmtree(ck, ignore_errors=True)  # the results are complete: the chunks are not needed
    if args.quiet:
        print(folder)
        return 0
    print(results.headline())
    what = "summary.json, outcomes.parquet, series.parquet"
    if not args.no_report:
        what += ", figures/, report.html"
    print(f"wrote {folder}/ ({what})")
    return 0


@verb
def _add_report(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "report",
        help="regenerate report.html of a results or sweep folder",
        description="Regenerate the self-contained HTML report of a results folder "
        "(written by 'sim run') or of a finished sweep folder (written by 'sim sweep').",
        epilog="Examples:\n  sim report results/baseline-20250101T120000Z --open\n"
        "  sim report results/baseline-sweep-20250101T120000Z\n",
        formatter_class=_fmt,
    )
    p.add_argument(
        "folder",
        metavar="RESULTS_DIR",
        help="a folder written by 'sim run' or by 'sim sweep'",
    )
    p.add_argument("--open", action="store_true", help="open the report in a web browser")
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .report import is_sweep_folder, write_report, write_sweep_report
    from .results import NotAResultsFolder, is_results_folder

    folder = Path(args.folder)
    if is_results_folder(folder):
        path = write_report(folder)
    elif is_sweep_folder(folder):
        path = write_sweep_report(folder)
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


# ----------------------------------------------------------------------------- sweep, compare, sensitivity


def _add_size_options(
    p: argparse.ArgumentParser,
    replicates_help: str,
    seed_help: str,
    minimum: int = 1,
    default: int | None = None,
) -> None:
    """-n/--replicates and --seed, shared by every verb that simulates."""
    p.add_argument(
        "-n",
        "--replicates",
        type=_count(minimum),
        default=default,
        metavar="N",
        help=replicates_help,
    )
    p.add_argument("--seed", type=_count(0), metavar="S", help=seed_help)


def _add_executor_options(p: argparse.ArgumentParser, unit: str = "points") -> None:
    """--workers and --scheduler, shared by every verb that runs many jobs."""
    p.add_argument(
        "--workers",
        type=_count(1),
        default=1,
        metavar="W",
        help=f"local worker processes sharing the {unit} (default 1; results do not depend on it)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=f"run the {unit} on Dask: tcp://HOST:PORT of a running scheduler, or 'local' to "
        "start a LocalCluster of W processes on this machine",
    )


def _fresh_out(out: str | None, what: str) -> Any:
    from pathlib import Path

    from .errors import UsageError

    if out is None:
        return None
    p = Path(out)
    if p.exists() and not p.is_dir():
        raise UsageError(f"--out {out!r} is a file, not a folder")
    if what and p.is_dir() and (p / what).exists():
        raise UsageError(f"--out {out!r} already holds {what}")
    return p


@verb
def _add_sweep(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "sweep",
        help="run a scenario over a grid, LHS or Sobol design of numeric paths",
        description="Run a scenario at every point of a design over one or more numeric paths "
        "(any number or distribution parameter), all on the same seed (common random numbers). "
        "Each finished point is saved as it completes; --resume DIR runs only the missing ones.",
        formatter_class=_fmt,
        epilog="Examples:\n"
        "  sim sweep scenarios/baseline.yaml --vary pressures.sanctions.level=0:1:11\n"
        "  sim sweep scenarios/baseline.yaml --vary actors.russia.stalling.prior=0,0.25,0.5 \\\n"
        "      --vary actors.russia.capability.pert.1=1.2:2:5 -n 2000 --workers 4\n"
        "  sim sweep scenarios/baseline.yaml --design lhs --samples 200 \\\n"
        "      --vary pressures.sanctions.level=0:1 --vary pressures.learning.rate.pert.1=0.01:0.06\n"
        "  sim sweep scenarios/baseline.yaml --vary pressures.sanctions.level=0:1:11 \\\n"
        "      --scheduler tcp://scheduler-host:8786\n"
        "  sim sweep --resume results/baseline-sweep-20250101T120000Z\n",
    )
    p.add_argument(
        "scenario", metavar="SCENARIO", nargs="?", help="scenario YAML file (not with --resume)"
    )
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
        default="grid",
        help="grid (default: every combination), lhs or sobol (need --samples)",
    )
    p.add_argument(
        "--samples",
        type=_count(1),
        metavar="K",
        help="points of an LHS or Sobol design (Sobol: a power of two)",
    )
    _add_size_options(
        p,
        replicates_help="replicates per point (default: the scenario's run.replicates)",
        seed_help="random seed (default: the scenario's run.seed)",
    )
    p.add_argument(
        "--out", metavar="DIR", help="output folder (default: results/<scenario>-sweep-<UTC time>/)"
    )
    _add_executor_options(p)
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
    p.add_argument("--quiet", action="store_true", help="print only the output folder")
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    from .errors import UsageError
    from .sweep import sweep

    if not args.vary and not args.resume:
        raise UsageError("sweep needs at least one --vary PATH=LO:HI:STEPS (or --resume DIR)")
    if args.scenario is None and not args.resume:
        raise UsageError("sweep needs a SCENARIO file (or --resume DIR)")
    if args.resume and args.out and args.out != args.resume:
        raise UsageError("--resume writes into its own folder; leave out --out")
    bar, progress = _progress_bar(args.quiet)

    def go(cb: Any) -> Any:
        return sweep(
            args.scenario,
            args.vary,
            design=args.design,
            samples=args.samples,
            replicates=args.replicates,
            seed=args.seed,
            out=args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            resume=args.resume,
            independent=args.independent,
            overrides=list(args.overrides) if args.scenario is not None else None,
            progress=cb or None,
        )

    if bar is not None:
        with bar:
            res = go(progress)
    else:
        res = go(None)
    if args.quiet:
        print(res.folder)
        return 0
    cols = [
        *res.paths,
        "p_ceasefire",
        "p_ceasefire_ci_low",
        "p_ceasefire_ci_high",
        "median_days_to_ceasefire",
    ]
    with __import__("pandas").option_context("display.width", 160, "display.max_rows", 40):
        print(res.table[cols].to_string(index=False, float_format=lambda x: f"{x:.3g}"))
    print(f"wrote {res.folder}/ (manifest.json, points/, sweep.parquet, figures/sweep.png)")
    return 0


@verb
def _add_compare(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "compare",
        help="compare scenarios on common random numbers, with paired intervals",
        description="Run scenarios on the same seed and report each one's difference from the "
        "first in P(ceasefire), P(in force at horizon), median days and mean terms, with paired "
        "95% intervals (normal approximation for shares and terms, bootstrap for the median).",
        formatter_class=_fmt,
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
    _add_size_options(
        p,
        minimum=2,
        replicates_help="replicates per scenario (default: the first scenario's run.replicates)",
        seed_help="common seed (default: the first scenario's)",
    )
    p.add_argument(
        "--workers", type=_count(1), default=1, metavar="W", help="worker processes per run"
    )
    p.add_argument("--out", metavar="DIR", help="write compare.json and figures/compare.png here")
    add_set_option(p)
    p.set_defaults(func=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare

    out = _fresh_out(args.out, "compare.json")
    c = compare(
        args.scenarios,
        replicates=args.replicates,
        seed=args.seed,
        workers=args.workers,
        overrides=list(args.overrides),
        variants=args.variant or None,
    )
    print(c.text())
    if out is not None:
        c.save(out)
        print(f"wrote {out}/ (compare.json, figures/compare.png)")
    return 0


@verb
def _add_sensitivity(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "sensitivity",
        help="which uncertain inputs drive P(ceasefire) and the median time (SALib)",
        description="Sobol (first-order and total) or Morris indices of P(ceasefire by horizon) "
        "and median days over the scenario's distributions (or the --params named). Each point "
        "fixes the inputs and runs N replicates; the chance (run-to-run) share of the variance "
        "is reported next to the indices.",
        formatter_class=_fmt,
        epilog="Examples:\n"
        "  sim sensitivity scenarios/baseline.yaml --method morris --samples 10 -n 500\n"
        "  sim sensitivity scenarios/baseline.yaml --samples 64 -n 1000 --workers 4 \\\n"
        "      --params actors.russia.stalling.prior,pressures.sanctions.level=0.3:0.9\n",
    )
    p.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    p.add_argument("--method", choices=["sobol", "morris"], default="sobol", help="default sobol")
    p.add_argument(
        "--samples",
        type=_count(2),
        default=16,
        metavar="K",
        help="SALib N: Sobol runs K*(D+2) points (K a power of two), Morris K*(D+1) (default 16)",
    )
    p.add_argument(
        "--params",
        metavar="PATH[=LO:HI],...",
        help="inputs to study (default: every distribution in the scenario)",
    )
    _add_size_options(
        p,
        minimum=2,
        default=500,
        replicates_help="replicates per point (default 500)",
        seed_help="random seed (default: the scenario's)",
    )
    p.add_argument(
        "--out", metavar="DIR", help="write sensitivity.json, indices.csv and figures here"
    )
    _add_executor_options(p)
    add_set_option(p)
    p.set_defaults(func=cmd_sensitivity)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from .sensitivity import sensitivity

    out = _fresh_out(args.out, "sensitivity.json")
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
    )
    with __import__("pandas").option_context("display.width", 160, "display.max_rows", 200):
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
