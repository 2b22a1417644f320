"""Who puts terms on the table: a Nash mediator, a split-the-difference mediator, a side in direct talks.

A proposer's ``propose(w, rows)`` returns an Offer for those replicates. The Nash mediator
and a side in direct talks pick a red-line regime (which red lines the terms keep) the way
a Lagrangian would, then find the exact best point of that regime on the frontier
(``sim.bargaining.frontier``): the terms are not a grid point. A new strategy is a new class
with that method.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..bargaining import kernel
from ..bargaining.frontier import (
    INFEASIBLE,
    OFFER_STEPS,
    Cut,
    Intervals,
    IssueTables,
    SideTerms,
    intervals,
    moving_intervals,
    refine_nash,
    row_bounds,
)
from ..bargaining.offers import Offer
from ..engine.layout import Layout
from ..engine.sampling import Draws
from ..engine.world import WorldBase
from .negotiation_spec import MediatorSpec
from .sanctions import Sanctions
from .sides import Sides
from .warvalue import WarValue

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass
class Table:
    """What proposers read: the sides, the war values, sanctions, and the issue tables."""

    layout: Layout
    sides: Sides
    war: WarValue
    sanctions: Sanctions
    intervals: Intervals  # per issue, the red-line regime intervals (shared, or per row)
    tables: IssueTables
    # what each side asks beyond rejecting's value on an offer (2, r), set by the negotiation
    extras: Callable[[Offer], FloatArray] | None = None
    _regimes: NDArray[np.int64] | None = None
    _control: FloatArray | None = None  # the front line the tables were last rebuilt for

    def offer(self, name: str, rows: IntArray, terms: FloatArray, **kw: object) -> Offer:
        settled = kw.get("settled")
        u, pen = self.sides.evaluate(rows, terms, settled)  # type: ignore[arg-type]
        return Offer(name, rows, terms, u, pen, **kw)  # type: ignore[arg-type]

    def rebuild(self, cuts: Sequence[Cut], control: FloatArray) -> None:
        """Regime intervals and issue tables anew, for red lines that follow the front line
        (``control``, scaled): the sides' thresholds must already stand there. Only the issues
        with such lines change, and only in rows where the front moved or their intervals did
        (the cuts' order follows the median front): those are recomputed, the rest kept, which
        gives the same tables as recomputing everything (nothing at all when the front has
        not moved since: a second session the same day)."""
        if self._control is not None and np.array_equal(control, self._control):
            return
        ivs = moving_intervals(cuts, self.layout.k, control)
        relief = self.sanctions.spec.relief_issue
        curved = bool(np.any(self.sides.risk != 1.0))
        if self._control is None:
            rows = np.arange(len(control))
            self.tables = IssueTables.of(self.sides.terms(rows, relief), ivs, curved)
        else:
            moving = sorted({c.issue for c in cuts if c.relative})
            changed = control != self._control
            for k in moving:
                changed |= np.any(np.asarray(ivs[k]) != np.asarray(self.intervals[k]), axis=(1, 2))
            rows = np.flatnonzero(changed)
            if rows.size:
                self.tables.update(self.sides.terms(rows, relief), ivs, moving, rows, curved)
        self.intervals = ivs
        self._control = control.copy()

    def lasting(self, rows: IntArray) -> FloatArray:
        """Lump cost of the sanctions in force if none were lifted, per side (2, r)."""
        sd, sc = self.sides, self.sanctions
        return np.stack([sc.lasting(i, sd.patience[i])[rows] for i in (0, 1)])

    def audience(self, rows: IntArray) -> FloatArray:
        """s_i = a_i S_i per side (2, r): the weight of the public's penalties."""
        sd = self.sides
        return np.asarray(sd.audience[:, rows] * sd.support[:, rows])

    def terms_model(self, rows: IntArray) -> tuple[SideTerms, SideTerms]:
        """Both sides' value of terms in these rows (at today's support and sanctions)."""
        k = self.sanctions.spec.relief_issue
        return self.sides.terms(rows, k, self.audience(rows), self.lasting(rows))

    def box(self, rows: IntArray, regime: NDArray[np.int64]) -> tuple[FloatArray, FloatArray]:
        """The [lo, hi] box (r, K) of each row's regime (r, K)."""
        n = len(self.tables.points)
        ends = [row_bounds(self.intervals[k], n)[rows] for k in range(regime.shape[1])]
        at = np.arange(len(rows))
        lo = np.stack([ends[k][at, regime[:, k], 0] for k in range(len(ends))], axis=1)
        hi = np.stack([ends[k][at, regime[:, k], 1] for k in range(len(ends))], axis=1)
        return lo, hi

    def rejection(self, side: int, rows: IntArray, day: int) -> FloatArray:
        """What rejecting is worth to ``side`` as others see it: without a stalling premium."""
        return np.asarray(self.war.reject[side, rows] - self.sides.stall(side, day)[rows])

    def rejections(self, rows: IntArray, day: int) -> FloatArray:
        """``rejection`` of both sides (2, r)."""
        return np.asarray(self.war.reject[:, rows] - self.sides.stalls(day, slice(None), rows))

    def regimes(self) -> list[tuple[int, ...]]:
        """Every regime: one interval index per issue."""
        counts = [
            np.asarray(iv).shape[-2] if np.ndim(iv) == 3 else len(iv) for iv in self.intervals
        ]
        return list(itertools.product(*[range(c) for c in counts]))

    @property
    def regime_table(self) -> NDArray[np.int64]:
        """Every regime as an array (R, K) of interval indices."""
        if self._regimes is None:
            self._regimes = np.array(self.regimes(), dtype=np.int64).reshape(-1, self.layout.k)
        return self._regimes


def solve_nash(
    t: Table,
    rows: IntArray,
    est: FloatArray,
    beta: FloatArray,
    regime: NDArray[np.int64] | None = None,
) -> tuple[FloatArray, FloatArray, NDArray[np.int64]]:
    """The exact Nash (or weighted max-min) point of each row's regime: (terms, score, regime).

    Every red-line regime is considered, by branch and bound on an upper bound of each
    regime's score (``sim.bargaining.kernel.nash_rows``), so the point is the best over all
    regimes. ``regime`` (r, K) fixes the regimes instead.
    """
    r, K = len(rows), t.layout.k
    tb = t.tables
    x = np.empty((r, K))
    score = np.empty(r)
    chosen = np.empty((r, K), dtype=np.int64)
    fixed = regime if regime is not None else np.full((r, K), -1, dtype=np.int64)
    kernel.nash_rows(
        rows, tb.points, tb.interval, tb.comp,
        t.audience(rows), t.lasting(rows), est, beta, t.regime_table, fixed, x, score, chosen,
    )  # fmt: skip
    if np.any(t.sides.risk[:, rows] != 1.0):
        lo, hi = t.box(rows, chosen)
        x = refine_nash(t.terms_model(rows), x, lo, hi, est, beta)
    return x, score, chosen


GAP_SAMPLE = 32  # replicates of the first chunk whose mediator proposals are checked against the global optimum
GAP_EVERY = 4  # ... at every 4th session
GAP_REGIMES = 64  # the gap diagnostic runs when the scenario has at most this many red-line regimes


def mediator_gap(
    med: NashMediator, rows: IntArray, est: FloatArray, score: FloatArray
) -> tuple[float, int]:
    """Diagnostic: how far the mediator's proposals in ``rows`` (with the disagreement points
    ``est`` and scores ``score`` its ``solve`` gave them) fall short of the best point over
    every regime solved one by one (the continuous optimum), summed in utility; and how many
    rows were checked (0 when the scenario has too many regimes to check)."""
    t = med.table
    regimes = t.regimes()
    if rows.size == 0 or len(regimes) > GAP_REGIMES:
        return 0.0, 0
    beta = med.weights[:, rows]
    # every regime of every row in one call, regime after regime (each row's point is its own)
    R, r = len(regimes), len(rows)
    fixed = np.repeat(np.asarray(regimes, dtype=np.int64), r, axis=0)
    each = solve_nash(t, np.tile(rows, R), np.tile(est, R), np.tile(beta, R), fixed)[1]
    best = score.copy()
    for j in range(R):
        best = np.maximum(best, each[j * r : (j + 1) * r])
    return float(np.sum(_utility(best, beta) - _utility(score, beta))), len(rows)


def mediator_offer(
    w: WorldBase, med: NashMediator, rows: IntArray, session: int
) -> tuple[Offer, tuple[float, int]]:
    """The mediator's proposal in ``rows`` and, at every GAP_EVERY-th ``session`` (-1: never)
    of a Nash mediator, ``mediator_gap`` of its proposals in the first GAP_SAMPLE replicates,
    from the same solve (each row's is its own: solving those rows apart gives the same);
    else a gap of (0.0, 0)."""
    if type(med) is not NashMediator or session < 0 or session % GAP_EVERY:
        return med.propose(w, rows), (0.0, 0)
    terms, est, score = med.solve(w, rows)
    s = rows < GAP_SAMPLE
    return med.offer(rows, terms), mediator_gap(med, rows[s], est[:, s], score[s])


def _utility(score: FloatArray, beta: FloatArray) -> FloatArray:
    """A proposer's score in utility: the weighted geometric mean of the surpluses inside the zone,
    the weighted smaller surplus (per unit weight) outside it."""
    tot = beta[0] + beta[1]
    inside = score > INFEASIBLE / 2
    gap = np.where(inside, np.exp(np.minimum(score, 50.0) / tot), (score - INFEASIBLE) / (tot / 2))
    return np.asarray(gap, dtype=float)


class NashMediator:
    """Proposes the generalized Nash point of the sides' values, from noisy estimates of W."""

    def __init__(self, mid: str, table: Table, weights: FloatArray, noise: FloatArray):
        self.id = mid
        self.table = table
        self.weights = weights  # (2, n) bargaining weights
        self.noise = noise  # (n,) sd of its error on each side's war value

    def estimates(self, w: WorldBase, rows: IntArray) -> FloatArray:
        """W-tilde: what the mediator believes rejection is worth to each side (it cannot see stalling)."""
        z = w.normals(f"mediator.{self.id}", w.day, 2)[:, rows]
        est = self.table.rejections(rows, w.day)
        return np.asarray(est + self.noise[rows] * z)

    def solve(self, w: WorldBase, rows: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(terms, disagreement points, score) of the mediator's proposal in these rows. A
        second pass adds to each side's estimate what that side asks beyond it at the first
        pass's point (commitment cost, premium of waiting: sim.mechanisms.signing)."""
        t, beta = self.table, self.weights[:, rows]
        est = self.estimates(w, rows)
        x, score, _ = solve_nash(t, rows, est, beta)
        if t.extras is not None:
            add = t.extras(t.offer("first pass", rows, x))
            moved = np.flatnonzero(np.any(add != 0.0, axis=0))  # the others' point stands
            if moved.size:
                est = est + add
                if moved.size == rows.size:
                    x, score, _ = solve_nash(t, rows, est, beta)
                else:
                    got, best, _ = solve_nash(t, rows[moved], est[:, moved], beta[:, moved])
                    x[moved], score[moved] = got, best
        return x, est, score

    def propose(self, w: WorldBase, rows: IntArray) -> Offer:
        return self.offer(rows, self.solve(w, rows)[0])

    def offer(self, rows: IntArray, terms: FloatArray) -> Offer:
        """The mediator's proposal of ``terms`` (r, K) in ``rows``."""
        return self.table.offer(
            f"{self.id} proposal", rows, terms, key=f"mediator.{self.id}", mediator=True
        )


class SplitMediator(NashMediator):
    """Proposes splitting the difference: the midpoint of the two ideal points on every issue."""

    def propose(self, w: WorldBase, rows: IntArray) -> Offer:
        ideal = self.table.sides.ideal
        return self.offer(rows, 0.5 * (ideal[0, rows] + ideal[1, rows]))


class DirectOffer:
    """Direct talks: side j offers the terms that maximise q_k(x) V_j(x) + (1 - q_k(x)) R_j, where
    q_k is the chance the other side accepts as j sees it (it cannot see a stalling premium or
    the other's current misjudgement, only how large such errors run) and R_j what j itself
    believes rejecting is worth. The frontier is searched in the Lagrangian's regime for equal
    weights, at OFFER_STEPS points per piece."""

    def __init__(self, proposer: int, table: Table, scale: FloatArray, logistic: bool):
        self.proposer = proposer
        self.table = table
        self.scale = scale  # (n,) the errors' sd (normal) or rationality (logistic)
        self.logistic = logistic

    def propose(
        self, w: WorldBase, rows: IntArray, floor: FloatArray, other_extra: FloatArray | None = None
    ) -> Offer:
        """The offer; ``other_extra`` (r,) is what the other side asks beyond rejecting's value
        as the proposer expects it (commitment cost, premium of waiting)."""
        t = self.table
        j, k = self.proposer, 1 - self.proposer
        other = t.rejection(k, rows, w.day)
        if other_extra is not None:
            other = other + other_extra
        tb = t.tables
        x = np.empty((len(rows), t.layout.k))
        kernel.offer_rows(
            rows, tb.points, tb.interval, tb.comp, t.audience(rows), t.lasting(rows),
            j, floor, other, self.scale[rows], self.logistic, OFFER_STEPS, x,
        )  # fmt: skip
        offer = t.offer(f"{t.layout.sides[j]} offer", rows, x, by=j, key=f"direct.{j}")
        offer.direct = True
        return offer


def build_table(
    layout: Layout,
    cuts: Sequence[Cut],
    sides: Sides,
    war: WarValue,
    sanctions: Sanctions,
    control: FloatArray | None,
) -> Table:
    """What the proposers read; regime intervals that follow the front when ``control`` is given."""
    k, n = layout.k, len(sides.support[0])
    ivs = intervals(cuts, k) if control is None else moving_intervals(cuts, k, control)
    relief = sanctions.spec.relief_issue
    return Table(
        layout=layout,
        sides=sides,
        war=war,
        sanctions=sanctions,
        intervals=ivs,
        tables=IssueTables.of(sides.terms(np.arange(n), relief), ivs),
    )


def build_mediators(specs: tuple[MediatorSpec, ...], d: Draws, table: Table) -> list[NashMediator]:
    """The proposing mediators, their weights and noise sampled (``proposes: none`` puts only
    its scheduled proposals)."""
    out: list[NashMediator] = []
    for m in specs:
        wts, noise = np.stack([d(x) for x in m.weights]), d(m.noise)
        if m.proposes == "nash":
            out.append(NashMediator(m.id, table, wts, noise))
        elif m.proposes == "split":
            out.append(SplitMediator(m.id, table, wts, noise))
    return out
