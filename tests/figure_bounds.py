"""A check for figures: every text drawn lies inside the figure (nothing clipped at its edge).

``texts_outside(fig)`` draws the figure at the saved resolution, records each Text the
renderer draws (tick labels of ticks out of view are not drawn, so not checked) and returns
the ones whose window extent crosses the figure's bounds, as readable strings.
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure
from matplotlib.text import Text

from sim.output.plots.style import DPI

TOLERANCE = 1.0  # pixels: antialiasing may touch the edge


def texts_outside(fig: Figure) -> list[str]:
    """Each drawn text that crosses the figure's edges: "'text' at x0..x1 x y0..y1 of WxH"."""
    dpi = fig.dpi
    fig.set_dpi(DPI)
    try:
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        drawn: list[Text] = []
        original = renderer.draw_text

        def record(gc: Any, x: float, y: float, s: str, prop: Any, angle: float,
                   ismath: Any = False, mtext: Text | None = None) -> None:  # fmt: skip
            if mtext is not None and mtext not in drawn:
                drawn.append(mtext)
            original(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

        renderer.draw_text = record
        try:
            fig.draw(renderer)
        finally:
            del renderer.draw_text
        w, h = fig.bbox.width, fig.bbox.height
        out = []
        for t in drawn:
            bb = t.get_window_extent(renderer)
            if (
                bb.x0 < -TOLERANCE
                or bb.y0 < -TOLERANCE
                or bb.x1 > w + TOLERANCE
                or bb.y1 > h + TOLERANCE
            ):
                out.append(
                    f"{t.get_text()!r} at x {bb.x0:.0f}..{bb.x1:.0f}, y {bb.y0:.0f}..{bb.y1:.0f}"
                    f" of {w:.0f}x{h:.0f}"
                )
        return out
    finally:
        fig.set_dpi(dpi)
