"""Figures: the look they share (``style``) and the figures of a run (``run``).

Every plot function takes data and ``ax=None`` and returns the Axes it drew on, on a
pyplot-free Agg figure; ``save_figures`` writes a run's figures as PNG and SVG.
"""

from __future__ import annotations

from .run import (
    FIGURES,
    make_figures,
    plot_ceasefire_curve,
    plot_control_fan,
    plot_durability,
    plot_obstruction,
    plot_terms,
    plot_terms_grid,
    save_figures,
)
from .style import figure_bytes, new_axes, new_figure, save_png

__all__ = [
    "FIGURES",
    "figure_bytes",
    "make_figures",
    "new_axes",
    "new_figure",
    "plot_ceasefire_curve",
    "plot_control_fan",
    "plot_durability",
    "plot_obstruction",
    "plot_terms",
    "plot_terms_grid",
    "save_figures",
    "save_png",
]
