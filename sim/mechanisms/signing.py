"""What signing a deal and what waiting for a better one are worth: a side's margin on an offer.

Three reasons wars go on beyond "no zone of agreement today" (docs/model.md, "Model v3"):

* **Commitment and durability** (Fortna 2003; Powell 2006). A ceasefire on terms x holds
  until it breaks down, with probability b(x) per round (the durability hazard, lowered by
  guarantees); then the war resumes, worth W_i. Signing is worth
  S_i(x) = (1 - q_i) V_i(x) + q_i W_i,  q_i = delta_i b / (1 - delta_i (1 - b)),
  the discounted chance that the deal is a pause rather than peace. S_i - W_i =
  (1 - q_i)(V_i - W_i): the expected life never turns a deal a side wants into one it does
  not, but a fragile deal is worth less, so with misjudgement it is signed less often.
* **The value of waiting** (Powell 2004; Slantchev 2003). Rejecting means fighting this round
  and being at the table again later, not fighting to a decisive end. A side that expects
  the front to move its way by m_i a round can wait tau rounds (tau up to its look-ahead L)
  and then expect the same political terms with the front-line term moved by m_i tau (the
  terms follow the front: pass-through one), paying the war's flow meanwhile:
  Wait_i(x, tau) = f_i (1 - rho_i^tau) / (1 - rho_i) + rho_i^tau S_i(x_tau),
  with f_i = h delta_i E[G_i] - C_i and rho_i = delta_i (1 - h) from the war value. As tau
  grows it tends to W_i; with no drift Wait_i - S_i = (1 - rho_i^tau)(W_i - S_i), so it never
  beats both fighting on and signing: the Fearon range and the other drift-free oracles are
  unchanged. Rejecting x is worth R_i(x) = reject_i + max(0, max_tau Wait_i(x, tau) - W_i)
  (threats a refusal sets off and a staller's premium are in reject_i).
* **Indivisibility**: a side never accepts terms that cross one of its hard red lines.

A side accepts iff S_i(x) - R_i(x) exceeds its misjudgement, and it does not cross a hard
red line of its own; where the offer defers an issue the side insists a ceasefire settle, it
refuses.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from ..bargaining.offers import Offer
from .durability import Durability
from .sides import Sides
from .warvalue import WarValue

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

ValueOf = Callable[[FloatArray], FloatArray]  # V_i(x) of other terms in an offer's rows (2, r)

WAIT_STEPS = 10  # waiting times tried: rounds 1, 2, 4, ... doubling up to the look-ahead


def waits(lookahead: float) -> list[float]:
    """The waiting times (rounds) tried: 1, 2, 4, ... below L, and L itself."""
    out, t = [], 1.0
    while t < lookahead and len(out) < WAIT_STEPS - 1:
        out.append(t)
        t *= 2.0
    return [*out, max(lookahead, 1.0)]


class Signing:
    """Each side's margin on an offer: the value of signing less the value of rejecting."""

    def __init__(self, sides: Sides, war: WarValue, durability: Durability, front: int | None):
        self.sides, self.war, self.durability, self.front = sides, war, durability, front
        self.steps = waits(float(np.max(war.lookahead)))

    def signing(self, value: FloatArray, offer: Offer, terms: FloatArray, days: int) -> FloatArray:
        """S_i(x) for both sides (2, r), from their values V_i(x) (2, r) of ``terms``."""
        r = offer.rows
        b = self.durability.breakdown(r, value, terms, days)
        delta = self.sides.patience[:, r]
        q = delta * b / (1.0 - delta * (1.0 - b))
        return np.asarray((1.0 - q) * value + q * self.war.war[:, r])

    def waiting(self, offer: Offer, value_of: ValueOf, days: int) -> FloatArray:
        """max over tau of Wait_i(x, tau) - W_i, floored at 0, for both sides (2, r)."""
        r, wv = offer.rows, self.war
        gain = np.zeros((2, len(r)))
        if self.front is None:
            return gain
        f, L = self.front, wv.lookahead[r]
        for i in (0, 1):
            rho, flow, m = wv.rho[i, r], wv.flow[i, r], wv.drift[i, r]
            if not m.any():
                continue
            for tau in self.steps:
                t = np.minimum(tau, L)
                terms = offer.terms.copy()
                terms[:, f] = np.clip(terms[:, f] + m * t, 0.0, 1.0)
                later = self.signing(value_of(terms), offer, terms, days)[i]
                decay = rho**t
                wait = flow * (1.0 - decay) / (1.0 - rho) + decay * later
                gain[i] = np.maximum(gain[i], wait - wv.war[i, r])
        return gain


def hard_crossed(sides: Sides, side: int, rows: NDArray[np.intp], terms: FloatArray) -> BoolArray:
    """Rows whose terms cross one of ``side``'s hard red lines."""
    out = np.zeros(len(rows), dtype=bool)
    for rl in sides.red_lines[side]:
        if rl.hard:
            x = terms[:, rl.issue]
            out |= (x > rl.threshold[rows]) if rl.above else (x < rl.threshold[rows])
    return out
