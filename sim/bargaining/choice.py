"""How a proposer picks among candidate agreements: the mediator's generalized Nash point, a side's best offer."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# Offset that puts every infeasible candidate below every feasible one (log-products of
# utilities in [-2, 2] stay far above -1e9).
INFEASIBLE = 1e9


def nash_objective(s_a: FloatArray, s_b: FloatArray, beta: FloatArray) -> FloatArray:
    """One score per candidate whose argmax is the mediator's pick.

    Where both surpluses are positive the score is the generalized Nash product
    (its log when the weights differ); elsewhere it is min(beta_A s_a, beta_B s_b) -
    INFEASIBLE, below every feasible score, so with no zone of agreement the pick
    maximises the weighted smaller surplus (as the frontier's max-min point does).
    """
    feasible = (s_a > 0) & (s_b > 0)
    worst = np.minimum(beta[0][:, None] * s_a, beta[1][:, None] * s_b) - INFEASIBLE
    if np.all(beta[0] == beta[1]):
        score = s_a * s_b  # the product itself: same argmax as prod^beta, no logs needed
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            score = beta[0][:, None] * np.log(s_a) + beta[1][:, None] * np.log(s_b)
    return np.asarray(np.where(feasible, score, worst))
