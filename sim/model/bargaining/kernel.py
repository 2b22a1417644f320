"""Compiled per-replicate kernels for the exact frontier: regime, pieces, Nash and max-min points, best offers.

The arithmetic is the one described in ``sim.bargaining.frontier``; here it runs one
replicate at a time in machine code (numba), because a frontier has only a few pieces per
replicate and array code would spend its time on temporaries. Inputs are the issue tables
(points where a side's value can bend or step, and each side's value components there)
and per-replicate scalars; nothing here draws random numbers.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .bounds import beaten, mixed_best, regime_bounds
from .frontier import INFEASIBLE


@njit(cache=True, nogil=True)
def _scratch(K, P):
    """Work arrays for one replicate's frontier: each side's values (K, P), the regime and the
    start point (K,), the pieces (K P each: value steps, issue, ends, exchange rate), the terms."""
    S = K * P
    return (
        np.empty((K, P)), np.empty((K, P)), np.empty(K, dtype=np.int64), np.empty(K),
        np.empty(S), np.empty(S), np.empty(S, dtype=np.int64), np.empty(S), np.empty(S),
        np.empty(S), np.empty(K),
    )  # fmt: skip


@njit(cache=True, nogil=True)
def _values(comp, s0, s1, l0, l1, i, fa, fb):
    """f_ik at every point of row i: comp (n, K, P, 6) holds (u, pen, keep) of A then of B."""
    K, P = fa.shape
    for k in range(K):
        for j in range(P):
            fa[k, j] = comp[i, k, j, 0] - s0 * comp[i, k, j, 1] - l0 * comp[i, k, j, 2]
            fb[k, j] = comp[i, k, j, 3] - s1 * comp[i, k, j, 4] - l1 * comp[i, k, j, 5]


@njit(cache=True, nogil=True)
def _regime(fa, fb, itv_i, kappa, regime):
    """Per issue, the interval of the best point of f_A + kappa f_B."""
    K, P = fa.shape
    for k in range(K):
        best = -math.inf
        arg = 0
        for j in range(P):
            v = fa[k, j] + kappa * fb[k, j]
            if v > best:
                best = v
                arg = j
        regime[k] = itv_i[k, arg]


@njit(cache=True, nogil=True)
def _frontier(fa, fb, pts_i, itv_i, regime, start, da, db, iss, x0, x1, rate):
    """Pieces of the regime's frontier sorted by exchange rate; returns (count, V_A, V_B at start)."""
    K, P = fa.shape
    count = 0
    va0 = 0.0
    vb0 = 0.0
    for k in range(K):
        ia = -1
        best = -math.inf
        for j in range(P):
            if itv_i[k, j] == regime[k] and fa[k, j] > best:
                best = fa[k, j]
                ia = j
        ib = ia
        bestb = -math.inf
        for j in range(P):
            if itv_i[k, j] == regime[k]:
                v = fb[k, j] - 1e-12 * abs(j - ia)
                if v > bestb:
                    bestb = v
                    ib = j
        start[k] = pts_i[k, ia]
        va0 += fa[k, ia]
        vb0 += fb[k, ia]
        step = 1 if ib >= ia else -1
        j = ia
        running = -math.inf
        while j != ib:
            nxt = j + step
            a = fa[k, nxt] - fa[k, j]
            b = fb[k, nxt] - fb[k, j]
            if a != 0.0 or b != 0.0:
                if b > 0.0:
                    r = -a / b
                elif a >= 0.0:
                    r = -math.inf
                else:
                    r = math.inf
                # in path order: a running maximum (exact for concave values)
                if r < running:
                    r = running
                running = r
                da[count] = a
                db[count] = b
                iss[count] = k
                x0[count] = pts_i[k, j]
                x1[count] = pts_i[k, nxt]
                rate[count] = r
                count += 1
            j = nxt
    # insertion sort by rate (stable): few pieces
    for m in range(1, count):
        r = rate[m]
        a, b, kk, p0, p1 = da[m], db[m], iss[m], x0[m], x1[m]
        q = m - 1
        while q >= 0 and rate[q] > r:
            rate[q + 1] = rate[q]
            da[q + 1] = da[q]
            db[q + 1] = db[q]
            iss[q + 1] = iss[q]
            x0[q + 1] = x0[q]
            x1[q + 1] = x1[q]
            q -= 1
        rate[q + 1] = r
        da[q + 1] = a
        db[q + 1] = b
        iss[q + 1] = kk
        x0[q + 1] = p0
        x1[q + 1] = p1
    return count, va0, vb0


@njit(cache=True, nogil=True)
def _nash(count, va0, vb0, da, db, d0, d1, ba, bb):
    """(piece, fraction, score) of the Nash point, or of the weighted max-min point without a zone."""
    # max-min: where beta_A s_A - beta_B s_B (falling along the frontier) crosses zero
    sa = va0 - d0
    sb = vb0 - d1
    pm = count  # past the last piece: the end vertex
    tm = 0.0
    a_ = sa
    b_ = sb
    for m in range(count):
        ea = sa + da[m]
        eb = sb + db[m]
        if ba * ea - bb * eb <= 0.0:
            den = ba * da[m] - bb * db[m]
            t = (bb * sb - ba * sa) / den if den != 0.0 else 0.0
            t = min(max(t, 0.0), 1.0)
            pm = m
            tm = t
            break
        sa = ea
        sb = eb
    if pm < count:
        a_ = sa + tm * da[pm]
        b_ = sb + tm * db[pm]
    else:
        a_ = sa
        b_ = sb
    if not (a_ > 0.0 and b_ > 0.0):
        return pm, tm, INFEASIBLE + min(ba * a_, bb * b_)
    # Nash: first piece that leaves the zone on A's side or whose end is past the top
    sa = va0 - d0
    sb = vb0 - d1
    for m in range(count):
        ea = sa + da[m]
        eb = sb + db[m]
        inside = ea > 0.0 and eb > 0.0
        slope_end = ba * da[m] / ea + bb * db[m] / eb if inside else 0.0
        if ea <= 0.0 or (inside and slope_end <= 0.0):
            den = (ba + bb) * da[m] * db[m]
            t = -(ba * da[m] * sb + bb * db[m] * sa) / den if den != 0.0 else 0.0
            lo = -sb / db[m] if db[m] > 0.0 else -math.inf
            hi = sa / -da[m] if da[m] < 0.0 else math.inf
            t = min(max(t, max(lo, 0.0)), min(hi, 1.0))
            t = min(max(t, 0.0), 1.0)
            na = sa + t * da[m]
            nb = sb + t * db[m]
            if na > 0.0 and nb > 0.0:
                return m, t, ba * math.log(na) + bb * math.log(nb)
            return pm, tm, ba * math.log(a_) + bb * math.log(b_)
        sa = ea
        sb = eb
    if sa > 0.0 and sb > 0.0:
        return count, 0.0, ba * math.log(sa) + bb * math.log(sb)
    # numerical corner: fall back on the max-min point, which is inside the zone
    return pm, tm, ba * math.log(a_) + bb * math.log(b_)


@njit(cache=True, nogil=True)
def _terms(start, count, iss, x0, x1, piece, t, out):
    K = start.shape[0]
    for k in range(K):
        out[k] = start[k]
    for m in range(min(piece, count)):
        out[iss[m]] = x1[m]
    if piece < count:
        out[iss[piece]] = x0[piece] + t * (x1[piece] - x0[piece])


@njit(cache=True, nogil=True)
def nash_rows(rows, pts, itv, comp, s, lump, d, beta, regimes, fixed, out_x, out_score, out_regime):
    """The exact Nash (or weighted max-min) point over every regime, for replicates ``rows``.

    Branch and bound (``sim.model.bargaining.bounds``): each regime's score is at most what it
    would be if both sides got their best point of the regime; regimes are solved in order of
    that bound until no bound beats the best point found, so the result is the best point over
    all regimes. A regime whose Jensen bound shows it cannot beat the best point found is
    skipped unsolved. ``regimes`` (R, K) lists them; the per-row inputs and outputs have one
    entry per row (q), the tables are indexed by rows[q]. With ``fixed`` (r, K) >= 0 a row's
    regime is given instead.
    """
    _, K, P = pts.shape
    R = regimes.shape[0]
    J = 1
    for r in range(R):
        for k in range(K):
            if regimes[r, k] + 1 > J:
                J = regimes[r, k] + 1
    best_a = np.empty((K, J))
    best_b = np.empty((K, J))
    best_w = np.empty((K, J))
    bound = np.empty(R)
    fa, fb, regime, start, da, db, iss, x0, x1, rate, x = _scratch(K, P)
    for q in range(rows.shape[0]):
        i = rows[q]
        _values(comp, s[0, q], s[1, q], lump[0, q], lump[1, q], i, fa, fb)
        ba, bb = beta[0, q], beta[1, q]
        d0, d1 = d[0, q], d[1, q]
        if fixed[q, 0] >= 0:
            for k in range(K):
                regime[k] = fixed[q, k]
            count, va0, vb0 = _frontier(
                fa, fb, pts[i], itv[i], regime, start, da, db, iss, x0, x1, rate
            )
            piece, t, score = _nash(count, va0, vb0, da, db, d0, d1, ba, bb)
            _terms(start, count, iss, x0, x1, piece, t, x)
            for k in range(K):
                out_x[q, k] = x[k]
                out_regime[q, k] = regime[k]
            out_score[q] = score
            continue
        regime_bounds(fa, fb, itv[i], regimes, d0, d1, ba, bb, best_a, best_b, bound)
        best = -math.inf
        mixed = False  # best_w computed for this row
        for _m in range(R):  # regimes by bound, best first (ties in table order), lazily
            r = -1
            top = -math.inf
            for c in range(R):
                if bound[c] > top:
                    top = bound[c]
                    r = c
            if r < 0 or top <= best:
                break
            bound[r] = -math.inf  # taken
            if best > -math.inf:
                if not mixed:
                    mixed_best(fa, fb, itv[i], ba, bb, best_w)
                    mixed = True
                if beaten(best_w, regimes, r, d0, d1, ba, bb, best):
                    continue
            for k in range(K):
                regime[k] = regimes[r, k]
            count, va0, vb0 = _frontier(
                fa, fb, pts[i], itv[i], regime, start, da, db, iss, x0, x1, rate
            )
            piece, t, score = _nash(count, va0, vb0, da, db, d0, d1, ba, bb)
            if score > best:
                best = score
                _terms(start, count, iss, x0, x1, piece, t, x)
                for k in range(K):
                    out_x[q, k] = x[k]
                    out_regime[q, k] = regime[k]
                out_score[q] = score


@njit(cache=True, nogil=True)
def _offer_score(a, b, proposer, other, floor, scale, logistic):
    """q V_j + (1 - q) floor_j at values (a, b), q the chance the other side accepts."""
    vj, vk = (a, b) if proposer == 0 else (b, a)
    z = vk - other
    if logistic:
        q = 1.0 / (1.0 + math.exp(-scale * z))
    else:
        q = 0.5 * math.erfc(-z / (scale * math.sqrt(2.0)))
    return q * vj + (1.0 - q) * floor


@njit(cache=True, nogil=True)
def offer_rows(
    rows, pts, itv, comp, s, lump, proposer, floor, other, scale, logistic, steps, out_x
):
    """A side's take-it-or-leave-it offer per replicate: the point of the frontier (regime of the
    Lagrangian for equal weights) maximising q V_j + (1 - q) floor_j, q = F((V_k - other_k)),
    F the other side's error distribution (normal sd ``scale`` or logistic 1 / ``scale``)."""
    _, K, P = pts.shape
    fa, fb, regime, start, da, db, iss, x0, x1, rate, x = _scratch(K, P)
    va_at = np.empty(K * P + 1)
    vb_at = np.empty(K * P + 1)
    for q0 in range(rows.shape[0]):
        i = rows[q0]
        _values(comp, s[0, q0], s[1, q0], lump[0, q0], lump[1, q0], i, fa, fb)
        _regime(fa, fb, itv[i], 1.0, regime)
        count, va, vb = _frontier(fa, fb, pts[i], itv[i], regime, start, da, db, iss, x0, x1, rate)
        best = -math.inf
        bp, bt = 0, 0.0
        for m in range(count + 1):
            va_at[m] = va
            vb_at[m] = vb
            last = 1 if m == count else steps + 1
            for q_ in range(last):
                t = q_ / steps
                a = va + (t * da[m] if m < count else 0.0)
                b = vb + (t * db[m] if m < count else 0.0)
                score = _offer_score(a, b, proposer, other[q0], floor[q0], scale[q0], logistic)
                if score > best:
                    best, bp, bt = score, m, t
            if m < count:
                va += da[m]
                vb += db[m]
        if bp < count:  # golden-section search around the best grid point of the best piece
            lo_t = max(bt - 1.0 / steps, 0.0)
            hi_t = min(bt + 1.0 / steps, 1.0)
            base_a = va_at[bp]
            base_b = vb_at[bp]
            for _ in range(40):
                m1 = hi_t - 0.6180339887498949 * (hi_t - lo_t)
                m2 = lo_t + 0.6180339887498949 * (hi_t - lo_t)
                s1 = _offer_score(
                    base_a + m1 * da[bp],
                    base_b + m1 * db[bp],
                    proposer,
                    other[q0],
                    floor[q0],
                    scale[q0],
                    logistic,
                )
                s2 = _offer_score(
                    base_a + m2 * da[bp],
                    base_b + m2 * db[bp],
                    proposer,
                    other[q0],
                    floor[q0],
                    scale[q0],
                    logistic,
                )
                if s1 >= s2:
                    hi_t = m2
                else:
                    lo_t = m1
            t_mid = 0.5 * (lo_t + hi_t)
            if (
                _offer_score(
                    base_a + t_mid * da[bp],
                    base_b + t_mid * db[bp],
                    proposer,
                    other[q0],
                    floor[q0],
                    scale[q0],
                    logistic,
                )
                > best
            ):
                bt = t_mid
        _terms(start, count, iss, x0, x1, bp, bt, x)
        for k in range(K):
            out_x[q0, k] = x[k]
