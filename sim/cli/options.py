"""What the verbs share: the parser class, option groups declared once, the progress bar, error lines."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import ScenarioError, SimError

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
    "progress_bar",
    "report_error",
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
    """``--version``, reading the installed version only when it is asked for."""

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        from ..version import __version__

        self.version = f"sim {__version__}"
        super().__call__(*args, **kwargs)


def formatter(prog: str) -> argparse.HelpFormatter:
    """Help as written (examples keep their lines), options aligned."""
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def report_error(e: SimError) -> None:
    """A user error on stderr: one line per problem of a scenario, else one line."""
    if isinstance(e, ScenarioError):
        for p in e.problems:
            sys.stderr.write(f"{p}\n")
    else:
        sys.stderr.write(f"error: {e}\n")


def count(minimum: int) -> Callable[[str], int]:
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
    """-n/--replicates and --seed, shared by every verb that simulates; with ``auto`` (what
    the precision is of), also ``-n auto``, --precision and --max-replicates."""
    whole = count(minimum)

    def replicates(text: str) -> int | str:
        return "auto" if auto and text == "auto" else whole(text)

    p.add_argument(
        "-n",
        "--replicates",
        type=replicates,
        default=default,
        metavar="N" if not auto else "N|auto",
        help=replicates_help
        + (f"; 'auto' adds chunks until --precision is met on {auto}" if auto else ""),
    )
    p.add_argument("--seed", type=count(0), metavar="S", help=seed_help)
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
            type=count(minimum),
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


def auto_size(args: argparse.Namespace) -> tuple[int | None, float | None, int]:
    """(replicates, precision, cap) from -n/--precision/--max-replicates; UsageError when
    --precision or --max-replicates come without -n auto."""
    from ..engine.runner import MAX_AUTO_REPLICATES
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
        help=f"local worker processes sharing the {unit} (default 1; results do not depend on it)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=f"run the {unit} on Dask: tcp://HOST:PORT of a running scheduler, or 'local' to "
        "start a LocalCluster of W processes on this machine",
    )


def progress_bar(quiet: bool) -> tuple[Any, Callable[[int, int], None] | bool]:
    """A rich progress bar on stderr (context manager, callback), or (None, False) when
    quiet or stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        return None, False
    from ..progress import rich_bar

    bar = rich_bar()
    task = bar.add_task("replicates", total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return bar, update
