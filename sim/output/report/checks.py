"""The run report's "Checks" section: implausible inputs and results that look like artefacts.

Both lists come from summary.json: ``warnings`` (inputs in range but implausible together,
sim/scenario/plausibility.py) and ``flags`` (results such as a large share agreeing at the
first session, sim/artefacts.py). The section sits right under the headline, because either
kind changes how far the headline can be trusted; it is absent when both lists are empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .page import esc

__all__ = ["checks_section"]

STYLE = "border-left:4px solid #E69F00;background:#fff8e6;padding:.4em 1em;margin:1em 0"


def checks_section(s: Mapping[str, Any]) -> list[str]:
    """HTML lines of the checks of summary ``s`` (escaped), or none when nothing is flagged."""
    warnings = [str(w) for w in s.get("warnings") or []]
    flags = [str(f) for f in s.get("flags") or []]
    if not warnings and not flags:
        return []
    out = [f'<div class="checks" style="{STYLE}">', "<h3>Checks</h3>"]
    if warnings:
        out.append("<p>Inputs that are in range but implausible together:</p><ul>")
        out += [f"<li>{esc(w)}</li>" for w in warnings]
        out.append("</ul>")
    if flags:
        out.append("<p>Results that look like artefacts of an assumption:</p><ul>")
        out += [f"<li>{esc(f)}</li>" for f in flags]
        out.append("</ul>")
    out.append("</div>")
    return out
