"""The look of every figure: palette, size, rc style, pyplot-free figures, and PNG/SVG bytes."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from ...io.atomic import atomic_write_bytes

__all__ = [
    "DPI",
    "FIGSIZE",
    "STYLE",
    "SimFigure",
    "figure_bytes",
    "fit_text",
    "new_axes",
    "new_figure",
    "save_png",
    "wrap",
]

# Colour-blind-safe palette (Okabe & Ito 2008).
BLUE, ORANGE, GREEN, VERMILION, GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#777777"
FIGSIZE = (8.0, 4.5)  # inches; 960 x 540 px at the saved DPI
DPI = 120
STYLE: Any = {  # rcParams for every figure here (Any: mypy wants literal rc keys)
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "font.size": 10,
    "legend.frameon": False,
    "svg.hashsalt": "sim",  # deterministic SVG ids
}


class SimFigure(Figure):
    """A Figure that shows itself as PNG in Jupyter (``fig`` or ``ax.figure`` as a cell's
    last line), with no pyplot involved."""

    def _repr_png_(self) -> bytes:
        return figure_bytes(self, "png")


def new_figure(figsize: tuple[float, float] = FIGSIZE) -> Figure:
    """A pyplot-free Figure with its own Agg canvas (no global figure registry touched)."""
    with matplotlib.rc_context(STYLE):
        fig = SimFigure(figsize=figsize, layout="constrained")
        FigureCanvasAgg(fig)
        return fig


def new_axes(figsize: tuple[float, float] = FIGSIZE) -> Axes:
    """One Axes on a new pyplot-free Figure."""
    with matplotlib.rc_context(STYLE):
        return new_figure(figsize).add_subplot()


def axes_or_new(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    """The given Axes, or a new one."""
    return ax if ax is not None else new_axes(figsize)


def styled(fn: Callable[..., Axes]) -> Callable[..., Axes]:
    def wrapper(*args: Any, **kwargs: Any) -> Axes:
        with matplotlib.rc_context(STYLE):
            return fn(*args, **kwargs)

    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrapper


def date_axis(ax: Axes) -> None:
    loc = mdates.AutoDateLocator(minticks=4, maxticks=9)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))  # type: ignore[no-untyped-call]


def note(ax: Axes, text: str) -> Axes:
    ax.text(
        0.5,
        0.5,
        text,
        ha="center",
        va="center",
        transform=ax.transAxes,
        color=GREY,
        fontsize=11,
        wrap=True,
    )
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax


def wrap(text: str, width: int) -> str:
    """Text wrapped to lines of ``width`` characters (its own line breaks kept), never cut."""
    return "\n".join(w for line in text.split("\n") for w in textwrap.wrap(line, width) or [""])


def _roomy_texts(fig: Figure) -> Iterator[tuple[Text, float]]:
    """Each title and axis label with the room it has, in pixels along its reading direction:
    an axes' titles and x label its width, its y label its height, a figure's own texts
    (suptitle, fig.text) the figure's width."""
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        titles = [c for c in ax.get_children() if isinstance(c, Text) and c not in ax.texts]
        yield from ((t, ax.bbox.width) for t in [*titles, ax.xaxis.label])
        yield ax.yaxis.label, ax.bbox.height
    yield from ((t, 0.98 * fig.bbox.width) for t in fig.texts)  # suptitle among them


def _inside(t: Text, fig: Figure) -> None:
    """An annotation that runs off the figure's left or right edge is turned to the other side
    of its anchor (ha right or left) rather than cut."""
    bb = t.get_window_extent()
    if bb.x1 > fig.bbox.x1 + 1:
        t.set_horizontalalignment("right")
    elif bb.x0 < fig.bbox.x0 - 1:
        t.set_horizontalalignment("left")


def fit_text(fig: Figure) -> None:
    """Wrap every title and axis label that is wider than its room (never cut it), and turn
    annotations that run off the figure back inside: with the constrained layout of every
    figure here, nothing is clipped at the figure's edge. Layout moves when text wraps, so
    this measures and wraps up to three times."""
    for _ in range(3):
        fig.draw_without_rendering()
        changed = False
        for t, room in _roomy_texts(fig):
            text = t.get_text()
            if not text or not t.get_visible() or room <= 0:
                continue
            bb = t.get_window_extent()
            size = bb.height if t.get_rotation() % 180 else bb.width
            if size <= room + 1:
                continue
            longest = max(len(line) for line in text.split("\n"))
            chars = max(12, int(longest * room / size) - 1)
            if chars < longest:
                t.set_text(wrap(text, chars))
                changed = True
        for ax in fig.axes:
            for t in ax.texts:
                _inside(t, fig)
        if not changed:
            return


def figure_bytes(fig: Figure, fmt: str = "png") -> bytes:
    """The figure rendered to PNG or SVG bytes (no timestamps, so output is reproducible),
    its long titles and labels wrapped to fit (``fit_text``)."""
    buf = io.BytesIO()
    meta = {"Software": None} if fmt == "png" else {"Date": None}
    with matplotlib.rc_context(STYLE):
        dpi = fig.dpi
        fig.set_dpi(DPI)  # measured at the size it is saved at
        try:
            fit_text(fig)
        finally:
            fig.set_dpi(dpi)
        # fit_text's last draw laid the figure out with its final texts: saving keeps that
        # layout rather than computing it again (a grid of 31 panels spent 1.8 s on it)
        engine = fig.get_layout_engine()
        if engine is not None:
            fig.set_layout_engine("none")
        try:
            fig.savefig(buf, format=fmt, dpi=DPI, metadata=meta)
        finally:
            if engine is not None:
                fig.set_layout_engine(engine)
    return buf.getvalue()


def save_png(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as PNG to ``path`` atomically."""
    return atomic_write_bytes(path, figure_bytes(fig, "png"))
