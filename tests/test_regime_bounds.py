"""The branch and bound's Jensen bound: a regime it skips could not have beaten the best point."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.model.bargaining import kernel
from sim.model.bargaining.bounds import beaten, mixed_best
from sim.model.bargaining.frontier import Cut, IssueTables, SideTerms, intervals

CUTS = [Cut(0, 0.3, True), Cut(0, 0.7, True), Cut(2, 0.5, False), Cut(1, 0.4, True)]


def _tables(n: int, rng: np.random.Generator) -> IssueTables:
    k = 3

    def side(lines: list[tuple[int, bool, float]], reference: dict[int, float]) -> SideTerms:
        """A side with random ideal points, weights and red-line penalties (0 to 0.6)."""
        return SideTerms(
            ideal=rng.uniform(0, 1, (n, k)),
            weight=rng.dirichlet(np.ones(k), n),
            risk=np.ones(n),
            audience=np.ones(n),
            red_lines=[(i, up, t, rng.uniform(0, 0.6, n)) for i, up, t in lines],
            reference=reference,
        )

    a = side([(0, True, 0.3), (2, False, 0.5)], {1: 0.6})
    b = side([(0, True, 0.7), (1, True, 0.4)], {0: 0.8})
    return IssueTables.of((a, b), intervals(CUTS, k))


def _solve(t: IssueTables, d, beta, regimes, fixed):  # type: ignore[no-untyped-def]
    n, K = t.points.shape[:2]
    x, score, chosen = np.empty((n, K)), np.empty(n), np.empty((n, K), dtype=np.int64)
    kernel.nash_rows(
        np.arange(n), t.points, t.interval, t.comp, np.ones((2, n)), np.zeros((2, n)), d, beta,
        regimes, fixed, x, score, chosen,
    )  # fmt: skip
    return x, score, chosen


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_a_regime_the_bound_skips_scores_no_better_than_the_best(seed):
    rng = np.random.default_rng(seed)
    n = 200
    t = _tables(n, rng)
    # disagreement points from generous to impossible: rows with and without a zone
    d = rng.uniform(-0.2, 0.9, (2, n))
    beta = rng.uniform(0.3, 3.0, (2, n))
    regimes = np.array(
        list(itertools.product(*[range(len(v)) for v in intervals(CUTS, 3)])), dtype=np.int64
    )
    each = np.stack(
        [_solve(t, d, beta, regimes, np.tile(r, (n, 1)))[1] for r in regimes], axis=1
    )  # (n, R): every regime solved on its own
    _, score, _ = _solve(t, d, beta, regimes, np.full((n, 3), -1, dtype=np.int64))
    np.testing.assert_array_equal(score, each.max(axis=1))  # the best over all regimes, exactly
    assert (score < -1e8).any() and (score > -1e8).any()  # rows without and with a zone
    skipped = 0
    best_w = np.empty((3, 3))
    for i in range(n):
        fa = t.comp[i, :, :, 0] - t.comp[i, :, :, 1]
        fb = t.comp[i, :, :, 3] - t.comp[i, :, :, 4]
        mixed_best(fa, fb, t.interval[i], beta[0, i], beta[1, i], best_w)
        for r in range(len(regimes)):
            # thresholds just above and below the regime's own score, and others' scores
            for best in (each[i, r], np.nextafter(each[i, r], -np.inf), *each[i]):
                if beaten(best_w, regimes, r, d[0, i], d[1, i], beta[0, i], beta[1, i], best):
                    assert each[i, r] <= best
                    skipped += 1
    assert skipped > 0.2 * n * len(regimes)  # the bound does skip regimes
