"""Who puts terms on the table: a Nash mediator, a split-the-difference mediator, a side in direct talks.

A proposer's ``propose(w, rows)`` returns an Offer for those replicates. A new strategy is
a new class with that method.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit

from ..bargaining.choice import nash_objective
from ..bargaining.offers import Offer, Package, offer_for_terms
from ..bargaining.utility import Prefs
from ..engine.layout import Layout
from ..engine.world import WorldBase
from .battlefield import Battlefield
from .sides import Sides
from .warvalue import WarValue

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass
class Table:
    """What proposers read: the sides, the war values, the front line, the candidate agreements."""

    layout: Layout
    sides: Sides
    war: WarValue
    battle: Battlefield
    candidates: FloatArray  # (M, K) scaled
    u_cand: FloatArray  # (2, n, M) utility of each candidate
    pen_cand: FloatArray  # (2, n, M) audience penalty of each candidate
    packages: dict[str, Package]
    rationality: FloatArray  # (n,)

    def prefs(self) -> tuple[Prefs, Prefs]:
        return self.sides.prefs(0), self.sides.prefs(1)

    def offer(self, name: str, rows: IntArray, terms: FloatArray, **kw: object) -> Offer:
        return offer_for_terms(self.prefs(), name, rows, terms, **kw)

    def package_offers(self, rows: IntArray) -> list[Offer]:
        """Every named package, plus the status quo when every issue has one."""
        lay = self.layout
        control = self.battle.control
        out = [
            self.offer(name, rows, pkg.terms(control, rows)) for name, pkg in self.packages.items()
        ]
        sq_known = ~np.isnan(lay.sq_fixed)
        if lay.front is not None:
            sq_known[lay.front] = True
        if sq_known.all():
            terms = np.broadcast_to(np.nan_to_num(lay.sq_fixed), (len(rows), lay.k)).copy()
            if lay.front is not None:
                terms[:, lay.front] = control[rows]
            out.append(self.offer("status quo", rows, terms))
        return out

    def values(self, rows: IntArray) -> tuple[list[FloatArray], list[Offer]]:
        """V_i of every candidate for these rows (Sobol points, then packages and status quo)."""
        sd = self.sides
        a_s = sd.audience[:, rows] * sd.support[:, rows]
        v = [self.u_cand[i][rows] - a_s[i][:, None] * self.pen_cand[i][rows] for i in (0, 1)]
        extras = self.package_offers(rows)
        if extras:
            v = [
                np.concatenate(
                    [v[i]] + [(o.u[i] - a_s[i] * o.pen[i])[:, None] for o in extras], axis=1
                )
                for i in (0, 1)
            ]
        return v, extras

    def picked(
        self, rows: IntArray, best: NDArray[np.intp], extras: list[Offer], name: str
    ) -> Offer:
        """The offer of candidate ``best[r]`` (a Sobol point, or else one of ``extras``) per row."""
        m = self.candidates.shape[0]
        terms = np.empty((len(rows), self.layout.k))
        u = np.empty((2, len(rows)))
        pen = np.empty((2, len(rows)))
        sr = np.flatnonzero(best < m)
        terms[sr] = self.candidates[best[sr]]
        u[:, sr] = self.u_cand[:, rows[sr], best[sr]]
        pen[:, sr] = self.pen_cand[:, rows[sr], best[sr]]
        for e, o in enumerate(extras):
            er = np.flatnonzero(best == m + e)
            terms[er], u[:, er], pen[:, er] = o.terms[er], o.u[:, er], o.pen[:, er]
        return Offer(name, rows, terms, u, pen)

    def rejection(self, side: int, rows: IntArray, day: int) -> FloatArray:
        """What rejecting is worth to ``side`` as others see it: without a stalling premium."""
        return np.asarray(self.war.reject[side, rows] - self.sides.stall(side, day)[rows])


class NashMediator:
    """Proposes the generalized Nash point over the candidate agreements, from noisy estimates of W."""

    def __init__(self, mid: str, table: Table, weights: FloatArray, noise: FloatArray):
        self.id = mid
        self.table = table
        self.weights = weights  # (2, n) bargaining weights
        self.noise = noise  # (n,) sd of its error on each side's war value

    def estimates(self, w: WorldBase, rows: IntArray) -> FloatArray:
        """W-tilde: what the mediator believes rejection is worth to each side (it cannot see stalling)."""
        z = w.normals(f"mediator.{self.id}", w.day, 2)[:, rows]
        est = np.stack([self.table.rejection(i, rows, w.day) for i in (0, 1)])
        return np.asarray(est + self.noise[rows] * z)

    def propose(self, w: WorldBase, rows: IntArray) -> Offer:
        est = self.estimates(w, rows)
        v, extras = self.table.values(rows)
        s_a = v[0]
        s_a -= est[0][:, None]
        s_b = v[1]
        s_b -= est[1][:, None]
        best = np.argmax(nash_objective(s_a, s_b, self.weights[:, rows]), axis=1)
        offer = self.table.picked(rows, best, extras, f"{self.id} proposal")
        offer.key = f"mediator.{self.id}"
        return offer


class SplitMediator(NashMediator):
    """Proposes splitting the difference: the midpoint of the two ideal points on every issue."""

    def propose(self, w: WorldBase, rows: IntArray) -> Offer:
        ideal = self.table.sides.ideal
        terms = 0.5 * (ideal[0, rows] + ideal[1, rows])
        return self.table.offer(f"{self.id} proposal", rows, terms, key=f"mediator.{self.id}")


class DirectOffer:
    """Direct talks: side ``proposer`` offers the candidate that maximises its expected value,
    q_k(x) V_j(x) + (1 - q_k(x)) reject_j, where q_k is the other side's quantal acceptance
    as the proposer estimates it (it cannot see a stalling premium)."""

    def __init__(self, proposer: int, table: Table):
        self.proposer = proposer
        self.table = table

    def propose(self, w: WorldBase, rows: IntArray) -> Offer:
        t = self.table
        j, k = self.proposer, 1 - self.proposer
        v, extras = t.values(rows)
        q = expit(t.rationality[rows, None] * (v[k] - t.rejection(k, rows, w.day)[:, None]))
        own = t.war.reject[j, rows][:, None]
        best = np.argmax(q * v[j] + (1.0 - q) * own, axis=1)
        offer = t.picked(rows, best, extras, f"{t.layout.sides[j]} offer")
        offer.by, offer.direct, offer.key = j, True, f"direct.{j}"
        return offer
