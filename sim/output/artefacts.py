"""Results that look like artefacts of an assumption rather than of the bargaining.

A sound scenario starts with the sides apart (that is why they are at war) and spreads its
ceasefires over many days. When a large share of the simulated futures agree at the very
first session, or nearly every ceasefire falls on one day, the answer is usually driven by
one input (a zone of agreement open from the start, a proposal every side accepts on its
date) rather than by the dynamics. Each flag says what was seen and the threshold used, so
the reader can judge how extreme it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

__all__ = ["FIRST_SESSION_FLAG", "SAME_DAY_FLAG", "SAME_DAY_MIN", "artefact_flags"]

FIRST_SESSION_FLAG = 0.20  # share of all futures agreeing at the first session
SAME_DAY_FLAG = 0.90  # share of the ceasefires falling on one day
SAME_DAY_MIN = 30  # ceasefires needed before the same-day share is judged


def artefact_flags(r: Any) -> list[str]:
    """One line per result of ``r`` (a Results) that looks like an artefact."""
    return [*_first_session(r), *_same_day(r)]


def _first_session(r: Any) -> list[str]:
    share = (r.meta.get("diagnostics") or {}).get("first_session_agreement")
    if not isinstance(share, (int, float)) or share <= FIRST_SESSION_FLAG:
        return []
    return [
        f"{100 * share:.0f}% of futures agree at the first session (flag above "
        f"{100 * FIRST_SESSION_FLAG:.0f}%): an assumption may be off (the sides start with a "
        "zone of agreement: check ideals, red lines, costs and the front)"
    ]


def _same_day(r: Any) -> list[str]:
    if not r.has("ceasefire_day"):
        return []
    days = r.days("ceasefire_day")
    days = days[r.ceasefire_flags() & ~np.isnan(days)]
    if len(days) < SAME_DAY_MIN:
        return []
    values, counts = np.unique(days, return_counts=True)
    top = int(np.argmax(counts))
    share = counts[top] / len(days)
    if share <= SAME_DAY_FLAG:
        return []
    date = (r.start + dt.timedelta(days=int(values[top]))).isoformat()
    return [
        f"{100 * share:.0f}% of the futures with a ceasefire agree on the same day, {date} "
        f"(flag above {100 * SAME_DAY_FLAG:.0f}%): one dated input (a proposal, an event, a "
        "deadline) may decide the run rather than the bargaining"
    ]
