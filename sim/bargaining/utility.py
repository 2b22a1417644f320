"""Utility of terms, U_i(x) = sum_k w_ik (1 - |x_k - y_ik|^r_i), and the leader's audience penalty."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class Prefs:
    """One side's preferences over replicates: ideal, weight (n, K), risk (n,), red lines, references."""

    ideal: FloatArray
    weight: FloatArray
    risk: FloatArray
    red_lines: Sequence[
        tuple[int, bool, FloatArray, FloatArray]
    ]  # (issue, above, threshold, penalty)
    reference: dict[int, float]  # issue -> scaled reference


def utility_rows(
    ideal: FloatArray, weight: FloatArray, risk: FloatArray, x: FloatArray
) -> FloatArray:
    """U for one set of terms per replicate: ideal, weight, x (n, K), risk (n,) -> (n,)."""
    d = np.abs(x - ideal) ** risk[:, None]
    return np.asarray(np.sum(weight * (1.0 - d), axis=1))


def utility_candidates(
    ideal: FloatArray, weight: FloatArray, risk: FloatArray, x: FloatArray
) -> FloatArray:
    """U of every candidate for every replicate: x (M, K) -> (n, M)."""
    out = np.zeros((ideal.shape[0], x.shape[0]))
    for k in range(x.shape[1]):  # a loop over issues keeps memory at (n, M)
        d = np.abs(x[None, :, k] - ideal[:, k, None]) ** risk[:, None]
        out += weight[:, k, None] * (1.0 - d)
    return out


def penalty_rows(pr: Prefs, x: FloatArray, rows: IntArray) -> FloatArray:
    """Red-line violations plus shortfall below the reference, for terms x (len(rows), K)."""
    out = np.zeros(len(rows))
    for issue, above, threshold, penalty in pr.red_lines:
        v = x[:, issue]
        thr = threshold[rows]
        out += penalty[rows] * (v > thr if above else v < thr)
    if pr.reference:
        ideal, weight, risk = pr.ideal[rows], pr.weight[rows], pr.risk[rows]
        for k, ref in pr.reference.items():
            u_ref = 1.0 - np.abs(ref - ideal[:, k]) ** risk
            u_x = 1.0 - np.abs(x[:, k] - ideal[:, k]) ** risk
            out += weight[:, k] * np.maximum(0.0, u_ref - u_x)
    return out


def penalty_candidates(
    pr: Prefs, x: FloatArray, rows: IntArray | slice = slice(None)
) -> FloatArray:
    """The same penalty for every candidate (M, K) and replicate (all, or ``rows``): (n, M)."""
    ideal, weight, risk = pr.ideal[rows], pr.weight[rows], pr.risk[rows]
    out = np.zeros((ideal.shape[0], x.shape[0]))
    for issue, above, threshold, penalty in pr.red_lines:
        v = x[None, :, issue]
        thr = threshold[rows][:, None]
        out += penalty[rows][:, None] * (v > thr if above else v < thr)
    for k, ref in pr.reference.items():
        u_ref = 1.0 - np.abs(ref - ideal[:, k]) ** risk
        u_x = 1.0 - np.abs(x[None, :, k] - ideal[:, k, None]) ** risk[:, None]
        out += weight[:, k, None] * np.maximum(0.0, u_ref[:, None] - u_x)
    return out
