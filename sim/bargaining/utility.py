"""Utility of terms, U_i(x) = sum_k w_ik (1 - |x_k - y_ik|^r_i), and the leader's audience penalty."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from ..engine.model import ChunkParams

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


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


def penalty_rows(p: ChunkParams, side: int, x: FloatArray, rows: IntArray) -> FloatArray:
    """Red-line violations plus shortfall below the reference, for terms x (len(rows), K)."""
    out = np.zeros(len(rows))
    for rl in p.red_lines[side]:
        v = x[:, rl.issue]
        thr = rl.threshold[rows]
        out += rl.penalty[rows] * (v > thr if rl.above else v < thr)
    if p.reference[side]:
        ideal, weight, risk = p.ideal[side][rows], p.weight[side][rows], p.risk[side][rows]
        for k, ref in p.reference[side].items():
            u_ref = 1.0 - np.abs(ref - ideal[:, k]) ** risk
            u_x = 1.0 - np.abs(x[:, k] - ideal[:, k]) ** risk
            out += weight[:, k] * np.maximum(0.0, u_ref - u_x)
    return out


def penalty_candidates(
    p: ChunkParams, side: int, x: FloatArray, rows: IntArray | slice = slice(None)
) -> FloatArray:
    """The same penalty for every candidate (M, K) and replicate (all, or ``rows``): (n, M)."""
    ideal, weight, risk = p.ideal[side][rows], p.weight[side][rows], p.risk[side][rows]
    out = np.zeros((ideal.shape[0], x.shape[0]))
    for rl in p.red_lines[side]:
        v = x[None, :, rl.issue]
        thr = rl.threshold[rows][:, None]
        out += rl.penalty[rows][:, None] * (v > thr if rl.above else v < thr)
    for k, ref in p.reference[side].items():
        u_ref = 1.0 - np.abs(ref - ideal[:, k]) ** risk
        u_x = 1.0 - np.abs(x[None, :, k] - ideal[:, k, None]) ** risk[:, None]
        out += weight[:, k, None] * np.maximum(0.0, u_ref[:, None] - u_x)
    return out
