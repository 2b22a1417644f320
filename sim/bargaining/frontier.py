"""The Pareto frontier of a negotiation and the exact points on it: Nash, weighted max-min, a side's best offer.

A side's value of terms is separable across issues: V_i(x) = c_i + sum_k f_ik(x_k), where
f_ik is the utility of issue k minus the audience penalty of a reference shortfall on k
and minus the lasting sanctions cost on the relief issue. Red lines add steps: on each
issue their thresholds cut [0, 1] into intervals (a red line is either kept or broken
inside one), and a **regime** picks one interval per issue. Within a regime every f_ik is
concave for risk r >= 1 (exactly piecewise linear for r = 1; sampled finely otherwise),
so the frontier is traced exactly by conceding issue pieces in order of their exchange
rate -dV_A / dV_B (the multi-issue Nash logic: concede first where it costs A least per
unit B gains). On each piece the generalized Nash product and the weighted max-min have
closed forms, so the best point of the regime is exact, not a grid point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]

EDGE = 1e-9  # how far inside an interval a broken red line's boundary point is taken
CURVE_POINTS = 32  # extra sample points per issue where a side's utility is curved (r != 1)


@dataclass(frozen=True)
class Cut:
    """A red line's threshold on an issue (scaled); ``above``: broken when x > t, else when x < t."""

    issue: int
    threshold: float
    above: bool


def intervals(cuts: Sequence[Cut], k: int) -> list[list[tuple[float, float]]]:
    """Per issue, the closed intervals of [0, 1] inside which no red line changes state."""
    out: list[list[tuple[float, float]]] = []
    for i in range(k):
        bounds: list[
            tuple[float, float]
        ] = []  # (end of the interval left of the cut, start of the next)
        for c in cuts:
            if c.issue != i:
                continue
            t = c.threshold
            left, right = (t, t + EDGE) if c.above else (t - EDGE, t)
            if right <= 0.0 or left >= 1.0:
                continue
            bounds.append((max(left, 0.0), min(right, 1.0)))
        bounds.sort()
        ivs, lo = [], 0.0
        for left, right in bounds:
            if left >= lo:
                ivs.append((lo, left))
                lo = right
        ivs.append((lo, 1.0))
        out.append([iv for iv in ivs if iv[1] >= iv[0]])
    return out


@dataclass
class SideTerms:
    """What one side's value of terms depends on, for ``n`` replicates (scaled issue units).

    V(x) = sum_k w_k (1 - |x_k - y_k|^r) - s (red-line penalties + sum_k w_k max(0, u_k(ref_k) - u_k(x_k)))
           - relief_cost (1 - x_relief)
    """

    ideal: FloatArray  # (n, K)
    weight: FloatArray  # (n, K)
    risk: FloatArray  # (n,)
    audience: FloatArray  # (n,) s = audience cost x support
    red_lines: Sequence[
        tuple[int, bool, float, FloatArray]
    ]  # (issue, above, threshold, penalty (n,))
    reference: dict[int, float]  # issue -> scaled reference
    relief_issue: int | None = None
    relief_cost: FloatArray | None = (
        None  # (n,) lump cost of sanctions kept: paid as (1 - x_relief)
    )

    def issue_value(self, k: int, x: FloatArray) -> FloatArray:
        """f_k(x) for x (n, P): the issue's part of V without red-line steps."""
        y = self.ideal[:, k, None]
        r = self.risk[:, None]
        w = self.weight[:, k, None]
        d = np.abs(x - y)
        u = 1.0 - (d if np.all(self.risk == 1.0) else d**r)
        f = w * u
        ref = self.reference.get(k)
        if ref is not None:
            u_ref = 1.0 - np.abs(ref - y) ** r
            f = f - self.audience[:, None] * w * np.maximum(0.0, u_ref - u)
        if self.relief_issue == k and self.relief_cost is not None:
            f = f - self.relief_cost[:, None] * (1.0 - x)
        return np.asarray(f)

    def steps(self, x: FloatArray, k: int) -> FloatArray:
        """Red-line penalties on issue k at x (n, P), times the audience weight s."""
        out = np.zeros_like(x)
        for issue, above, thr, pen in self.red_lines:
            if issue == k:
                broken = x > thr if above else x < thr
                out += pen[:, None] * broken
        return np.asarray(self.audience[:, None] * out)

    def value(self, x: FloatArray) -> FloatArray:
        """V(x) for one set of terms per replicate, x (n, K)."""
        tot = np.zeros(x.shape[0])
        for k in range(x.shape[1]):
            xk = x[:, k, None]
            tot += (self.issue_value(k, xk) - self.steps(xk, k))[:, 0]
        return tot


@dataclass
class Frontier:
    """The frontier of one regime per replicate: a start vertex and pieces sorted by exchange rate."""

    start: FloatArray  # (n, K) terms at A's best point of the regime
    va0: FloatArray  # (n,) V_A at the start
    vb0: FloatArray  # (n,)
    da: FloatArray  # (n, S) change in V_A along each piece (<= 0), sorted by exchange rate
    db: FloatArray  # (n, S) change in V_B (>= 0)
    issue: IntArray  # (n, S) issue each piece moves
    x0: FloatArray  # (n, S) that issue's value at the piece's start
    x1: FloatArray  # (n, S) ... and at its end
    valid: BoolArray  # (n, S)

    def vertices(self) -> tuple[FloatArray, FloatArray]:
        """V_A and V_B at the start of each piece (n, S) (invalid pieces add nothing)."""
        ca = np.cumsum(self.da, axis=1) - self.da
        cb = np.cumsum(self.db, axis=1) - self.db
        return self.va0[:, None] + ca, self.vb0[:, None] + cb

    def terms(self, piece: IntArray, t: FloatArray) -> FloatArray:
        """Terms at fraction ``t`` along piece ``piece`` (per replicate)."""
        n, s = self.da.shape
        x = self.start.copy()
        rows = np.arange(n)
        taken = (np.arange(s)[None, :] < piece[:, None]) & self.valid
        for k in range(x.shape[1]):
            mine = taken & (self.issue == k)
            any_k = mine.any(axis=1)
            last = (
                s - 1 - np.argmax(mine[:, ::-1], axis=1)
            )  # pieces of one issue come in path order
            x[any_k, k] = self.x1[rows[any_k], last[any_k]]
        k_now = self.issue[rows, piece]
        on = self.valid[rows, piece]
        pos = self.x0[rows, piece] + t * (self.x1[rows, piece] - self.x0[rows, piece])
        x[rows[on], k_now[on]] = pos[on]
        return x


def issue_points(
    sides: tuple[SideTerms, SideTerms], k: int, lo: FloatArray, hi: FloatArray
) -> FloatArray:
    """Where f_Ak or f_Bk can bend on issue k inside [lo, hi] (n, P), sorted, NaN-free."""
    n = lo.shape[0]
    pts = [lo, hi]
    curved = False
    for sd in sides:
        y = sd.ideal[:, k]
        pts.append(y)
        ref = sd.reference.get(k)
        if ref is not None:
            pts += [np.full(n, ref), 2.0 * y - ref]  # the shortfall kinks where |x - y| = |ref - y|
        curved |= bool(np.any(sd.risk != 1.0))
    if curved:
        pts += [lo + (hi - lo) * j / (CURVE_POINTS + 1) for j in range(1, CURVE_POINTS + 1)]
    p = np.stack(pts, axis=1)
    return np.sort(np.clip(p, lo[:, None], hi[:, None]), axis=1)


def frontier(sides: tuple[SideTerms, SideTerms], lo: FloatArray, hi: FloatArray) -> Frontier:
    """The frontier of the regime whose issue intervals are [lo, hi] (n, K) per replicate."""
    n, K = lo.shape
    a, b = sides
    start = np.empty((n, K))
    va0 = np.zeros(n)
    vb0 = np.zeros(n)
    pieces = []
    rows = np.arange(n)
    for k in range(K):
        p = issue_points(sides, k, lo[:, k], hi[:, k])
        fa = a.issue_value(k, p) - a.steps(p, k)
        fb = b.issue_value(k, p) - b.steps(p, k)
        ia = np.argmax(fa, axis=1)  # A's best point on the issue (first of ties)
        ib = np.argmax(fb - 1e-12 * np.abs(np.arange(p.shape[1])[None, :] - ia[:, None]), axis=1)
        start[:, k] = p[rows, ia]
        va0 += fa[rows, ia]
        vb0 += fb[rows, ia]
        P = p.shape[1]
        up = ib >= ia
        # Walk from A's best point towards B's best: pieces j -> j + 1 (up) or j -> j - 1 (down).
        for j in range(P - 1):
            src = np.where(up, ia + j, ia - j)
            dst = np.where(up, ia + j + 1, ia - j - 1)
            ok = np.where(up, dst <= ib, dst >= ib) & (dst >= 0) & (dst < P)
            s_ = np.clip(src, 0, P - 1)
            d_ = np.clip(dst, 0, P - 1)
            pieces.append(
                (
                    np.where(ok, fa[rows, d_] - fa[rows, s_], 0.0),
                    np.where(ok, fb[rows, d_] - fb[rows, s_], 0.0),
                    np.full(n, k),
                    p[rows, s_],
                    p[rows, d_],
                    ok,
                )
            )
    da = np.stack([q[0] for q in pieces], axis=1)
    db = np.stack([q[1] for q in pieces], axis=1)
    valid = np.stack([q[5] for q in pieces], axis=1) & ((da != 0.0) | (db != 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(db > 0, -da / db, np.where(da >= 0, -np.inf, np.inf))
    rate = np.where(valid, rate, np.inf)
    order = np.argsort(rate, axis=1, kind="stable")

    def sort(x: NDArray[np.generic]) -> NDArray[np.generic]:
        return np.take_along_axis(x, order, axis=1)

    return Frontier(
        start=start,
        va0=va0,
        vb0=vb0,
        da=sort(np.where(valid, da, 0.0)),
        db=sort(np.where(valid, db, 0.0)),
        issue=sort(np.stack([q[2] for q in pieces], axis=1)),
        x0=sort(np.stack([q[3] for q in pieces], axis=1)),
        x1=sort(np.stack([q[4] for q in pieces], axis=1)),
        valid=sort(valid),
    )


INFEASIBLE = -1e9  # score offset of a point outside the zone of agreement: below every point inside


def nash_point(
    fr: Frontier, d: FloatArray, beta: FloatArray
) -> tuple[IntArray, FloatArray, FloatArray]:
    """The best point of the frontier for a mediator with estimates d (2, n) and weights beta (2, n).

    Inside the zone of agreement (both surpluses s_i = V_i - d_i positive) it maximises the
    generalized Nash product s_A^beta_A s_B^beta_B; where the frontier never enters the zone
    it maximises min(beta_A s_A, beta_B s_B): a side with twice the weight is asked to give
    up half as much. Returns (piece, fraction along it, score) per replicate; a score below
    INFEASIBLE / 2 means no zone of agreement.
    """
    va, vb = fr.vertices()
    sa = va - d[0][:, None]
    sb = vb - d[1][:, None]
    da, db = fr.da, fr.db
    ba, bb = beta[0][:, None], beta[1][:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        # Nash: d/dt [ba log(sa + t da) + bb log(sb + t db)] = 0
        t_n = -(ba * da * sb + bb * db * sa) / ((ba + bb) * da * db)
        # max-min: ba (sa + t da) = bb (sb + t db)
        t_m = (bb * sb - ba * sa) / (ba * da - bb * db)
    t_n = np.where(np.isfinite(t_n), t_n, 0.0)
    t_m = np.where(np.isfinite(t_m), t_m, 0.0)
    best_t = np.zeros(sa.shape)
    best_s = np.full(sa.shape, -np.inf)
    for t in (np.zeros(sa.shape), np.ones(sa.shape), np.clip(t_n, 0, 1), np.clip(t_m, 0, 1)):
        xa, xb = sa + t * da, sb + t * db
        with np.errstate(divide="ignore", invalid="ignore"):
            nash = ba * np.log(xa) + bb * np.log(xb)
        score = np.where((xa > 0) & (xb > 0), nash, INFEASIBLE + np.minimum(ba * xa, bb * xb))
        score = np.where(fr.valid | (t == 0), score, -np.inf)  # t = 0 of any piece is a vertex
        better = score > best_s
        best_s = np.where(better, score, best_s)
        best_t = np.where(better, t, best_t)
    piece = np.argmax(best_s, axis=1)
    rows = np.arange(len(piece))
    return piece, best_t[rows, piece], best_s[rows, piece]


def best_offer(
    fr: Frontier,
    proposer: int,
    floor: FloatArray,
    other: FloatArray,
    cdf: Callable[[FloatArray], FloatArray],
) -> tuple[IntArray, FloatArray]:
    """A side's take-it-or-leave-it offer: the frontier point maximising q V_j + (1 - q) floor_j.

    q = cdf(V_k - other_k) is the chance the other side accepts as the proposer sees it
    (``other``: what it believes rejecting is worth to the other side). Pieces are searched
    at their ends and at OFFER_STEPS points between. Returns (piece, fraction) per replicate.
    """
    va, vb = fr.vertices()
    vj, vk = (va, vb) if proposer == 0 else (vb, va)
    dj, dk = (fr.da, fr.db) if proposer == 0 else (fr.db, fr.da)
    best_t = np.zeros(va.shape)
    best_s = np.full(va.shape, -np.inf)
    for step in range(OFFER_STEPS + 1):
        t = step / OFFER_STEPS
        q = cdf(vk + t * dk - other[:, None])
        score = q * (vj + t * dj) + (1.0 - q) * floor[:, None]
        score = np.where(fr.valid | (step == 0), score, -np.inf)
        better = score > best_s
        best_s = np.where(better, score, best_s)
        best_t = np.where(better, t, best_t)
    piece = np.argmax(best_s, axis=1)
    rows = np.arange(len(piece))
    return piece, best_t[rows, piece]


OFFER_STEPS = 8  # points per frontier piece a proposer weighs in direct talks
