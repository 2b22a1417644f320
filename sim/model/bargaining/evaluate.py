"""Both sides' utility and audience penalty of one set of terms per replicate, compiled.

U_i(x) = sum_k w_ik (1 - |x_k - y_ik|^r_i), except on the front-line issue, where more of
what a side claims is never worse for it (monotone territory): the distance counts only the
shortfall, max(0, x - y_A) for A and max(0, y_B - x) for B (x is the share B holds). The penalty is the sum of the red lines x
crosses plus, per issue with a reference, the shortfall w_ik max(0, U_ik(ref) - U_ik(x)).
One pass per replicate in machine code (numba) instead of a dozen array temporaries: this
runs for every offer put in every session.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class Lines:
    """Both sides' red lines and references, flattened: line l belongs to side ``side[l]``."""

    side: NDArray[np.int64]  # (L,)
    issue: NDArray[np.int64]  # (L,)
    above: NDArray[np.bool_]  # (L,) violated above the threshold (else below)
    threshold: FloatArray  # (L, n) scaled (per row: a line may follow the front)
    penalty: FloatArray  # (L, n)
    ref_side: NDArray[np.int64]  # (M,)
    ref_issue: NDArray[np.int64]  # (M,)
    ref_value: FloatArray  # (M,) scaled


def front_gap(side: int, x: FloatArray, y: FloatArray) -> FloatArray:
    """On the front-line issue, how far x falls short of what ``side`` claims (A: less of it,
    B: more): max(0, x - y_A) for A, max(0, y_B - x) for B."""
    return np.asarray(np.maximum(0.0, x - y) if side == 0 else np.maximum(0.0, y - x))


def evaluate(
    rows: IntArray,
    x: FloatArray,
    ideal: FloatArray,
    weight: FloatArray,
    risk: FloatArray,
    lines: Lines,
    front: int | None = None,
    settled: NDArray[np.bool_] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """(u, pen), each (2, r): both sides' utility and penalty of terms x (r, K) in ``rows``.
    Red lines and references on issues a ceasefire defers (``settled`` False) are not
    broken by it: deferring an issue concedes nothing on it."""
    u = np.empty((2, len(rows)))
    pen = np.empty((2, len(rows)))
    evaluate_rows(
        np.asarray(rows, dtype=np.int64), np.ascontiguousarray(x, dtype=np.float64),
        ideal, weight, risk, lines.side, lines.issue, lines.above, lines.threshold,
        lines.penalty, lines.ref_side, lines.ref_issue, lines.ref_value,
        -1 if front is None else int(front),
        np.ones(x.shape[1], dtype=np.bool_) if settled is None else settled, u, pen,
    )  # fmt: skip
    return u, pen


@njit(cache=True, nogil=True)
def _gap(x, y, side, front):
    """Distance of x from the ideal y; on the front line only the shortfall of what ``side`` claims."""
    if not front:
        return abs(x - y)
    return max(0.0, x - y) if side == 0 else max(0.0, y - x)


@njit(cache=True, nogil=True)
def evaluate_rows(
    rows, x, ideal, weight, risk, side, issue, above, thr, penalty, ref_side, ref_issue, ref,
    front, settled, out_u, out_pen,
):  # fmt: skip
    """Issue by issue and line by line, each over every row: a row's utility adds its issues'
    terms in issue order and its penalty adds the lines' and references' terms in their order,
    as one pass per row would, so the results are the same to the bit. A line not crossed
    adds 0.0 rather than nothing: the same, since a penalty started at +0.0 is never -0.0
    (x + 0.0 differs from x only for x = -0.0), and it keeps the loops free of branches."""
    r, K = x.shape
    linear = np.ones(2, dtype=np.bool_)  # a side's utility is linear in every row
    for s in range(2):
        for q in range(r):
            out_u[s, q] = 0.0
            out_pen[s, q] = 0.0
            if risk[s, rows[q]] != 1.0:
                linear[s] = False
        for k in range(K):
            fr = k == front
            if linear[s]:  # the same loop without the powers' branch
                for q in range(r):
                    i = rows[q]
                    d = _gap(x[q, k], ideal[s, i, k], s, fr)
                    out_u[s, q] += weight[s, i, k] * (1.0 - d)
                continue
            for q in range(r):
                i = rows[q]
                rk = risk[s, i]
                d = _gap(x[q, k], ideal[s, i, k], s, fr)
                if rk != 1.0:
                    d = d**rk
                out_u[s, q] += weight[s, i, k] * (1.0 - d)
    for m in range(side.shape[0]):
        k, s = issue[m], side[m]
        if not settled[k]:
            continue
        if above[m]:  # two loops rather than a branch in one
            for q in range(r):
                i = rows[q]
                p = penalty[m, i]
                out_pen[s, q] += p if x[q, k] > thr[m, i] else 0.0
        else:
            for q in range(r):
                i = rows[q]
                p = penalty[m, i]
                out_pen[s, q] += p if x[q, k] < thr[m, i] else 0.0
    for m in range(ref_side.shape[0]):
        s, k = ref_side[m], ref_issue[m]
        if not settled[k]:
            continue
        fr = k == front
        if linear[s]:
            for q in range(r):
                i = rows[q]
                dr = _gap(ref[m], ideal[s, i, k], s, fr)
                dx = _gap(x[q, k], ideal[s, i, k], s, fr)
                short = (1.0 - dr) - (1.0 - dx)
                add = weight[s, i, k] * short
                out_pen[s, q] += add if short > 0.0 else 0.0
            continue
        for q in range(r):
            i = rows[q]
            rk = risk[s, i]
            dr = _gap(ref[m], ideal[s, i, k], s, fr)
            dx = _gap(x[q, k], ideal[s, i, k], s, fr)
            if rk != 1.0:
                dr = dr**rk
                dx = dx**rk
            short = (1.0 - dr) - (1.0 - dx)
            add = weight[s, i, k] * short
            out_pen[s, q] += add if short > 0.0 else 0.0


@njit(cache=True, nogil=True)
def _np_maximum(a, b):
    """numpy's maximum: the first unless the second is larger (a NaN first wins)."""
    return a if (a >= b or math.isnan(a)) else b


@njit(cache=True, nogil=True)
def _np_gap(x, y, side, front):
    """SideTerms.gap with numpy's maximum: |x - y|, or on the front line the shortfall."""
    if not front:
        return abs(x - y)
    return _np_maximum(0.0, x - y) if side == 0 else _np_maximum(0.0, y - x)


@njit(cache=True, nogil=True)
def issue_parts_linear(
    x, ideal, weight, side, front, has_ref, ref, above, thr, penalty, keep_mode, comp, at
):  # fmt: skip
    """SideTerms.parts for a side with linear utility (risk 1), compiled, written into
    comp[:, :, at:at + 3]: at points x (r, P) of one issue, w (1 - d), the audience penalty
    (w max(0, u(ref) - u) if ``has_ref``, plus each red line's penalty where x crosses its
    threshold, in the lines' order) and the relief share kept (keep_mode 0: none, 1: 1 - x,
    2: all). The same operations in the same order as the array code, to the bit."""
    r, P = x.shape
    for q in range(r):
        y, w = ideal[q], weight[q]
        u_ref = 1.0 - _np_gap(ref, y, side, front) if has_ref else 0.0
        for j in range(P):
            xj = x[q, j]
            u = 1.0 - _np_gap(xj, y, side, front)
            pen = w * _np_maximum(0.0, u_ref - u) if has_ref else 0.0
            for m in range(above.shape[0]):
                crossed = (xj > thr[m, q]) if above[m] else (xj < thr[m, q])
                pen = pen + penalty[m, q] * (1.0 if crossed else 0.0)
            comp[q, j, at] = w * u
            comp[q, j, at + 1] = pen
            comp[q, j, at + 2] = 1.0 if keep_mode == 2 else (1.0 - xj if keep_mode == 1 else 0.0)


@njit(cache=True, nogil=True)
def evaluate_waits(
    rows, pos, x, terms, ideal, weight, risk, side, issue, above, thr, penalty, ref_side,
    ref_issue, ref, front, settled, out_u, out_pen,
):  # fmt: skip
    """``evaluate_rows`` of a batch of terms x (B, K) that differ from an offer's terms
    (r, K) at positions ``pos`` (B,) only on the front-line issue ``front`` (>= 0), as the
    waits of the premium of waiting do (sim.mechanisms.signing): what does not depend on the
    front-line term (each other issue's utility term, each line's and reference's penalty on
    another issue) is computed once per offer row and reused, and every sum adds the same
    terms in the same order as ``evaluate_rows``, so the results are the same to the bit."""
    B = x.shape[0]
    r, K = terms.shape
    L = side.shape[0]
    M = ref_side.shape[0]
    ut = np.empty((r, 2, K))
    lp = np.empty((r, L))
    rp = np.empty((r, M))
    ready = np.zeros(r, dtype=np.bool_)
    for e in range(B):
        p = pos[e]
        i = rows[e]
        if not ready[p]:
            ready[p] = True
            for s in range(2):
                rk = risk[s, i]
                for k in range(K):
                    if k != front:
                        d = _gap(terms[p, k], ideal[s, i, k], s, False)
                        if rk != 1.0:
                            d = d**rk
                        ut[p, s, k] = weight[s, i, k] * (1.0 - d)
            for m in range(L):
                k = issue[m]
                if k != front:
                    if above[m]:
                        lp[p, m] = penalty[m, i] if terms[p, k] > thr[m, i] else 0.0
                    else:
                        lp[p, m] = penalty[m, i] if terms[p, k] < thr[m, i] else 0.0
            for m in range(M):
                s, k = ref_side[m], ref_issue[m]
                if k != front:
                    rp[p, m] = _ref_short(terms[p, k], ref[m], ideal[s, i, k], weight[s, i, k],
                                          risk[s, i], s, False)  # fmt: skip
        xf = x[e, front]
        for s in range(2):
            rk = risk[s, i]
            u = 0.0
            for k in range(K):
                if k == front:
                    d = _gap(xf, ideal[s, i, k], s, True)
                    if rk != 1.0:
                        d = d**rk
                    u += weight[s, i, k] * (1.0 - d)
                else:
                    u += ut[p, s, k]
            out_u[s, e] = u
            out_pen[s, e] = 0.0
        for m in range(L):
            k, s = issue[m], side[m]
            if not settled[k]:
                continue
            if k == front:
                if above[m]:
                    out_pen[s, e] += penalty[m, i] if xf > thr[m, i] else 0.0
                else:
                    out_pen[s, e] += penalty[m, i] if xf < thr[m, i] else 0.0
            else:
                out_pen[s, e] += lp[p, m]
        for m in range(M):
            s, k = ref_side[m], ref_issue[m]
            if not settled[k]:
                continue
            if k == front:
                out_pen[s, e] += _ref_short(xf, ref[m], ideal[s, i, k], weight[s, i, k],
                                            risk[s, i], s, True)  # fmt: skip
            else:
                out_pen[s, e] += rp[p, m]


@njit(cache=True, nogil=True)
def _ref_short(x, ref, y, w, rk, s, fr):
    """A reference's penalty term as ``evaluate_rows`` adds it: w max-like shortfall of u(x)
    below u(ref), or 0.0."""
    dr = _gap(ref, y, s, fr)
    dx = _gap(x, y, s, fr)
    if rk != 1.0:
        dr = dr**rk
        dx = dx**rk
    short = (1.0 - dr) - (1.0 - dx)
    add = w * short
    return add if short > 0.0 else 0.0
