"""Compiled per-row loops of durability and signing: a ceasefire's log hazard, the gains of waiting.

These run for every offer a side weighs, and for the premium of waiting once per wait tried
(sim.mechanisms.signing), on batches of rows gathered from the chunk's arrays; one pass per
row in machine code (numba) replaces a dozen gathers and temporaries. Each loop repeats the
array arithmetic it replaces operation for operation, in the same order (numpy's maximum
and minimum, numpy's pairwise order of a sum), so its results are the same to the bit; the
exponentials and powers stay in numpy, between the loops.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..bargaining.evaluate import evaluate_waits

PAIRWISE_BLOCK = 128  # numpy's pairwise summation sums blocks up to this size with 8 accumulators


@njit(cache=True, nogil=True)
def _maximum(a, b):
    """numpy's maximum: the first unless the second is larger (a NaN first wins)."""
    return a if (a >= b or math.isnan(a)) else b


@njit(cache=True, nogil=True)
def _minimum(a, b):
    """numpy's minimum: the first unless the second is smaller (a NaN first wins)."""
    return a if (a <= b or math.isnan(a)) else b


@njit(cache=True, nogil=True)
def _pairwise(a, lo, n):
    """numpy's pairwise sum of a[lo:lo + n] (n <= PAIRWISE_BLOCK), as np.sum(axis=-1) adds a row."""
    if n < 8:
        res = 0.0
        for j in range(lo, lo + n):
            res += a[j]
        return res
    r = a[lo : lo + 8].copy()
    j = 8
    while j < n - (n % 8):
        for m in range(8):
            r[m] += a[lo + j + m]
        j += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while j < n:
        res += a[lo + j]
        j += 1
    return 0.0 + res


@njit(cache=True, nogil=True)
def log_hazard(rows, value, terms, war, floor, guarantee, dissatisfaction, cap, out):
    """Per row q: min(g1 max_i(W_i - V_i) - sum_k g_k x_k, cap), the log of a ceasefire's hazard
    over its base rate; V_floor is first raised to W_floor (floor -1: no side's is)."""
    K = terms.shape[1]
    prod = np.empty(K)
    for q in range(rows.shape[0]):
        i = rows[q]
        v0, v1 = value[0, q], value[1, q]
        if floor == 0:
            v0 = _maximum(v0, war[0, i])
        elif floor == 1:
            v1 = _maximum(v1, war[1, i])
        grievance = _maximum(war[0, i] - v0, war[1, i] - v1)
        for k in range(K):
            prod[k] = guarantee[i, k] * terms[q, k]
        out[q] = _minimum(dissatisfaction[i] * grievance - _pairwise(prod, 0, K), cap)


@njit(cache=True, nogil=True)
def wait_gains(side, rows, pos, src, b, v, decay, patience, war, loss, sign, keep, out):
    """The premium of waiting of ``side``, folded over waits in batch order: per batch row e
    (offer row ``pos[e]``, chunk row ``rows[e]``) with breakdown chance b and values v (2, U)
    at the terms waited for (those of valued wait ``src[e]``, ``wait_repeats``),
    q = delta b / (1 - delta (1 - b)), later = (1 - q) v + q (W - Delta) and
    out[side, pos] = max(out, rho^t (later - S) / (keep max(1 - rho^t, 1e-12)))."""
    for e in range(rows.shape[0]):
        i, p, u = rows[e], pos[e], src[e]
        delta = patience[side, i]
        q = delta * b[u] / (1.0 - delta * (1.0 - b[u]))
        later = (1.0 - q) * v[side, u] + q * (war[side, i] - loss[side, i])
        gain = (
            decay[e] * (later - sign[side, p]) / (keep[side, p] * _maximum(1.0 - decay[e], 1e-12))
        )
        out[side, p] = _maximum(out[side, p], gain)


@njit(cache=True, nogil=True)
def side_values(rows, u, pen, audience, support, lump, terms, relief, out):
    """Both sides' value (2, r) of terms (r, K) in ``rows`` from their utility and penalty
    (2, r): V_i = U_i - a_i S_i pen_i - L_i (1 - clip(x_relief, 0, 1)) (relief -1: none, all
    sanctions kept)."""
    for q in range(rows.shape[0]):
        i = rows[q]
        kept = 1.0 if relief < 0 else 1.0 - _minimum(_maximum(terms[q, relief], 0.0), 1.0)
        for s in range(2):
            out[s, q] = u[s, q] - audience[s, i] * support[s, i] * pen[s, q] - lump[s, i] * kept


@njit(cache=True, nogil=True)
def wait_terms(terms, pos, drift, t, front, out):
    """The terms each wait reaches (B, K): an offer's terms (r, K) at positions ``pos`` (B,),
    the front-line term moved by drift[pos] t and clipped to [0, 1], as
    np.clip(terms[pos, front] + drift[pos] * t, 0.0, 1.0) (numpy's clip: maximum, then minimum)."""
    K = terms.shape[1]
    for e in range(pos.shape[0]):
        p = pos[e]
        for k in range(K):
            out[e, k] = terms[p, k]
        out[e, front] = _minimum(_maximum(terms[p, front] + drift[p] * t[e], 0.0), 1.0)


@njit(cache=True, nogil=True)
def log_hazards(rows, value, terms, war, guarantee, dissatisfaction, cap, out):
    """``log_hazard`` for both sides at once (2, r): side i judges the deal as signed, so the
    other side's value counts at least its war value (floor 1 - i)."""
    log_hazard(rows, value, terms, war, 1, guarantee, dissatisfaction, cap, out[0])
    log_hazard(rows, value, terms, war, 0, guarantee, dissatisfaction, cap, out[1])


@njit(cache=True, nogil=True)
def wait_plan(lookahead, steps, need):
    """The waits of one side in batch order, wait after wait: (pos, t), each (B,), the offer
    row and the waiting time min(tau, L) of every wait tau in ``steps`` still short of that
    row's look-ahead L (the first wait in every row), in rows where ``need`` holds; as the
    concatenation of np.flatnonzero(L > previous tau)."""
    r = lookahead.shape[0]
    count = 0
    for k in range(steps.shape[0]):
        for j in range(r):
            if (k == 0 or lookahead[j] > steps[k - 1]) and need[j]:
                count += 1
    pos = np.empty(count, dtype=np.int64)
    t = np.empty(count)
    e = 0
    for k in range(steps.shape[0]):
        tau = steps[k]
        for j in range(r):
            if (k == 0 or lookahead[j] > steps[k - 1]) and need[j]:
                pos[e] = j
                t[e] = _minimum(tau, lookahead[j])
                e += 1
    return pos, t


@njit(cache=True, nogil=True)
def wait_repeats(terms, pos, drift, t, front):
    """Which waits of a batch (``wait_plan``'s order: a row's waits come in order of their
    length) reach the same terms as the row's wait before them: (valued, src), the batch
    positions to value (U,) and, per batch position, the index among those of the wait whose
    terms it reaches (B,). Only the front-line term moves with the wait, so a wait reaches the
    terms of the wait before it exactly when its front-line term, computed as ``wait_terms``
    computes it, has the same bits: once the front is pushed to an end of the issue (0 or 1),
    every longer wait reaches that end. Its values and breakdown chance are then those of
    the wait before it, to the bit, and need not be computed again."""
    B = pos.shape[0]
    r = terms.shape[0]
    last = np.empty(r)
    seen = np.full(r, -1, dtype=np.int64)
    src = np.empty(B, dtype=np.int64)
    valued = np.empty(B, dtype=np.int64)
    U = 0
    for e in range(B):
        p = pos[e]
        x = _minimum(_maximum(terms[p, front] + drift[p] * t[e], 0.0), 1.0)
        j = seen[p]
        if j >= 0 and x == last[p] and math.copysign(1.0, x) == math.copysign(1.0, last[p]):
            src[e] = j
            continue
        last[p] = x
        seen[p] = U
        src[e] = U
        valued[U] = e
        U += 1
    return valued[:U], src


@njit(cache=True, nogil=True)
def wait_values(
    terms, offer_rows, pos, drift, t, front, ideal, weight, risk, l_side, l_issue, l_above,
    l_thr, l_pen, ref_side, ref_issue, ref, settled, audience, support, lump, relief, war,
    floor, guarantee, dissatisfaction, cap, with_hazard, out_terms, out_v, out_log_h,
):  # fmt: skip
    """One side's waits valued in one pass (``wait_plan``'s batch): the terms each wait reaches
    (``wait_terms``), both sides' values of them (``evaluate_waits``, which reuses what does
    not depend on the front line, then ``side_values``) and, with ``with_hazard``, the log
    hazard of a ceasefire on them as the side judges it (``log_hazard`` with ``floor``).
    Returns the chunk rows of the batch. The same arithmetic in the same order as the
    separate calls it replaces, so the same results to the bit."""
    B = pos.shape[0]
    rows = np.empty(B, dtype=np.int64)
    for e in range(B):
        rows[e] = offer_rows[pos[e]]
    wait_terms(terms, pos, drift, t, front, out_terms)
    u = np.empty((2, B))
    pen = np.empty((2, B))
    evaluate_waits(
        rows, pos, out_terms, terms, ideal, weight, risk, l_side, l_issue, l_above, l_thr,
        l_pen, ref_side, ref_issue, ref, front, settled, u, pen,
    )  # fmt: skip
    side_values(rows, u, pen, audience, support, lump, out_terms, relief, out_v)
    if with_hazard:
        log_hazard(rows, out_v, out_terms, war, floor, guarantee, dissatisfaction, cap, out_log_h)
    return rows
