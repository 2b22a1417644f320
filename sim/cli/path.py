"""``sim run --resample --path``: the option, and drawing the forecast's path of a resampled run
after the run itself (sim/studies/path.py)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import TYPE_CHECKING, Any

from .options import progress_bar

if TYPE_CHECKING:
    from ..studies.outputs import RunJob

__all__ = ["add_path_option", "draw_path"]


def add_path_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--path",
        action="store_true",
        help="with --resample: draw the forecast's path too, from one resampled run as of the "
        "start and each earlier date of the evidence (a quarter of the futures each, at least "
        "1,024), shown in the report",
    )


def draw_path(results: Any, job: RunJob, args: argparse.Namespace) -> Any:
    """The forecast's path of a resampled run: one resampled run per earlier date, each shown
    by its own progress bar (or a line per date on a terminal-less stderr, unless quiet)."""
    from ..studies.path import path_size, with_path

    def told(k: int, of: int, d: Any) -> None:
        if k < of and not args.quiet and bar is None:
            sys.stderr.write(
                f"path: as of {d} ({k + 1} of {of}, {path_size(results.n):,} futures)\n"
            )
        if callable(update):
            update(k, of)

    bar, update = progress_bar(args.quiet, "forecast path (runs)")
    with bar if bar is not None else contextlib.nullcontext():
        return with_path(
            results,
            job.scenario,
            str(job.as_of),
            job.seed,
            workers=1 if args.scheduler else args.workers,
            checkpoint=job.checkpoint,
            progress=told,
        )
