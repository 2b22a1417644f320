"""Command line: ``sim VERB ...``, one module per group of verbs, each a thin call into the library.

Every verb has ``add_<verb>(sub)``, which registers its arguments and sets ``func`` to its
``cmd_<verb>(args) -> int``; ``VERBS`` lists them in the order ``sim --help`` shows.
A verb imports what it needs when it runs, so ``sim --version`` and ``sim validate``
start without numpy. Errors the user can cause (SimError) become one line each on
stderr and exit 2.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence

from ..errors import SimError
from . import compare, discover, history, run, scenario, sweep
from .options import Parser, Subparsers, Version, formatter, progress_bar, report_error

__all__ = ["VERBS", "build_parser", "main"]

VERBS: tuple[Callable[[Subparsers], None], ...] = (
    scenario.add_validate,
    scenario.add_schema,
    scenario.add_show,
    run.add_run,
    run.add_report,
    sweep.add_sweep,
    compare.add_compare,
    compare.add_sensitivity,
    discover.add_discover,
    history.add_hindcast,
)

_progress_bar = progress_bar  # the name it had when the CLI was one module


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="sim",
        description="Simulate ceasefire negotiations: Monte Carlo over a YAML scenario.",
        formatter_class=formatter,
    )
    p.add_argument("--version", action=Version)
    sub = p.add_subparsers(dest="verb", metavar="VERB", parser_class=Parser)
    sub.required = True
    for add in VERBS:
        add(sub)
    return p


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
