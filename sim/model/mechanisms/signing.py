"""What signing a deal and what waiting for a better one are worth: a side's margin on an offer.

Three reasons wars go on beyond "no zone of agreement today" (docs/model.md, "Model v3"):

* **Commitment and durability** (Fortna 2003; Powell 2006). A ceasefire on terms x holds
  until it breaks down, with probability b(x) per round (the durability hazard, lowered by
  guarantees); then the war resumes, worth W_i less Delta_i, what the other side's
  regrouping during the pause (``regroup``: a shift of the balance its way) takes from it.
  Signing is worth S_i(x) = (1 - q_i) V_i(x) + q_i (W_i - Delta_i), with
  q_i = delta_i b / (1 - delta_i (1 - b)) the discounted chance that the deal is a pause
  rather than peace (i judges the deal as signed: the other's grievance in the hazard counts
  at most zero). S_i > W_i iff V_i - W_i > q_i Delta_i / (1 - q_i): the commitment cost,
  which guarantees lower (smaller q) and a faster-rearming opponent raises; a large enough
  shift makes every deal unsignable (Powell 2006). With Delta = 0 the expected life never
  turns a deal a side wants into one it does not.
* **The value of waiting** (Powell 2004; Slantchev 2003). Rejecting means fighting this round
  and being at the table again later, not fighting to a decisive end. A side that expects
  the front to move its way by m_i a round can wait tau rounds (tau up to its look-ahead L)
  and then expect the same political terms with the front-line term moved by m_i tau (the
  terms follow the front: pass-through one), paying the war's flow meanwhile:
  Wait_i(x, tau) = f_i (1 - rho_i^tau) / (1 - rho_i) + rho_i^tau S_i(x_tau),
  with f_i = h delta_i E[G_i] - C_i and rho_i = delta_i (1 - h) from the war value, so
  Wait_i - S_i(x) = rho^tau (S(x_tau) - S(x)) - (1 - rho^tau)(S(x) - W_i): the terms won by
  waiting against the surplus forgone meanwhile. Waiting beats signing for some tau unless the
  surplus (in utility of terms) exceeds the premium
  P_i(x) = max(0, max_tau rho^tau (S(x_tau) - S(x)) / ((1 - q)(1 - rho^tau))).
  With no drift P = 0: the Fearon range and the other drift-free oracles are unchanged.
* **Indivisibility**: a side never accepts terms that cross one of its hard red lines.

A side's margin is V_i(x) - reject_i - q Delta / (1 - q) - P_i(x) (reject_i holds the threats
a refusal sets off and a staller's premium); it accepts iff the margin exceeds its
misjudgement of its war value, no hard red line of its own is crossed, and no issue it
insists a ceasefire settle is deferred. The mediator asks for the same extras in its
disagreement points (a second pass), so its terms follow the front's trend.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..bargaining.offers import Offer
from .compiled import PAIRWISE_BLOCK, wait_gains, wait_plan, wait_repeats, wait_values
from .durability import MAX_LOG_HAZARD, Durability
from .sides import Sides
from .warvalue import WarValue

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]

WAIT_STEPS = 10  # waiting times tried: rounds 1, 2, 4, ... doubling up to the look-ahead


def waits(lookahead: float) -> list[float]:
    """The waiting times (rounds) tried: 1, 2, 4, ... below L, and L itself."""
    out: list[float] = []
    t = 1.0
    while t < lookahead and len(out) < WAIT_STEPS - 1:
        out.append(t)
        t *= 2.0
    return [*out, max(lookahead, 1.0)]


class Signing:
    """Each side's margin on an offer: the value of signing less the value of rejecting."""

    def __init__(
        self,
        sides: Sides,
        war: WarValue,
        durability: Durability,
        front: int | None,
        relief: int | None = None,
    ):
        self.sides, self.war, self.durability, self.front = sides, war, durability, front
        self.relief = -1 if relief is None else relief  # the sanctions-relief issue (-1: none)
        self.steps = np.array(waits(float(np.max(war.lookahead))))  # the waits tried (rounds)

    def signing(
        self, value: FloatArray, rows: IntArray, terms: FloatArray, days: int
    ) -> tuple[FloatArray, FloatArray]:
        """(S, q), both (2, r): S_i = (1 - q_i) V_i + q_i (W_i - Delta_i) from the values V_i
        (2, r) of ``terms``, and q_i = delta_i b_i / (1 - delta_i (1 - b_i)), the discounted
        chance, as side i sees it, that the deal breaks down (b_i its breakdown chance a round).
        i judges the deal as signed: the other signs only what it prefers to fighting on, so
        its grievance counts at most zero (a deal it hates is one it refuses, not one that
        breaks down)."""
        du = self.durability
        b = du.chance(rows, du.log_hazards(rows, value, terms), days)
        delta = self.sides.patience[:, rows]
        q = np.asarray(delta * b / (1.0 - delta * (1.0 - b)))
        after = self.war.war[:, rows] - self.war.regroup_loss[:, rows]
        return np.asarray((1.0 - q) * value + q * after), q

    def extra(self, offer: Offer, value: FloatArray, lump: FloatArray, days: int) -> FloatArray:
        """What each side asks beyond rejecting's value before it signs (2, r), in utility of
        terms: the commitment cost q Delta / (1 - q) and the premium of waiting."""
        r = offer.rows
        if not (self.war.regroup_loss[:, r].any() or self.may_wait(r)):
            return np.zeros((2, len(r)))  # 0.0 + 0.0, as computed in full
        commit, sign, keep = self.commitment(offer, value, days)
        return np.asarray(commit + self.premium(offer, sign, keep, lump, days))

    def may_wait(self, rows: IntArray) -> bool:
        """Whether a side may gain by waiting in any of ``rows`` (a front line that drifts):
        else every premium of waiting there is 0."""
        return self.front is not None and bool(self.war.drift[:, rows].any())

    def commitment(
        self, offer: Offer, value: FloatArray, days: int
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(commitment cost q Delta / (1 - q), S, max(1 - q, 1e-12)), each (2, r): the first
        part of ``extra`` and what its premium of waiting is computed from."""
        r = offer.rows
        sign, q = self.signing(value, r, offer.terms, days)
        keep = np.maximum(1.0 - q, 1e-12)
        return np.asarray(q * self.war.regroup_loss[:, r] / keep), sign, keep

    def pause(
        self, offer: Offer, value: FloatArray, days: int, cols: IntArray
    ) -> tuple[FloatArray, FloatArray]:
        """(S, max(1 - q, 1e-12)) of ``commitment`` in the offer's columns ``cols`` only (each
        column's are its own), 0 in the others: what the premium of waiting needs where it
        is computed."""
        sign, keep = np.zeros_like(value), np.zeros_like(value)
        if cols.size and self.may_wait(offer.rows):
            s, q = self.signing(value[:, cols], offer.rows[cols], offer.terms[cols], days)
            sign[:, cols], keep[:, cols] = s, np.maximum(1.0 - q, 1e-12)
        return sign, keep

    def premium(
        self,
        offer: Offer,
        sign: FloatArray,
        keep: FloatArray,
        lump: FloatArray,
        days: int,
        need: BoolArray | None = None,
    ) -> FloatArray:
        """max(0, max_tau rho^tau (S(x_tau) - S(x)) / ((1 - q)(1 - rho^tau))) per side (2, r):
        the surplus a side must see in signing now for no wait up to its look-ahead to beat it.
        ``lump`` (2, n): each side's lasting cost of the sanctions a deal leaves in force.

        Every wait of a side is valued in one batch (its rows stacked wait after wait,
        ``compiled.wait_plan``), in one compiled pass from the terms waited for to their log
        hazard (``compiled.wait_values``); a row whose look-ahead a shorter wait already
        reached is left out of the longer ones, whose terms, and so gain, would be the same;
        a wait that reaches the terms of the row's wait before it (the front pushed to an end
        of the issue) takes that wait's values and breakdown chance (``compiled.wait_repeats``).
        ``need`` (2, r): where it is False the side's premium is not computed and left at 0
        (each row's premium is its own, whatever rows are computed with it)."""
        r, wv, sd = offer.rows, self.war, self.sides
        out = np.zeros((2, len(r)))
        if not self.may_wait(r):
            return out
        L = np.ascontiguousarray(wv.lookahead[r])
        terms = np.ascontiguousarray(offer.terms, dtype=np.float64)
        rows64 = np.asarray(r, dtype=np.int64)
        settled = (
            np.ones(terms.shape[1], dtype=np.bool_) if offer.settled is None else offer.settled
        )
        sign, keep = np.ascontiguousarray(sign), np.ascontiguousarray(keep)
        every = np.ones(len(r), dtype=np.bool_)
        for i in (0, 1):
            m = wv.drift[i, r]
            if not m.any():
                continue
            p, ti = wait_plan(L, self.steps, every if need is None else need[i])
            if not p.size:
                continue
            valued, src = wait_repeats(terms, p, m, ti, self.front)
            some = len(valued) != len(p)
            rows, b, v = self._valued(
                i, terms, rows64, p[valued] if some else p, m, ti[valued] if some else ti,
                settled, lump, days,
            )  # fmt: skip
            if some:
                rows = rows64[p]
            decay = wv.rho[i, rows] ** ti
            wait_gains(
                i, rows, p, src, b, v, decay, sd.patience, wv.war, wv.regroup_loss, sign, keep,
                out,
            )  # fmt: skip
        return out

    def _valued(
        self, i: int, terms: FloatArray, rows64: NDArray[np.int64], pos: NDArray[np.int64],
        drift: FloatArray, t: FloatArray, settled: BoolArray, lump: FloatArray, days: int,
    ) -> tuple[NDArray[np.int64], FloatArray, FloatArray]:  # fmt: skip
        """Side i's waits (offer rows ``pos``, waiting times ``t``) valued in one compiled pass
        (``compiled.wait_values``): their chunk rows, breakdown chances as i sees them, and
        both sides' values (2, U)."""
        wv, sd, du, ln = self.war, self.sides, self.durability, self.sides.lines
        hazard_here = terms.shape[1] <= PAIRWISE_BLOCK  # else numpy's sum: durability's own path
        batch = np.empty((len(pos), terms.shape[1]))
        v = np.empty((2, len(pos)))
        log_h = np.empty(len(pos))
        rows = wait_values(
            terms, rows64, pos, drift, t, self.front, sd.ideal, sd.weight, sd.risk, ln.side,
            ln.issue, ln.above, ln.threshold, ln.penalty, ln.ref_side, ln.ref_issue,
            ln.ref_value, settled, sd.audience, sd.support, lump, self.relief, wv.war, 1 - i,
            du.guarantee, du.dissatisfaction, MAX_LOG_HAZARD, hazard_here, batch, v, log_h,
        )  # fmt: skip
        if not hazard_here:
            log_h = du.log_hazard(rows, v, batch, 1 - i)
        return rows, du.chance(rows, log_h, days), v


def hard_crossed(
    sides: Sides,
    side: int,
    rows: IntArray,
    terms: FloatArray,
    settled: NDArray[np.bool_] | None = None,
) -> BoolArray:
    """Rows whose terms cross one of ``side``'s hard red lines (on the issues they settle)."""
    out = np.zeros(len(rows), dtype=bool)
    for rl in sides.red_lines[side]:
        if rl.hard and (settled is None or settled[rl.issue]):
            x = terms[:, rl.issue]
            out |= (x > rl.threshold[rows]) if rl.above else (x < rl.threshold[rows])
    return out
