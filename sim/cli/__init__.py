"""Command line: ``sim VERB ...``, one module per group of verbs, each a thin call into the library.

Every verb has ``add_<verb>(sub)``, which registers its arguments and sets ``func`` to its
``cmd_<verb>(args) -> int``; ``VERBS`` lists them in the order ``sim --help`` shows.
A verb imports what it needs when it runs, so ``sim --version`` and ``sim validate``
start without numpy. One handler, in ``main``, turns every error into lines on stderr
and an exit status, never a traceback (unless ``SIM_DEBUG=1``): errors the user can
cause (SimError) and of the machine (OSError: a read-only or full disk, MemoryError)
exit 2, anything else is an internal error and exits 1.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence

from . import calibrate, compare, discover, history, run, scenario, sweep
from .options import Parser, Subparsers, Version, formatter, progress_bar, report_failure

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
    calibrate.add_calibrate,
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
    """Run one command: its exit status (see the module docstring). What it prints goes
    through sim.terminal (control characters escaped, unencodable characters replaced)."""
    from ..terminal import closed_output, safe_streams

    closed = closed_output()
    if closed is not None:  # refuse before anything runs: nothing could be reported
        if sys.stderr is not None:
            sys.stderr.write(f"error: {closed} is closed; nothing was done\n")
        return 2
    with safe_streams():
        return _command(build_parser().parse_args(argv))


def _command(args: argparse.Namespace) -> int:
    previous = None
    if threading.current_thread() is threading.main_thread():
        # `kill` (SIGTERM) stops a run like Ctrl-C does: finished work is kept and reported.
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # MemoryError and OSError too: one handler for every verb
        return report_failure(e)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
