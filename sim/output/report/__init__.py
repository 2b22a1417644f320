"""HTML reports, one self-contained file each: of a run (``run``) and of a sweep (``sweep``)."""

from __future__ import annotations

from ..sweep_manifest import is_sweep_folder
from .run import assumptions, pick_stories, render_report, write_report
from .sweep import render_sweep_report, write_sweep_report

__all__ = [
    "assumptions",
    "is_sweep_folder",
    "pick_stories",
    "render_report",
    "render_sweep_report",
    "write_report",
    "write_sweep_report",
]
