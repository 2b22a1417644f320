"""Offers: terms (or a truce) put to both sides in some replicates, with each side's utility and penalty of them."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass
class Offer:
    """Terms (or a truce) put to both sides in ``rows``, with each side's utility of them."""

    name: str
    rows: IntArray
    terms: FloatArray  # (r, K) scaled; zeros for a truce
    u: FloatArray  # (2, r) utility of the terms
    pen: FloatArray  # (2, r) audience penalty (before a*S)
    by: int | None = None  # side index of a belligerent proposer (it accepts its own offer)
    truce_days: int | None = None
    index: int = -1  # proposal index in the scenario; -1 for a mediator's own
    direct: bool = False  # a belligerent's own offer in direct talks
    mediator: bool = False  # a mediator's offer: turning it down can be obstruction
    key: str = ""  # names the offer's source for its acceptance draws (common random numbers)
    settled: NDArray[np.bool_] | None = None  # (K,) issues the deal settles; None: every one

    def only(self, keep: NDArray[np.bool_]) -> Offer:
        """The same offer in the rows where ``keep`` (len(rows),) holds."""
        return replace(
            self,
            rows=self.rows[keep],
            terms=self.terms[keep],
            u=self.u[:, keep],
            pen=self.pen[:, keep],
        )


@dataclass(frozen=True)
class Package:
    """A named proposal's terms: fixed scaled values, and which issues follow the live front line."""

    name: str
    fixed: FloatArray  # (K,) scaled; NaN where the live status quo applies
    live: NDArray[np.bool_]  # (K,) True where the value follows the front line
    settled: NDArray[np.bool_]  # (K,) issues the proposal names terms for (the rest it defers)

    def terms(self, control: FloatArray, rows: IntArray) -> FloatArray:
        """The package's terms in ``rows``, the front line taken from ``control`` (n,)."""
        terms = np.broadcast_to(self.fixed, (len(rows), len(self.fixed))).copy()
        if self.live.any():
            terms[:, self.live] = control[rows, None]
        return terms
