"""Upper bounds on a regime's score, for the branch and bound of ``kernel.nash_rows``.

A regime's score is the generalized Nash product's log, beta_A log a + beta_B log b (a and b
each side's surplus over its disagreement point), at its Nash point, or INFEASIBLE plus the
weighted max-min min(beta_A a, beta_B b) where it has no zone of agreement. Values are
separable across issues and every point of a regime's frontier mixes, issue by issue, points
of the issue tables that lie in the regime's intervals, so a weighted sum of the two sides'
values is at most the sum over issues of its best table point in the interval. Two bounds
follow, each cheap beside solving the regime:

* the **utopia bound** (``regime_bounds``): each side at its own best point,
  beta_A log A + beta_B log B; the regimes are taken in order of it and the search stops once
  it is no better than the best point found;
* the **Jensen bound** (``beaten``): with w = beta_A / (beta_A + beta_B) and M the best of
  w a + (1 - w) b over the regime, beta_A log a + beta_B log b <= (beta_A + beta_B) log M
  (the weighted geometric mean is at most the arithmetic one), a regime with M <= 0 has no
  zone, and min(beta_A a, beta_B b) <= (beta_A + beta_B) M / 2. It is tight where the sides'
  best points conflict, which the utopia bound ignores, and lets the search skip a regime
  that cannot beat the best point found (a regime is only taken if it scores strictly
  better, so skipping changes nothing: neither the point, nor its regime, nor the order).
"""

from __future__ import annotations

import math

from numba import njit

from .frontier import INFEASIBLE


@njit(cache=True, nogil=True)
def regime_bounds(fa, fb, itv_i, regimes, d0, d1, ba, bb, best_a, best_b, bound):
    """The utopia bound of each regime (``bound``, R), from each side's best value per issue and
    interval (``best_a``, ``best_b``)."""
    K, P = fa.shape
    J = best_a.shape[1]
    for k in range(K):
        for j in range(J):
            best_a[k, j] = -math.inf
            best_b[k, j] = -math.inf
        for j in range(P):
            iv = itv_i[k, j]
            if iv >= 0:
                if fa[k, j] > best_a[k, iv]:
                    best_a[k, iv] = fa[k, j]
                if fb[k, j] > best_b[k, iv]:
                    best_b[k, iv] = fb[k, j]
    for r in range(regimes.shape[0]):
        a = -d0
        b = -d1
        for k in range(K):
            a += best_a[k, regimes[r, k]]
            b += best_b[k, regimes[r, k]]
        if a > 0.0 and b > 0.0:
            bound[r] = ba * math.log(a) + bb * math.log(b)
        else:
            bound[r] = INFEASIBLE + min(ba * a, bb * b)


@njit(cache=True, nogil=True)
def mixed_best(fa, fb, itv_i, ba, bb, best_w):
    """Per issue and interval, the best of w f_A + (1 - w) f_B, w = beta_A / (beta_A + beta_B):
    what ``beaten`` sums (computed once a row has a best point to beat)."""
    K, P = fa.shape
    w = ba / (ba + bb)
    for k in range(K):
        for j in range(best_w.shape[1]):
            best_w[k, j] = -math.inf
        for j in range(P):
            iv = itv_i[k, j]
            if iv >= 0:
                v = w * fa[k, j] + (1.0 - w) * fb[k, j]
                if v > best_w[k, iv]:
                    best_w[k, iv] = v


@njit(cache=True, nogil=True)
def beaten(best_w, regimes, r, d0, d1, ba, bb, best):
    """Whether regime ``r`` cannot score above ``best`` (the Jensen bound of the module's
    docstring, with margins far above the rounding of either score: a regime is skipped only
    when it certainly cannot be taken)."""
    if not (ba > 0.0 and bb > 0.0):
        return False
    w = ba / (ba + bb)
    m = -w * d0 - (1.0 - w) * d1
    for k in range(regimes.shape[1]):
        m += best_w[k, regimes[r, k]]
    if INFEASIBLE + 0.5 * (ba + bb) * (m + 1e-9 * (1.0 + abs(m))) > best:
        return False  # it may beat ``best`` even without a zone
    if m <= 0.0:
        return True  # no zone, and no better max-min point
    return (ba + bb) * math.log(m) + 1e-6 * (1.0 + abs(best)) < best
