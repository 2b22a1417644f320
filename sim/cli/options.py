"""What the verbs share: the parser class, option groups declared once, the progress bar, error lines."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from ..errors import ScenarioError, SimError
from ..io.limits import MAX_AUTO_REPLICATES, MAX_REPLICATES, WORKERS_PER_CPU

__all__ = [
    "Parser",
    "Version",
    "add_executor_options",
    "add_set_option",
    "add_size_options",
    "auto_size",
    "between",
    "count",
    "formatter",
    "limits_help",
    "load_checked",
    "positive",
    "progress_bar",
    "report_error",
    "report_failure",
    "scheduler_address",
    "warn_implausible",
]


class Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


if TYPE_CHECKING:  # the type of add_subparsers(), which each verb registers itself with
    Subparsers = argparse._SubParsersAction[Parser]
else:
    Subparsers = argparse._SubParsersAction


class Version(argparse._VersionAction):
    """``--version``: the build (the installed version and the code's fingerprint), read only
    when it is asked for."""

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        from ..version import build

        self.version = f"sim {build()}"
        super().__call__(*args, **kwargs)


def formatter(prog: str) -> argparse.HelpFormatter:
    """Help as written (examples keep their lines), options aligned."""
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def limits_help() -> str:
    """The limits, as the epilog of ``sim run --help`` (and the verbs that simulate) lists them."""
    from ..io.limits import (
        MAX_CASES,
        MAX_COMPARED,
        MAX_HORIZON_DAYS,
        MAX_MAGNITUDE,
        MAX_POINTS,
        MAX_RESAMPLES,
        MAX_ROUNDS,
        MAX_TRACE,
    )
    from ..model.scenario.readfile import MAX_FILE_BYTES, size_text

    return (
        "\nLimits (docs/scenario-language.md, section 12):\n"
        f"  replicates   at most {MAX_REPLICATES:,} per run (-n and run.replicates)\n"
        f"  rounds       at most {MAX_ROUNDS:,} from start to horizon; the horizon at most "
        f"{MAX_HORIZON_DAYS:,} days after start\n"
        f"  files        scenario files up to {size_text(MAX_FILE_BYTES)}, regular files only; "
        f"every number within ±{MAX_MAGNITUDE:g}\n"
        f"  points       a sweep or sensitivity study runs at most {MAX_POINTS:,} points\n"
        f"  trace        at most {MAX_TRACE:,} replicates traced (--trace; in the estimate)\n"
        f"  scenarios    compare at most {MAX_COMPARED}, hindcast and calibrate at most "
        f"{MAX_CASES:,} cases; discover --resamples at most {MAX_RESAMPLES}\n"
        f"  workers      at most one per chunk or point and {WORKERS_PER_CPU} per CPU are started\n"
        "  memory/disk  estimated before starting; beyond what is free here the command "
        "refuses unless --allow-large\n"
    )


def report_error(e: SimError) -> None:
    """A user error on stderr: one line per problem of a scenario, else one line."""
    if isinstance(e, ScenarioError):
        for p in e.problems:
            sys.stderr.write(f"{p}\n")
    else:
        sys.stderr.write(f"error: {_one_line(str(e))}\n")


def warn_implausible(scenario: Any, where: str, known: Collection[str] = ()) -> list[str]:
    """Write each plausibility warning of ``scenario`` (sim/scenario/plausibility.py) as one
    line ``warning: WHERE: ...`` on stderr (but those in ``known``, already written), and return
    them. Every verb that loads a scenario goes through here (or through ``load_checked``), so
    each warns the same way."""
    from ..model.scenario.plausibility import plausibility_warnings

    lines = [w for w in plausibility_warnings(scenario) if w not in known]
    for line in lines:
        sys.stderr.write(f"warning: {printable(where)}: {printable(line)}\n")
    return lines


def load_checked(file: str, overrides: Any = (), observed: str | None = None) -> Any:
    """``load_scenario`` for the verbs: the scenario, its plausibility warnings on stderr."""
    from ..model.scenario.loader import load_scenario

    s = load_scenario(file, list(overrides or ()), observed=observed)
    warn_implausible(s, file)
    return s


def printable(text: str) -> str:
    """Text safe for a terminal: control characters shown as escapes, not interpreted."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "(no message)"


def report_failure(e: BaseException) -> int:
    """Any error as lines on stderr and the exit status: 2 for the user's or the machine's
    (SimError, OSError, MemoryError), 1 for an internal error. SIM_DEBUG=1 adds the traceback."""
    if os.environ.get("SIM_DEBUG", "") not in ("", "0"):
        traceback.print_exception(e)
    if isinstance(e, SimError):
        report_error(e)
        return 2
    if isinstance(e, MemoryError):
        sys.stderr.write("error: out of memory; ask for fewer replicates, points or workers\n")
        return 2
    if isinstance(e, OSError):
        from ..io.folders import oserror_text

        where = f": {e.filename}" if e.filename else ""
        sys.stderr.write(f"error: {oserror_text(e)}{where}\n")
        return 2
    sys.stderr.write(
        f"internal error: {type(e).__name__}: {_one_line(str(e))[:300]} (this is a bug in sim; "
        "run again with SIM_DEBUG=1 to see where, and please report it)\n"
    )
    return 1


def count(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """argparse type: a whole number in [minimum, maximum], with a message naming the bad value."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum} (got {value})")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum:,} (got {value:,})")
        return value

    return parse


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


def add_size_options(
    p: argparse.ArgumentParser,
    replicates_help: str,
    seed_help: str,
    minimum: int = 1,
    default: int | None = None,
    auto: str | None = None,
) -> None:
    """-n/--replicates, --seed and --allow-large, shared by every verb that simulates; with
    ``auto`` (what the precision is of), also ``-n auto``, --precision and --max-replicates."""
    whole = count(minimum, MAX_REPLICATES)

    def replicates(text: str) -> int | str:
        return "auto" if auto and text == "auto" else whole(text)

    p.add_argument(
        "-n",
        "--replicates",
        type=replicates,
        default=default,
        metavar="N" if not auto else "N|auto",
        help=f"{replicates_help}; at most {MAX_REPLICATES:,}"
        + (f"; 'auto' adds chunks until --precision is met on {auto}" if auto else ""),
    )
    p.add_argument("--seed", type=count(0, 2**63 - 1), metavar="S", help=seed_help)
    p.add_argument(
        "--allow-large",
        action="store_true",
        help="start even when the memory or disk it needs (estimated before starting) "
        "exceeds what is free on this machine",
    )
    if auto:
        p.add_argument(
            "--precision",
            type=half_width,
            default=None,
            metavar="H",
            help="with -n auto: the largest 95%% half-width allowed (default 0.005, i.e. ±0.5 pts)",
        )
        p.add_argument(
            "--max-replicates",
            type=count(minimum, MAX_REPLICATES),
            default=None,
            metavar="N",
            help="with -n auto: stop here even if the precision is not met (default 1,000,000)",
        )


DEFAULT_PRECISION = 0.005


def between(lo: float, hi: float) -> Callable[[str], float]:
    """argparse type: a number strictly between ``lo`` and ``hi``."""

    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number (got {text!r})") from None
        if not lo < v < hi:
            raise argparse.ArgumentTypeError(
                f"must lie strictly between {lo:g} and {hi:g} (got {text})"
            )
        return v

    return parse


half_width = between(0, 0.5)  # a precision: the largest 95% half-width of a share


def positive(maximum: float) -> Callable[[str], float]:
    """argparse type: a finite number > 0 and at most ``maximum`` ("inf", "nan", 0 and
    negatives refused: they would be recorded as null or break the arithmetic)."""

    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number (got {text!r})") from None
        if not 0 < v <= maximum:
            raise argparse.ArgumentTypeError(
                f"must be a finite number > 0 and at most {maximum:g} (got {text})"
            )
        return v

    return parse


def auto_size(args: argparse.Namespace) -> tuple[int | None, float | None, int]:
    """(replicates, precision, cap) from -n/--precision/--max-replicates; UsageError when
    --precision or --max-replicates come without -n auto."""
    from ..errors import UsageError

    if args.replicates == "auto":
        cap = args.max_replicates or MAX_AUTO_REPLICATES
        return None, args.precision or DEFAULT_PRECISION, cap
    given = [
        o
        for o, v in (("--precision", args.precision), ("--max-replicates", args.max_replicates))
        if v
    ]
    if given:
        raise UsageError(f"{' and '.join(given)} need -n auto")
    return args.replicates, None, MAX_AUTO_REPLICATES


def add_executor_options(p: argparse.ArgumentParser, unit: str = "points") -> None:
    """--workers and --scheduler, shared by every verb that runs many jobs."""
    p.add_argument(
        "--workers",
        type=count(1),
        default=1,
        metavar="W",
        help=f"local worker processes sharing the {unit} (default 1; results do not depend on "
        f"it); at most one per job and {WORKERS_PER_CPU} per CPU are started",
    )
    p.add_argument(
        "--scheduler",
        type=scheduler_address,
        metavar="ADDRESS",
        help=f"run the {unit} on Dask: tcp://HOST:PORT of a running scheduler, or 'local' to "
        "start a LocalCluster of W processes on this machine",
    )


def scheduler_address(text: str) -> str:
    """argparse type of --scheduler: an address (or 'local'), refused at once when Dask is
    not installed, for every verb that takes the option."""
    from ..errors import UsageError
    from ..io.execution import require_dask

    if not text.strip():
        raise argparse.ArgumentTypeError("give tcp://HOST:PORT of a Dask scheduler, or 'local'")
    try:
        require_dask()
    except UsageError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text.strip()


def progress_bar(
    quiet: bool, unit: str = "replicates"
) -> tuple[Any, Callable[[int, int], None] | bool]:
    """A rich progress bar on stderr (context manager, callback), or (None, False) when
    quiet or stderr is not a terminal. ``unit`` names what it counts (replicates, sweep
    points, hindcast cases, ...), shown beside the bar."""
    if quiet or not sys.stderr.isatty():
        return None, False
    from ..io.progress import rich_bar

    bar = rich_bar()
    task = bar.add_task(unit, total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return bar, update
