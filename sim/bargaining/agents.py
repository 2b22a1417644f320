"""Agents: belligerents value war and terms and decide; mediators propose. All vectorized over replicates.

A new strategy is a new class with the same interface: a belligerent's
``accepts(offer, st, u) -> mask`` and a mediator's ``propose(st, rows) -> Offer``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit

from ..dynamics import mediation, sanctions
from ..dynamics.learning import beliefs
from ..engine.context import Ctx
from ..engine.state import State
from .utility import penalty_rows, utility_rows

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]


@dataclass
class Offer:
    """Terms (or a truce) put to both sides in ``rows``, with each side's utility of them."""

    name: str
    rows: IntArray
    terms: FloatArray  # (r, K) scaled; empty for a truce
    u: FloatArray  # (2, r) utility of the terms
    pen: FloatArray  # (2, r) audience penalty (before a*S)
    by: int | None = None  # side index of a belligerent proposer (it accepts its own offer)
    truce_days: int | None = None
    index: int = -1  # proposal index in the scenario; -1 for a mediator's own
    direct: bool = False  # a belligerent's own offer in direct talks
    key: str = ""  # names the offer's source for its acceptance draws (common random numbers)


def offer_for_terms(ctx: Ctx, name: str, rows: IntArray, terms: FloatArray, **kw: object) -> Offer:
    p = ctx.params
    u = np.stack(
        [utility_rows(p.ideal[j, rows], p.weight[j, rows], p.risk[j, rows], terms) for j in (0, 1)]
    )
    pen = np.stack([penalty_rows(p, j, terms, rows) for j in (0, 1)])
    return Offer(name, rows, terms, u, pen, **kw)  # type: ignore[arg-type]


class Belligerent:
    """Side A (0) or B (1): war value, value of terms, quantal-response acceptance."""

    def __init__(self, side: int, ctx: Ctx):
        self.side = side
        self.ctx = ctx
        self.id = ctx.compiled.side_ids[side]

    def war_value(self, st: State, mu: FloatArray, cost: FloatArray) -> FloatArray:
        """W_i = mu U_i(y_B) + (1 - mu) U_i(y_A) - C_i / (1 - delta_i)."""
        i = self.side
        horizon = 1.0 / (1.0 - self.ctx.params.patience[i])
        return np.asarray(
            mu[i] * st.u_war[i, 1] + (1.0 - mu[i]) * st.u_war[i, 0] - cost[i] * horizon
        )

    def stall_premium(self, st: State) -> FloatArray:
        p = self.ctx.params
        i = self.side
        return np.where(p.stall_type[i] & (st.day < p.stall_until[i]), p.stall_premium[i], 0.0)

    def value(self, offer: Offer, st: State) -> FloatArray:
        """V_i(x) = U_i(x) - a_i S_i (red-line violations + shortfall below the reference)."""
        i, r = self.side, offer.rows
        return np.asarray(
            offer.u[i] - self.ctx.params.audience[i, r] * st.support[i, r] * offer.pen[i]
        )

    def accept_probability(self, offer: Offer, st: State) -> FloatArray:
        lam = self.ctx.params.rationality[offer.rows]
        if offer.truce_days is not None:
            return np.asarray(expit(lam * self.truce_value(offer, st)))
        return np.asarray(expit(lam * (self.value(offer, st) - st.reject[self.side, offer.rows])))

    def accepts(self, offer: Offer, st: State, u: FloatArray) -> BoolArray:
        """Which rows accept, given uniforms ``u`` (one per row)."""
        if offer.by == self.side:
            return np.ones(len(offer.rows), dtype=bool)
        return np.asarray(u < self.accept_probability(offer, st))

    def truce_value(self, offer: Offer, st: State) -> FloatArray:
        """A pause of D days: the fighting costs saved minus the ground momentum would have won."""
        c, p = self.ctx.compiled, self.ctx.params
        i, r = self.side, offer.rows
        assert offer.truce_days is not None
        rounds = offer.truce_days / c.scenario.round_days
        saved = sanctions.fighting_cost(st)[i, r]
        momentum = np.zeros(len(r))
        if c.front is not None:
            f = c.front
            y, w, rk = p.ideal[i, r, f], p.weight[i, r, f], p.risk[i, r]
            cnow = st.control[r]
            move = p.drift[r] * st.intensity[r] * (st.p[r] - p.balance[r])
            cnext = np.clip(cnow + move, 0.0, 1.0)
            momentum = w * (np.abs(cnow - y) ** rk - np.abs(cnext - y) ** rk)
        reward = p.reward[offer.index][i, r] if offer.index in p.reward else 0.0
        return np.asarray(rounds * (saved - momentum) + reward)


def update_war_values(ctx: Ctx, st: State, sides: tuple[Belligerent, Belligerent]) -> None:
    """Refresh W (value of fighting on) and the value of rejecting a deal, for both sides."""
    mu = beliefs(st)
    cost = sanctions.round_cost(ctx, st)
    threat = mediation.expected_cost(ctx, st)
    for b in sides:
        st.war[b.side] = b.war_value(st, mu, cost)
        st.reject[b.side] = st.war[b.side] - threat[b.side] + b.stall_premium(st)


def nash_objective(s_a: FloatArray, s_b: FloatArray, beta: FloatArray) -> FloatArray:
    """One score per candidate whose argmax is the mediator's pick (overwrites s_a).

    Where both surpluses are positive the score is the generalized Nash product
    (its log when the weights differ); elsewhere it is min(s_a, s_b) - INFEASIBLE,
    below every feasible score, so with no zone of agreement the pick maximises
    the smaller surplus.
    """
    feasible = (s_a > 0) & (s_b > 0)
    worst = np.minimum(s_a, s_b) - INFEASIBLE
    if np.all(beta[0] == beta[1]):
        score = s_a * s_b  # the product itself: same argmax as prod^beta, no logs needed
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            score = beta[0][:, None] * np.log(s_a) + beta[1][:, None] * np.log(s_b)
    return np.asarray(np.where(feasible, score, worst))


# Offset that puts every infeasible candidate below every feasible one (log-products of
# utilities in [-2, 2] stay far above -1e9).
INFEASIBLE = 1e9


def _picked(
    ctx: Ctx, st: State, rows: IntArray, best: NDArray[np.intp], extras: list[Offer], name: str
) -> Offer:
    """The offer of candidate ``best[r]`` (a Sobol point, or else one of ``extras``) per row."""
    c = ctx.compiled
    m = c.candidates.shape[0]
    terms = np.empty((len(rows), c.k))
    u = np.empty((2, len(rows)))
    pen = np.empty((2, len(rows)))
    sr = np.flatnonzero(best < m)
    terms[sr] = c.candidates[best[sr]]
    u[:, sr] = st.u_cand[:, rows[sr], best[sr]]
    pen[:, sr] = st.pen_cand[:, rows[sr], best[sr]]
    for e, o in enumerate(extras):
        er = np.flatnonzero(best == m + e)
        terms[er], u[:, er], pen[:, er] = o.terms[er], o.u[:, er], o.pen[:, er]
    return Offer(name, rows, terms, u, pen)


class NashMediator:
    """Proposes the generalized Nash point over the candidate agreements, from noisy estimates of W."""

    def __init__(self, mid: str, ctx: Ctx, sides: tuple[Belligerent, Belligerent]):
        self.id = mid
        self.ctx = ctx
        self.sides = sides

    def estimates(self, st: State, rows: IntArray) -> FloatArray:
        """W-tilde: what the mediator believes rejection is worth to each side (it cannot see stalling)."""
        z = self.ctx.normals(f"mediator.{self.id}", st.day, 2)[:, rows]
        noise = self.ctx.params.med_noise[self.id][rows]
        est = np.stack([st.reject[b.side, rows] - b.stall_premium(st)[rows] for b in self.sides])
        return np.asarray(est + noise * z)

    def extra_offers(self, st: State, rows: IntArray) -> list[Offer]:
        """Named packages and the live status quo, evaluated for these rows."""
        from .proposals import package_offers

        return package_offers(self.ctx, st, rows)

    def values(self, st: State, rows: IntArray) -> tuple[list[FloatArray], list[Offer]]:
        """V_i of every candidate for these rows (Sobol points, then packages and status quo)."""
        p = self.ctx.params
        a_s = p.audience[:, rows] * st.support[:, rows]
        v = [st.u_cand[i][rows] - a_s[i][:, None] * st.pen_cand[i][rows] for i in (0, 1)]
        extras = self.extra_offers(st, rows)
        if extras:
            v = [
                np.concatenate(
                    [v[i]] + [(o.u[i] - a_s[i] * o.pen[i])[:, None] for o in extras], axis=1
                )
                for i in (0, 1)
            ]
        return v, extras

    def propose(self, st: State, rows: IntArray) -> Offer:
        est = self.estimates(st, rows)
        v, extras = self.values(st, rows)
        s_a = v[0]
        s_a -= est[0][:, None]
        s_b = v[1]
        s_b -= est[1][:, None]
        weights = self.ctx.params.med_weight[self.id][:, rows]
        best = np.argmax(nash_objective(s_a, s_b, weights), axis=1)
        offer = _picked(self.ctx, st, rows, best, extras, f"{self.id} proposal")
        offer.key = f"mediator.{self.id}"
        return offer


class DirectOffer(NashMediator):
    """Direct talks: side ``proposer`` offers the candidate that maximises its expected value,
    q_k(x) V_j(x) + (1 - q_k(x)) reject_j, where q_k is the other side's quantal acceptance
    as the proposer estimates it (it cannot see a stalling premium)."""

    def __init__(self, proposer: int, ctx: Ctx, sides: tuple[Belligerent, Belligerent]):
        super().__init__(f"direct.{ctx.compiled.side_ids[proposer]}", ctx, sides)
        self.proposer = proposer

    def propose(self, st: State, rows: IntArray) -> Offer:
        j, k = self.proposer, 1 - self.proposer
        v, extras = self.values(st, rows)
        other = st.reject[k, rows] - self.sides[k].stall_premium(st)[rows]
        q = expit(self.ctx.params.rationality[rows, None] * (v[k] - other[:, None]))
        own = st.reject[j, rows][:, None]
        best = np.argmax(q * v[j] + (1.0 - q) * own, axis=1)
        offer = _picked(self.ctx, st, rows, best, extras, f"{self.ctx.compiled.side_ids[j]} offer")
        offer.by, offer.direct, offer.key = j, True, f"direct.{j}"
        return offer


class SplitMediator(NashMediator):
    """Proposes splitting the difference: the midpoint of the two ideal points on every issue."""

    def propose(self, st: State, rows: IntArray) -> Offer:
        p = self.ctx.params
        terms = 0.5 * (p.ideal[0, rows] + p.ideal[1, rows])
        return offer_for_terms(
            self.ctx, f"{self.id} proposal", rows, terms, key=f"mediator.{self.id}"
        )
