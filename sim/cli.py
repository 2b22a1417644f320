"""Command line: one function per verb, each a thin call into the public API.

Every verb registers its arguments in ``_add_<verb>`` and runs in ``cmd_<verb>``.
Errors the user can cause (SimError) become one line each on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from .errors import ScenarioError, SimError

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def _fmt(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

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


def verb(fn: Callable[[argparse._SubParsersAction], None]) -> Callable[[argparse._SubParsersAction], None]:  # type: ignore[type-arg]
    VERBS.append(fn)
    return fn


def report_error(e: SimError) -> None:
    if isinstance(e, ScenarioError):
        for p in e.problems:
            sys.stderr.write(f"{p}\n")
    else:
        sys.stderr.write(f"error: {e}\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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


# ----------------------------------------------------------------------------- verbs
# (each verb: @verb def _add_x(sub) registering the parser, and def cmd_x(args) -> int)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
