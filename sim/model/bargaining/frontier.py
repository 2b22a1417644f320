"""The Pareto frontier of a negotiation and the exact points on it: Nash, weighted max-min, a side's best offer.

A side's value of terms is separable across issues: V_i(x) = sum_k f_ik(x_k), where f_ik is
the utility of issue k, minus the audience penalty of a reference shortfall and of red lines
broken on k, minus (for the sanctions target) the lasting cost of the sanctions the relief
issue leaves. Red-line thresholds cut each issue into intervals; a **regime** picks one
interval per issue. Within a regime f_ik is concave for risk r >= 1 (piecewise linear for
r = 1, sampled finely otherwise), so its frontier is traced exactly by conceding issue pieces
in order of their exchange rate -dV_A/dV_B (concede first where it costs A least per unit B
gains: the multi-issue Nash logic). On each piece the generalized Nash product and the
weighted max-min have closed forms, so the best point of a regime is exact, not a grid point.

The regime is chosen the way a Lagrangian would: for a weight kappa on B's value, the best
terms of sum_k (f_Ak + kappa f_Bk) decompose issue by issue, red-line steps included; the
weight is taken from the surpluses at the last solution and the choice repeated once.

Tables of every issue's points (where an f_ik can bend or step) and of each side's value
components there are built once per chunk (:class:`IssueTables`); a session only rescales
them by the audience weight s_i = a_i S_i and the sanctions' lasting cost L_i.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .evaluate import issue_parts_linear

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]

EDGE = 1e-9  # how far inside an interval a broken red line's boundary point is taken
CURVE_POINTS = 32  # extra sample points per issue where a side's utility is curved (r != 1)
INFEASIBLE = -1e9  # score offset of a point outside the zone of agreement: below every point inside


@dataclass(frozen=True)
class Cut:
    """A red line's threshold on an issue (scaled); ``above``: broken when x > t, else when x < t.
    A ``relative`` cut's threshold is an offset (scaled) from the front line where it stands."""

    issue: int
    threshold: float
    above: bool
    relative: bool = False


# Per issue, the regime intervals of every row: a list of (lo, hi) pairs shared by all rows, or
# an array (n, J, 2) when a red line measured from the front line moves them row by row.
Intervals = list[list[tuple[float, float]]] | list[FloatArray]


def row_bounds(iv: Sequence[tuple[float, float]] | FloatArray, n: int) -> FloatArray:
    """One issue's intervals as an array (n, J, 2), whichever form they come in."""
    a = np.asarray(iv, dtype=float)
    return a if a.ndim == 3 else np.broadcast_to(a[None], (n, *a.shape))


def moving_intervals(cuts: Sequence[Cut], k: int, control: FloatArray) -> Intervals:
    """Per issue, each row's intervals when some cuts follow the front line (``control``, n).
    An issue with relative cuts keeps all its C cuts, ordered by their median position and
    kept in that order row by row (so every row has the same C + 1 intervals, some of them
    points); the other issues' intervals are those of :func:`intervals`."""
    fixed = intervals([c for c in cuts if not c.relative], k)
    out: list[FloatArray] = []
    for i in range(k):
        mine = [c for c in cuts if c.issue == i]
        if not any(c.relative for c in mine):
            out.append(row_bounds(intervals(mine, k)[i] if mine else fixed[i], len(control)))
            continue
        pos = np.stack([control + c.threshold if c.relative else np.full_like(control, c.threshold) for c in mine], axis=1)  # fmt: skip
        order = np.argsort(np.median(pos, axis=0), kind="stable")
        pos = np.maximum.accumulate(pos[:, order], axis=1)
        above = np.array([mine[j].above for j in order])
        left = np.clip(np.where(above, pos, pos - EDGE), 0.0, 1.0)
        right = np.clip(np.where(above, pos + EDGE, pos), 0.0, 1.0)
        lo = np.concatenate([np.zeros((len(control), 1)), right], axis=1)
        hi = np.concatenate([left, np.ones((len(control), 1))], axis=1)
        out.append(np.stack([lo, np.maximum(hi, lo)], axis=2))
    return list(out)


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
        tuple[int, bool, float | FloatArray, FloatArray]
    ]  # (issue, above, threshold (a number, or (n,) where it follows the front), penalty (n,))
    reference: dict[int, float]  # issue -> scaled reference
    relief_issue: int | None = None
    relief_cost: FloatArray | None = (
        None  # (n,) lump cost of sanctions kept: paid as (1 - x_relief)
    )
    front: int | None = (
        None  # the front-line issue: only the shortfall of what the side claims counts
    )
    side: int = 0  # 0 (A: claims less of the front-line issue) or 1 (B: claims more)

    def gap(self, k: int, x: FloatArray, y: FloatArray) -> FloatArray:
        """|x - y| on issue k; on the front line only the shortfall of what the side claims."""
        if k != self.front:
            return np.asarray(np.abs(x - y))
        return np.asarray(np.maximum(0.0, x - y) if self.side == 0 else np.maximum(0.0, y - x))

    def parts(self, k: int, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """At points x (n, P) of issue k: utility, audience penalty (before s), kept relief share."""
        y = self.ideal[:, k, None]
        w = self.weight[:, k, None]
        d = self.gap(k, x, y)
        linear = bool(np.all(self.risk == 1.0))
        u = 1.0 - (d if linear else d ** self.risk[:, None])
        pen = np.zeros_like(x)
        ref = self.reference.get(k)
        if ref is not None:
            dr = self.gap(k, np.asarray(ref), y)
            u_ref = 1.0 - (dr if linear else dr ** self.risk[:, None])
            pen = w * np.maximum(0.0, u_ref - u)
        for issue, above, thr, p in self.red_lines:
            if issue == k:
                t = np.asarray(thr, dtype=float)
                t = t[:, None] if t.ndim == 1 else t
                pen = pen + p[:, None] * (x > t if above else x < t)
        if self.relief_issue is None:  # no relief issue: every deal leaves all sanctions in place
            keep = np.ones_like(x) if k == 0 else np.zeros_like(x)
        else:
            keep = (1.0 - x) if self.relief_issue == k else np.zeros_like(x)
        return w * u, pen, keep

    def parts_into(self, k: int, x: FloatArray, comp: FloatArray, at: int) -> None:
        """:meth:`parts` written into comp[:, :, at:at + 3], compiled when utility is linear."""
        if not np.all(self.risk == 1.0):
            comp[..., at], comp[..., at + 1], comp[..., at + 2] = self.parts(k, x)
            return
        n = len(x)
        lines = [(above, thr, p) for issue, above, thr, p in self.red_lines if issue == k]
        thresholds = [np.broadcast_to(np.asarray(t, dtype=float), (n,)) for _, t, _ in lines]
        ref = self.reference.get(k)
        if self.relief_issue is None:  # no relief issue: every deal leaves all sanctions in place
            keep_mode = 2 if k == 0 else 0
        else:
            keep_mode = 1 if self.relief_issue == k else 0
        issue_parts_linear(
            np.ascontiguousarray(x), np.ascontiguousarray(self.ideal[:, k]),
            np.ascontiguousarray(self.weight[:, k]), self.side, k == self.front,
            ref is not None, 0.0 if ref is None else float(ref),
            np.array([a for a, _, _ in lines], dtype=np.bool_),
            np.array(thresholds, dtype=np.float64).reshape(len(lines), n),
            np.array([p for _, _, p in lines], dtype=np.float64).reshape(len(lines), n),
            keep_mode, comp, at,
        )  # fmt: skip

    def issue_value(self, k: int, x: FloatArray) -> FloatArray:
        """f_k(x) for x (n, P): the issue's part of V, red-line steps included."""
        u, pen, keep = self.parts(k, x)
        lump = self.relief_cost if self.relief_cost is not None else np.zeros(len(x))
        return np.asarray(u - self.audience[:, None] * pen - lump[:, None] * keep)

    def value(self, x: FloatArray) -> FloatArray:
        """V(x) for one set of terms per replicate, x (n, K)."""
        tot = np.zeros(x.shape[0])
        for k in range(x.shape[1]):
            tot += self.issue_value(k, x[:, k, None])[:, 0]
        return tot


@dataclass
class IssueTables:
    """Per replicate and issue, the points where either side's value can bend or step (sorted,
    padded to a common count by repeating the last point), the regime interval of each point,
    and each side's value components there: f = u - s pen - L keep."""

    points: FloatArray  # (n, K, P)
    interval: NDArray[np.int64]  # (n, K, P)
    comp: FloatArray  # (n, K, P, 6): u, pen (times s_i), keep (times L_i) of A, then of B

    @classmethod
    def of(
        cls, sides: tuple[SideTerms, SideTerms], ivs: Intervals, curved: bool | None = None
    ) -> IssueTables:
        """The tables of every issue; ``curved`` (whether some side's utility is curved, which
        adds sample points) defaults to what these rows say."""
        n, K = sides[0].ideal.shape
        if curved is None:
            curved = is_curved(sides)
        bounds = [row_bounds(iv, n) for iv in ivs]
        per_issue = [issue_points(sides, k, bounds[k], curved) for k in range(K)]
        P = max(p.shape[1] for p in per_issue)
        points = np.stack([pad_points(p, P) for p in per_issue], axis=1)
        interval = np.stack([issue_intervals(points[:, k], bounds[k]) for k in range(K)], axis=1)
        comp = np.empty((n, K, P, 6))
        for k in range(K):
            comp[:, k] = issue_comp(sides, k, points[:, k])
        return cls(points, interval, comp)

    def update(
        self,
        sub_sides: tuple[SideTerms, SideTerms],
        ivs: Intervals,
        issues: Sequence[int],
        rows: IntArray,
        curved: bool,
    ) -> None:
        """Recompute only ``issues`` in ``rows`` (whose preferences ``sub_sides`` describe),
        exactly as :meth:`of` would: e.g. the front-line issue where the front has moved."""
        n, P = len(self.points), self.points.shape[2]
        for k in issues:
            bounds = row_bounds(ivs[k], n)[rows]
            pts = pad_points(issue_points(sub_sides, k, bounds, curved), P)
            self.points[rows, k] = pts
            self.interval[rows, k] = issue_intervals(pts, bounds)
            self.comp[rows, k] = issue_comp(sub_sides, k, pts)

    def refresh(
        self,
        sub_sides: tuple[SideTerms, SideTerms],
        ivs: Intervals,
        rows: IntArray,
        curved: bool | None = None,
    ) -> None:
        """Recompute ``rows`` (whose preferences ``sub_sides`` describe) after an election moved
        an ideal point."""
        self.update(sub_sides, ivs, range(self.points.shape[1]), rows,
                    is_curved(sub_sides) if curved is None else curved)  # fmt: skip


def is_curved(sides: tuple[SideTerms, SideTerms]) -> bool:
    """Whether some side's utility is curved (risk != 1) in these rows."""
    return any(bool(np.any(sd.risk != 1.0)) for sd in sides)


def issue_points(
    sides: tuple[SideTerms, SideTerms], k: int, bounds: FloatArray, curved: bool
) -> FloatArray:
    """Issue k's points (r, p) where either side's value can bend or step, sorted: the ends,
    every regime interval's ends (and CURVE_POINTS inside each if ``curved``), the ideal
    points and the references' kinks; ``bounds`` (r, J, 2) the rows' intervals."""
    r = len(bounds)
    cand = [np.zeros(r), np.ones(r)]
    for j in range(bounds.shape[1]):
        lo_, hi_ = bounds[:, j, 0], bounds[:, j, 1]
        cand += [lo_.copy(), hi_.copy()]
        if curved:
            cand += [lo_ + (hi_ - lo_) * q / (CURVE_POINTS + 1) for q in range(1, CURVE_POINTS + 1)]
    for sd in sides:
        y = sd.ideal[:, k]
        cand.append(y)
        ref = sd.reference.get(k)
        if ref is not None:
            cand += [
                np.full(r, ref),
                2.0 * y - ref,
            ]  # the shortfall kinks where |x - y| = |ref - y|
    return np.sort(np.clip(np.stack(cand, axis=1), 0.0, 1.0), axis=1)


def pad_points(p: FloatArray, P: int) -> FloatArray:
    """Points (r, p) padded to P columns by repeating the last."""
    return np.pad(p, ((0, 0), (0, P - p.shape[1])), mode="edge")


def issue_intervals(points: FloatArray, bounds: FloatArray) -> NDArray[np.int64]:
    """The regime interval (r, P) of each point (r, P) of one issue (-1: none, the last wins)."""
    interval = np.full(points.shape, -1, dtype=np.int64)
    for j in range(bounds.shape[1]):
        lo_, hi_ = bounds[:, j, 0, None], bounds[:, j, 1, None]
        interval[(points >= lo_) & (points <= hi_)] = j
    return interval


def issue_comp(sides: tuple[SideTerms, SideTerms], k: int, points: FloatArray) -> FloatArray:
    """(r, P, 6): u, pen, keep of A then of B at issue k's points (r, P)."""
    comp = np.empty((*points.shape, 6))
    for i, sd in enumerate(sides):
        sd.parts_into(k, points, comp, 3 * i)
    return comp


OFFER_STEPS = 8  # points per frontier piece a proposer weighs in direct talks
GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0
REFINE_STEPS = 24  # golden-section steps per issue: the bracket shrinks by 0.618^24 ~ 1e-5
REFINE_SWEEPS = 2


def refine_nash(
    sides: tuple[SideTerms, SideTerms],
    x: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    d: FloatArray,
    beta: FloatArray,
) -> FloatArray:
    """Polish a Nash point found on the sampled frontier where a side's utility is curved.

    Between the sample points the curved frontier bulges out by a little; a golden-section
    search on the true objective around each issue's value (within one sample spacing, inside
    the regime) recovers the continuous optimum. Linear utilities need no polish.
    """
    if all(np.all(sd.risk == 1.0) for sd in sides):
        return x
    a, b = sides
    x = x.copy()
    width = 1.5 * (hi - lo) / (CURVE_POINTS + 1)

    def score(z: FloatArray) -> FloatArray:
        sa, sb = a.value(z) - d[0], b.value(z) - d[1]
        with np.errstate(divide="ignore", invalid="ignore"):
            nash = beta[0] * np.log(sa) + beta[1] * np.log(sb)
        return np.asarray(
            np.where((sa > 0) & (sb > 0), nash, INFEASIBLE + np.minimum(beta[0] * sa, beta[1] * sb))
        )

    for _ in range(REFINE_SWEEPS):
        for k in range(x.shape[1]):
            left = np.maximum(lo[:, k], x[:, k] - width[:, k])
            right = np.minimum(hi[:, k], x[:, k] + width[:, k])
            best = score(x)
            for _ in range(REFINE_STEPS):
                m1 = right - GOLDEN * (right - left)
                m2 = left + GOLDEN * (right - left)
                z1, z2 = x.copy(), x.copy()
                z1[:, k], z2[:, k] = m1, m2
                first = score(z1) >= score(z2)
                right = np.where(first, m2, right)
                left = np.where(first, left, m1)
            z = x.copy()
            z[:, k] = 0.5 * (left + right)
            x = np.where((score(z) > best)[:, None], z, x)
    return x
