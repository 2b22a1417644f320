"""Progress bars for Python callers: a rich bar in a terminal, an updating HTML bar in Jupyter.

``reporter(progress)`` turns the ``progress`` argument of ``sim.run`` (and ``sim.compare``)
into a callback ``(done, total) -> None`` with a ``close()``: the caller's own callback,
nothing (False), or a bar (True). In a notebook the bar is an HTML ``<progress>`` element
updated in place through IPython's display handle, so no widget library is needed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

__all__ = ["Reporter", "in_notebook", "reporter", "rich_bar"]

UPDATE_EVERY_S = 0.2  # the notebook bar is redrawn at most this often


def in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython with a kernel attached)."""
    ip = sys.modules.get("IPython")
    if ip is None:
        return False
    shell = ip.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class Reporter:
    """A progress callback with ``close()``."""

    def __call__(self, done: int, total: int) -> None:  # pragma: no cover - overridden
        pass

    def close(self) -> None:
        pass


class _Callback(Reporter):
    def __init__(self, fn: Callable[[int, int], None]):
        self.fn = fn

    def __call__(self, done: int, total: int) -> None:
        self.fn(done, total)


class _Notebook(Reporter):
    def __init__(self, label: str):
        from IPython.display import HTML, display

        self.label, self.t0, self.last = label, time.perf_counter(), 0.0
        self.html = HTML
        self.handle: Any = display(HTML(self._html(0, 0)), display_id=True)

    def _html(self, done: int, total: int) -> str:
        spent = time.perf_counter() - self.t0
        eta = ""
        if total and done and done < total:
            eta = f", about {spent * (total - done) / done:.0f} s left"
        of = f" / {total:,}" if total else ""
        return (
            f'<progress value="{done}" max="{max(total, 1)}" style="width:24em"></progress> '
            f"<span>{self.label}: {done:,}{of}{eta}</span>"
        )

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - self.last >= UPDATE_EVERY_S or (total and done >= total):
            self.last = now
            self.handle.update(self.html(self._html(done, total)))

    def close(self) -> None:
        spent = time.perf_counter() - self.t0
        self.handle.update(self.html(f"<span>{self.label}: done in {spent:.1f} s</span>"))


def rich_bar() -> Any:
    """A rich Progress on stderr: label, bar, done/total, time remaining; gone when stopped."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from .terminal import raw_stream

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(file=raw_stream(sys.stderr)),  # its escape codes are its own
        transient=True,
    )


class _Terminal(Reporter):
    def __init__(self, label: str):
        self.bar = rich_bar()
        self.task = self.bar.add_task(label, total=None)
        self.bar.start()

    def __call__(self, done: int, total: int) -> None:
        self.bar.update(self.task, completed=done, total=total or None)

    def close(self) -> None:
        self.bar.stop()


def reporter(progress: bool | Callable[[int, int], None], label: str = "replicates") -> Reporter:
    """The callback for ``progress``: the given function, nothing, or a bar for this place."""
    if callable(progress):
        return _Callback(progress)
    if not progress:
        return Reporter()
    return _Notebook(label) if in_notebook() else _Terminal(label)
