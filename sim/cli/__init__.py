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
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import RunError
from ..io.folders import current_folder
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


class _NamedOutput:
    """Standard output whose write failures (a full disk, ``> /dev/full``) name where it
    goes, instead of a bare "no space left on device"; everything else is the stream's."""

    def __init__(self, stream: Any):
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return int(self._stream.write(text))
        except BrokenPipeError:
            raise
        except OSError as e:
            raise self._named(e) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as e:
            raise self._named(e) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def _named(self, e: OSError) -> RunError:
        from ..io.folders import oserror_text

        where = "standard output"
        with contextlib.suppress(OSError, AttributeError, ValueError):
            where += f" ({os.readlink(f'/proc/self/fd/{self._stream.fileno()}')})"
        return RunError(
            f"cannot write to {where}: {oserror_text(e)}; the files sim writes are each "
            "written whole or not at all"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command: its exit status (see the module docstring). What it prints goes
    through sim.terminal (control characters escaped, unencodable characters replaced)."""
    from ..io.terminal import closed_output, safe_streams

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
    stdout = sys.stdout
    if stdout is not None:  # None: no standard output at all (print writes nothing)
        sys.stdout = _NamedOutput(stdout)
    try:
        current_folder()  # a deleted current folder is named before anything trips on it
        code = int(args.func(args))
        if sys.stdout is not None:
            sys.stdout.flush()  # a full disk under stdout is reported here, named
        return code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # MemoryError and OSError too: one handler for every verb
        return report_failure(e)
    finally:
        sys.stdout = stdout
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
